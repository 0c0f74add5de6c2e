"""The pure scorer: each metric's edge cases on hand-made result lines."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.evaluation.scoring import (
    Corpus,
    GoldQuestion,
    check_quote,
    latency_summary,
    percentile,
    score_question,
    score_run,
    summarise,
)

A_TEXT = "DeepSeek was founded by Liang Wenfeng.\nIts   models use a mixture of experts."
B_TEXT = "Export controls on chips stayed intact under the new administration."
CORPUS = Corpus.of({"a.txt": A_TEXT, "b.txt": B_TEXT})


def gold(qid: str = "q1", answerable: bool = True, **fields: Any) -> GoldQuestion:
    record = {
        "id": qid,
        "question": f"question {qid}?",
        "answerable": answerable,
        "gold_files": ["a.txt"] if answerable else [],
        "must_include": ["Liang Wenfeng"] if answerable else [],
    }
    return GoldQuestion.from_json({**record, **fields})


def cite(file: str, quote: str, start: int | None = None, n: int = 1) -> dict[str, Any]:
    text = CORPUS.texts.get(file, "")
    begin = text.find(quote) if start is None else start
    return {"n": n, "file": file, "quote": quote, "start": begin, "end": begin + len(quote)}


def result(qid: str = "q1", answer: str = "", citations: Any = (), **fields: Any) -> dict[str, Any]:
    line = {
        "id": qid,
        "question": f"question {qid}?",
        "answer": answer,
        "abstained": False,
        "citations": list(citations),
        "timings_ms": {"retrieve": 10.0, "generate": 20.0, "total": 30.0},
    }
    return {**line, **fields}


FOUNDER = cite("a.txt", "DeepSeek was founded by Liang Wenfeng.")


def test_correct_answer_needs_patterns_gold_citation_and_no_abstention() -> None:
    score = score_question(
        gold(), result(answer="It was liang WENFENG [1].", citations=[FOUNDER]), CORPUS
    )
    assert score.verdict == "correct"
    assert score.reasons == ()


def test_must_include_alternation_matches_either_side_case_insensitively() -> None:
    question = gold(must_include=["mix(ed|ture)[- ]?(of[- ])?expert|MoE", "liang"])
    for answer in (
        "A Mixture of Experts, by LIANG",
        "an moe design by Liang",
        "MIXED-EXPERT; liang",
    ):
        assert score_question(question, result(answer=answer, citations=[FOUNDER]), CORPUS).correct
    missing = score_question(
        question, result(answer="dense model by Liang", citations=[FOUNDER]), CORPUS
    )
    assert missing.verdict == "wrong"
    assert missing.reasons == ("missing /mix(ed|ture)[- ]?(of[- ])?expert|MoE/",)


def test_answer_without_a_gold_file_cited_is_wrong() -> None:
    other = cite("b.txt", "Export controls on chips stayed intact")
    score = score_question(gold(), result(answer="Liang Wenfeng [1]", citations=[other]), CORPUS)
    assert score.verdict == "wrong"
    assert score.reasons == ("no gold file cited",)
    assert score.citation_precision() == 0.0


def test_abstaining_on_an_answerable_question_is_a_false_abstention() -> None:
    score = score_question(
        gold(), result(answer="Liang Wenfeng", citations=[FOUNDER], abstained=True), CORPUS
    )
    assert score.verdict == "wrong"
    assert score.false_abstention
    assert score.reasons[0] == "abstained (false abstention)"
    overall = summarise([score])
    assert overall["false_abstentions"] == 1
    assert overall["false_abstention_rate"] == 1.0


def test_unanswerable_is_right_only_as_an_abstention_without_citations() -> None:
    question = gold("u1", answerable=False)
    right = score_question(
        question, result("u1", answer="Not in the documents.", abstained=True), CORPUS
    )
    cited = score_question(question, result("u1", abstained=True, citations=[FOUNDER]), CORPUS)
    answered = score_question(question, result("u1", answer="Texas."), CORPUS)
    assert right.verdict == "correct"
    assert cited.verdict == "wrong"
    assert cited.reasons == ("1 citation(s) on an unanswerable question",)
    assert answered.reasons == ("answered an unanswerable question",)
    assert not cited.false_abstention
    overall = summarise([right, cited, answered])
    assert overall["abstention_accuracy"] == pytest.approx(1 / 3, abs=1e-4)
    assert overall["citation_precision"] is None  # only answerable questions count


def test_citation_precision_is_the_share_of_citations_in_gold_files() -> None:
    other = cite("b.txt", "stayed intact", n=2)
    score = score_question(
        gold(), result(answer="Liang Wenfeng", citations=[FOUNDER, other]), CORPUS
    )
    assert score.citation_precision() == 0.5
    assert score.correct  # one gold file cited is enough
    assert summarise([score])["citation_precision"] == 0.5


@pytest.mark.parametrize(
    ("citation", "status", "found_in"),
    [
        (FOUNDER, "valid", ()),
        (cite("a.txt", "Liang Wenfeng", start=0), "bad_offsets", ()),
        ({"n": 1, "file": "a.txt", "quote": "Liang", "start": "24", "end": 29}, "bad_offsets", ()),
        (cite("b.txt", "founded by Liang", start=3), "misattributed", ("a.txt",)),
        (cite("gone.txt", "stayed intact", start=0), "misattributed", ("b.txt",)),
        (cite("a.txt", "Its models use a mixture", start=39), "altered", ()),
        (cite("a.txt", "founded by Elon Musk", start=0), "fabricated", ()),
        (cite("a.txt", "   ", start=0), "fabricated", ()),
    ],
)
def test_quote_checks(citation: dict[str, Any], status: str, found_in: tuple[str, ...]) -> None:
    assert check_quote(citation, CORPUS) == (status, found_in)


def test_quote_counts_and_validity_over_all_citations() -> None:
    fabricated = cite("a.txt", "never written anywhere", start=0, n=2)
    misattributed = cite("b.txt", "founded by Liang", start=0, n=3)
    score = score_question(
        gold(),
        result(answer="Liang Wenfeng", citations=[FOUNDER, fabricated, misattributed]),
        CORPUS,
    )
    overall = summarise([score])
    assert overall["quotes"] == {
        "valid": 1,
        "bad_offsets": 0,
        "altered": 0,
        "misattributed": 1,
        "fabricated": 1,
    }
    assert overall["quote_validity"] == pytest.approx(1 / 3, abs=1e-4)


def test_error_lines_count_as_wrong_and_are_listed() -> None:
    run = score_run(
        [gold("q1"), gold("q2")],
        [
            result("q1", answer="Liang Wenfeng", citations=[FOUNDER]),
            {"id": "q2", "question": "?", "error": "Ollama timed out"},
        ],
        CORPUS,
    )
    errored = run.questions[1]
    assert (errored.verdict, errored.error, errored.correct) == ("error", "Ollama timed out", False)
    assert not errored.false_abstention
    overall = run.overall()
    assert (overall["correct"], overall["errors"], overall["accuracy"]) == (1, 1, 0.5)
    assert run.latency_ms()["total"]["n"] == 1  # the error line has no timings


def test_empty_results_leave_every_question_missing() -> None:
    run = score_run([gold("q1"), gold("u1", answerable=False)], [], CORPUS)
    assert [q.verdict for q in run.questions] == ["missing", "missing"]
    overall = run.overall()
    assert (overall["correct"], overall["missing"], overall["accuracy"]) == (0, 2, 0.0)
    assert overall["quote_validity"] is None
    assert overall["abstention_accuracy"] == 0.0
    assert run.latency_ms()["total"] == {"p50": None, "p95": None, "n": 0}


def test_results_match_by_id_or_question_and_unknown_ids_are_reported() -> None:
    by_question = result("ignored", answer="Liang Wenfeng", citations=[FOUNDER])
    by_question.pop("id")
    by_question["question"] = "question q2?"
    run = score_run([gold("q2"), gold("q1")], [by_question, result("zz")], CORPUS)
    assert [q.gold.id for q in run.questions] == ["q1", "q2"]  # sorted by id
    assert [q.verdict for q in run.questions] == ["missing", "correct"]
    assert run.unmatched_results == ("zz",)


def test_latency_percentiles() -> None:
    assert percentile([42.0], 50) == 42.0
    assert percentile([42.0], 95) == 42.0
    assert percentile([], 50) is None
    assert percentile([10.0, 20.0, 30.0, 40.0], 50) == 25.0
    assert percentile(list(map(float, range(1, 101))), 95) == pytest.approx(95.05, abs=0.1)
    summary = latency_summary([{"retrieve": 5, "generate": 7.5, "total": 12.5}])
    assert summary["generate"] == {"p50": 7.5, "p95": 7.5, "n": 1}


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"question": "?"}, "'id'"),
        ({"id": "x", "question": "?", "answerable": "yes"}, "'answerable'"),
        ({"id": "x", "question": "?", "gold_files": "a.txt"}, "'gold_files'"),
        ({"id": "x", "question": "?", "must_include": ["(unclosed"]}, "not a regex"),
    ],
)
def test_bad_gold_records_say_which_field(record: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GoldQuestion.from_json(record)
