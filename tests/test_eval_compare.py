"""Comparing two eval runs: verdict changes per question and metric deltas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import InputError
from assistant.evaluation.compare import compare, flat_numbers, load_metrics


def document(verdicts: dict[str, str], **overall: Any) -> dict[str, Any]:
    return {
        "overall": {"questions": len(verdicts), "quotes": {"valid": 3, "fabricated": 0}, **overall},
        "latency_ms": {"total": {"p50": 100.0, "p95": 200.0, "n": len(verdicts)}},
        "questions": [{"id": qid, "verdict": verdict} for qid, verdict in verdicts.items()],
    }


OLD = document(
    {"q1": "wrong", "q2": "correct", "q3": "correct", "q5": "wrong", "q6": "error"},
    accuracy=0.4,
    false_abstention_rate=0.0,
    citation_precision=None,
)
NEW = document(
    {"q1": "correct", "q2": "error", "q3": "correct", "q4": "correct", "q6": "wrong"},
    accuracy=0.6,
    false_abstention_rate=0.25,
    citation_precision=0.9,
)
NEW["overall"]["quotes"]["fabricated"] = 2
NEW["latency_ms"]["total"]["p50"] = 150.0


def test_questions_are_better_worse_unchanged_added_or_removed() -> None:
    changes = {q.id: (q.old, q.new, q.change) for q in compare(OLD, NEW).questions}
    assert changes == {
        "q1": ("wrong", "correct", "better"),
        "q2": ("correct", "error", "worse"),
        "q3": ("correct", "correct", "unchanged"),
        "q4": (None, "correct", "added"),
        "q5": ("wrong", None, "removed"),
        "q6": ("error", "wrong", "better"),
    }
    comparison = compare(OLD, NEW)
    assert [comparison.count(c) for c in ("better", "worse", "unchanged")] == [2, 1, 1]


def test_metric_deltas_and_whether_they_are_good_news() -> None:
    deltas = {d.key: d for d in compare(OLD, NEW).metrics}
    assert deltas["accuracy"].delta == pytest.approx(0.2)
    assert deltas["accuracy"].improved is True
    assert deltas["false_abstention_rate"].improved is False
    assert deltas["quotes.fabricated"].delta == 2
    assert deltas["quotes.fabricated"].improved is False
    assert deltas["latency.total.p50"].delta == 50.0
    assert deltas["latency.total.p50"].improved is False
    assert deltas["questions"].delta == 0
    assert deltas["questions"].improved is None
    assert deltas["citation_precision"].delta is None  # nothing to compare against


def test_comparing_a_run_with_itself_changes_nothing() -> None:
    comparison = compare(NEW, NEW)
    assert {q.change for q in comparison.questions} == {"unchanged"}
    assert all(not d.delta for d in comparison.metrics)


def test_flat_numbers_use_dotted_keys() -> None:
    assert flat_numbers(OLD)["quotes.valid"] == 3
    assert flat_numbers(OLD)["latency.total.p95"] == 200.0


def test_load_metrics_takes_a_folder_or_the_file(tmp_path: Path) -> None:
    (tmp_path / "metrics.json").write_text(json.dumps(OLD))
    assert load_metrics(tmp_path) == load_metrics(tmp_path / "metrics.json") == OLD
    with pytest.raises(InputError, match="no metrics"):
        load_metrics(tmp_path / "nowhere")
    (tmp_path / "bad.json").write_text(json.dumps({"something": 1}))
    with pytest.raises(InputError, match="not an eval metrics file"):
        load_metrics(tmp_path / "bad.json")
