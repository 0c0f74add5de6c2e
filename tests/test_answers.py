"""Answers over the bundled corpus (extractive), the JSON contract, the CLI and batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.index.corpus import read_document
from assistant.service import Assistant
from assistant.types import Turn

CONTRACT_KEYS = {
    "id",
    "question",
    "answer",
    "abstained",
    "citations",
    "backend",
    "index",
    "timings_ms",
    "dropped_quotes",
}


def assert_citations_verify(result: dict, corpus: Path) -> None:
    for citation in result["citations"]:
        text = read_document(corpus, citation["file"]).text
        assert text[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in result["answer"]


def test_answer_cites_the_right_file_with_exact_offsets(
    bundled_assistant: Assistant, bundled_index: tuple[Path, Path]
) -> None:
    answer = bundled_assistant.answer("Who founded DeepSeek?")
    assert not answer.abstained
    assert "Liang Wenfeng" in answer.answer
    assert answer.citations[0].file == "003_0b0806e6b9dc152e.txt"
    assert_citations_verify(answer.to_json(), bundled_index[0])
    assert answer.backend.llm == "extractive" and answer.backend.reason


@pytest.mark.parametrize(
    "question",
    [
        "What is the price of DeepSeek's API per million tokens?",
        "How many parameters does the DeepSeek-R1 model have?",
        "What was Nvidia's revenue in 2023?",
        "What is the capital of Australia?",
    ],
)
def test_questions_the_corpus_does_not_answer_abstain(
    bundled_assistant: Assistant, question: str
) -> None:
    answer = bundled_assistant.answer(question)
    assert answer.abstained, answer.answer
    assert answer.citations == () and answer.answer == "The corpus does not say."


@pytest.mark.parametrize("question", ["DeepSeekの創業者は誰ですか？", "DeepSeek的创始人是谁？"])
def test_a_question_in_another_script_gets_no_answer_that_ignores_its_words(
    bundled_assistant: Assistant, question: str
) -> None:
    # Its words were dropped to "deepseek" alone, and any sentence naming DeepSeek answered
    # ("Trump also stated that DeepSeek served as a wake-up call …").
    answer = bundled_assistant.answer(question)
    assert answer.abstained or "Liang Wenfeng" in answer.answer, answer.answer


def test_a_japanese_question_over_a_japanese_document_is_answered_verbatim(
    tmp_path: Path,
) -> None:
    from tests.conftest import settings_for

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    doc = (
        "LangGraphは、大規模言語モデルを使ってステートフルなアプリケーションを構築するための"
        "ライブラリです。LangChainの開発元によって作られました。\n\n"
        "インストールは pip install langgraph で行います。\n"
    )
    (corpus / "langgraph-ja.txt").write_text(doc, "utf-8")
    (corpus / "seals.txt").write_text("The seal colony grew to ninety-one animals.\n", "utf-8")
    assistant = Assistant(settings_for(corpus, tmp_path / "index"))
    assistant.reindex()
    for question in ("LangGraphとは何ですか？", "What is LangGraph?"):
        answer = assistant.answer(question)
        assert not answer.abstained and "ライブラリです" in answer.answer, answer.answer
        assert answer.dropped_quotes == 0 and not answer.unsupported_sentences
        for citation in answer.citations:
            assert doc[citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("DeepSeekの創業者は誰ですか？", "文書には書かれていません。"),
        ("DeepSeek的创始人是谁？", "文档中没有说明。"),
        ("Wer hat DeepSeek gegründet?", "Die Dokumente sagen dazu nichts."),
        ("Qui a fondé DeepSeek ?", "Les documents ne le disent pas."),
    ],
)
def test_an_abstention_is_said_in_the_language_of_the_question(
    bundled_assistant: Assistant, question: str, says: str
) -> None:
    answer = bundled_assistant.answer(question)
    assert answer.abstained and answer.answer == says
    # the note on a related passage, when there is one, is in that language too
    assert not answer.related_note or not answer.related_note.startswith("The documents")


def test_json_contract(bundled_assistant: Assistant) -> None:
    result = bundled_assistant.answer("Who is Stefan Leichenauer?", question_id="x1").to_json()
    assert set(result) >= CONTRACT_KEYS
    assert result["id"] == "x1"
    assert set(result["backend"]) >= {"llm", "model", "embedder"}
    assert set(result["index"]) == {"version", "files"}
    assert set(result["timings_ms"]) == {"retrieve", "generate", "total"}
    for citation in result["citations"]:
        assert set(citation) >= {"n", "file", "quote", "start", "end"}
    json.dumps(result)


def test_follow_up_carries_the_previous_subject(bundled_assistant: Assistant) -> None:
    first = bundled_assistant.answer("What did Dario Amodei say about the researchers at DeepSeek?")
    follow = bundled_assistant.answer(
        "And what did he say about export controls?", history=[Turn(first.question, first)]
    )
    assert not follow.abstained
    assert "Amodei" in follow.answer or any("Amodei" in c.quote for c in follow.citations)


def test_follow_up_about_someone_the_answer_named(bundled_assistant: Assistant) -> None:
    """ "he" is the founder the first answer named, not in the first question."""
    first = bundled_assistant.answer("Who founded DeepSeek?")
    follow = bundled_assistant.answer(
        "And what did he say about the chips?", history=[Turn(first.question, first)]
    )
    assert not follow.abstained
    assert "Liang Wenfeng" in follow.answer


def test_empty_and_hostile_questions(bundled_assistant: Assistant) -> None:
    from assistant.errors import InputError

    with pytest.raises(InputError):
        bundled_assistant.answer("   \n\t ")
    long = bundled_assistant.answer("Who founded DeepSeek? " + "x" * 10_000)
    assert any("shortened" in w for w in long.warnings)
    odd = bundled_assistant.answer("Who\x00 founded\x1b DeepSeek?\x07<script>")
    # the control characters are gone, the markup is only text, and the question answers
    assert odd.question == "Who founded DeepSeek? <script>"
    assert not odd.abstained and "Liang Wenfeng" in odd.answer
    escape = bundled_assistant.answer("Who founded\x1b[31m DeepSeek?")
    assert escape.question == "Who founded [31m DeepSeek?"
    assert escape.abstained == (escape.citations == ())


def cli(*args: str, index: tuple[Path, Path]) -> list[str]:
    corpus, idx = index
    return ["--corpus", str(corpus), "--index", str(idx), "--llm", "extractive", *args]


def test_cli_ask_json(bundled_index: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*cli("ask", "Who founded DeepSeek?", "--json", index=bundled_index)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) >= CONTRACT_KEYS
    assert_citations_verify(result, bundled_index[0])


def test_cli_ask_human(
    bundled_index: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*cli("ask", "Who founded DeepSeek?", index=bundled_index)]) == 0
    out = capsys.readouterr().out
    assert "Sources:" in out and "[1] 003_0b0806e6b9dc152e.txt" in out


def test_cli_missing_index_exits_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--corpus", "corpus", "--index", str(tmp_path / "none"), "ask", "hi?"])
    err = capsys.readouterr().err
    assert code == 4
    assert "run `assistant reindex`" in err and "Traceback" not in err


def test_cli_forced_ollama_down_exits_with_a_hint(
    bundled_index: tuple[Path, Path], dead_ollama_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, idx = bundled_index
    code = main(
        [
            "--corpus",
            str(corpus),
            "--index",
            str(idx),
            "--llm",
            "ollama",
            "--ollama-host",
            dead_ollama_url,
            "ask",
            "Who founded DeepSeek?",
        ]
    )
    err = capsys.readouterr().err
    assert code == 6 and "not reachable" in err and "--llm extractive" in err


def test_batch_keeps_going_and_keeps_order(
    bundled_index: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"id": "a", "question": "Who founded DeepSeek?", "answerable": true}\n'
        "{not json\n"
        '{"id": "c", "question": ""}\n'
        '{"id": "d", "question": "Which U.S. state banned DeepSeek on government devices?"}\n'
    )
    out = tmp_path / "r.jsonl"
    assert main([*cli("batch", str(questions), "--out", str(out), index=bundled_index)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "line2", "c", "d"]
    assert not rows[0]["abstained"] and "error" not in rows[0]
    assert "line 2" in rows[1]["error"]
    assert "error" in rows[2]
    assert rows[3]["abstained"] is True and rows[3]["citations"] == []
    assert "1 answered, 1 abstained, 2 failed" in capsys.readouterr().out


def test_batch_accepts_plain_text_questions(
    bundled_index: tuple[Path, Path], tmp_path: Path
) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("Who founded DeepSeek?\n\nWhat did Dario Amodei say about DeepSeek?\n")
    out = tmp_path / "r.jsonl"
    assert main([*cli("batch", str(questions), "--out", str(out), index=bundled_index)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["question"] for r in rows] == [
        "Who founded DeepSeek?",
        "What did Dario Amodei say about DeepSeek?",
    ]


def test_extractive_batch_is_deterministic(
    bundled_index: tuple[Path, Path], tmp_path: Path
) -> None:
    gold = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev_questions.jsonl"
    if not gold.exists():
        gold = tmp_path / "q.txt"
        gold.write_text("Who founded DeepSeek?\nWho is Stefan Leichenauer?\n")
    runs = []
    for n in range(2):
        out = tmp_path / f"r{n}.jsonl"
        assert main([*cli("batch", str(gold), "--out", str(out), index=bundled_index)]) == 0
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        for row in rows:
            row.pop("timings_ms", None)
        runs.append(rows)
    assert runs[0] == runs[1]


def test_output_cut_short_by_the_reader_is_not_an_error(bundled_index: tuple[Path, Path]) -> None:
    """`assistant ask … | head -1` ends quietly, with no error line: here the reader has
    gone before the answer is written."""
    import os
    import subprocess
    import sys

    corpus, index = bundled_index
    command = [sys.executable, "-m", "assistant.cli.command", "--corpus", str(corpus), "--index"]
    command += [str(index), "--llm", "extractive", "ask", "Who founded DeepSeek?"]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        child = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write_end)
    err = child.stderr.decode()
    assert child.returncode == 0, err
    assert "error" not in err and "Traceback" not in err
