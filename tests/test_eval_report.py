"""The Markdown report and the metrics document."""

from __future__ import annotations

from assistant.evaluation.report import (
    bar_chart,
    format_metric,
    format_ms,
    metrics_document,
    render_markdown,
)
from assistant.evaluation.scoring import Corpus, GoldQuestion, score_run

CORPUS = Corpus.of({"a.txt": "Alpha | beta.\nGamma."})
GOLD = GoldQuestion.from_json(
    {
        "id": "q1",
        "question": "Pipes | and\nnewlines?",
        "gold_files": ["a.txt"],
        "must_include": ["alpha"],
    }
)
RESULT = {
    "id": "q1",
    "answer": "Alpha | beta\nsecond line [1]",
    "abstained": False,
    "citations": [{"n": 1, "file": "a.txt", "quote": "Alpha | beta.", "start": 0, "end": 13}],
    "backend": {"llm": "extractive", "model": None, "embedder": "e"},
    "index": {"version": "v9", "files": {}},
    "timings_ms": {"retrieve": 1.0, "generate": 2.0, "total": 250.0},
}


def test_bar_chart_scales_bars_and_shows_missing_rates() -> None:
    chart = bar_chart([("full", 1.0), ("half", 0.5), ("none", None)], width=10)
    assert chart.splitlines() == [
        "full  ██████████  100.0%",
        "half  █████░░░░░   50.0%",
        "none  ░░░░░░░░░░       —",
    ]


def test_metrics_document_separates_the_run_block() -> None:
    score = score_run([GOLD], [RESULT], CORPUS)
    document = metrics_document(score, [RESULT], ["w2", "w1"], {"timestamp": "now"})
    assert document["run"] == {"timestamp": "now"}
    assert document["warnings"] == ["w1", "w2"]
    assert document["backend"]["llm"] == "extractive"
    assert document["index_version"] == "v9"
    assert document["questions"][0]["citations"][0]["status"] == "valid"
    assert "timestamp" not in str({k: v for k, v in document.items() if k != "run"})


def test_report_rows_keep_cells_intact() -> None:
    score = score_run([GOLD], [RESULT], CORPUS)
    markdown = render_markdown(score, metrics_document(score, [RESULT], [], {"command": "cmd"}))
    row = next(line for line in markdown.splitlines() if line.startswith("| q1 |"))
    assert row == (
        "| q1 | Pipes \\| and<br>newlines? | correct | Alpha \\| beta<br>second line [1] "
        "| [1] `a.txt` 0–13 valid: “Alpha \\| beta.” |"
    )
    assert "| total | 250 | 250 | 1 |" in markdown
    assert "- command: `cmd`" in markdown


def test_formatting_helpers() -> None:
    overall = {"accuracy": None, "correct": 0, "questions": 0}
    assert format_metric(overall, "accuracy") == "—"
    assert (
        format_metric({"accuracy": 0.5, "correct": 1, "questions": 2}, "accuracy") == "1/2 (50.0%)"
    )
    assert (format_ms(None), format_ms(4.56), format_ms(1234.4)) == ("—", "4.6", "1,234")


def test_the_report_says_which_answers_the_model_gave_and_which_fell_back() -> None:
    """With `--llm auto` a run is the model's, but answers the checks emptied are the
    extractive fallback's: the report counts both, and marks each fallback answer."""
    gold_2 = GoldQuestion.from_json({"id": "q2", "question": "Gamma?", "must_include": ["gamma"]})
    by_model = {
        **RESULT,
        "backend": {"llm": "ollama", "model": "qwen", "embedder": "e"},
        "unsupported_sentences": 1,
    }
    fallback = {**RESULT, "id": "q2", "answer": "Gamma. [1]", "unsupported_sentences": 2}
    results = [fallback, by_model]
    score = score_run([GOLD, gold_2], results, CORPUS)
    document = metrics_document(score, results, [], {"command": "assistant eval"})
    assert document["backend"]["llm"] == "ollama"
    assert document["overall"]["answered_by"] == {"extractive": 1, "ollama": 1}
    assert document["overall"]["sentences_removed"] == 3
    assert [q["answered_by"] for q in document["questions"]] == ["ollama", "extractive"]
    report = render_markdown(score, document)
    assert (
        "Answered by: extractive 1, ollama 1 (others fell back); "
        "3 answer sentence(s) removed by the checks." in report
    )
    assert "| (extractive) Gamma. [1] |" in report
