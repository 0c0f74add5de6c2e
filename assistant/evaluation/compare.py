"""Compare two eval runs by their `metrics.json`: per-question verdict changes and metric deltas."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.errors import InputError

Change = Literal["better", "worse", "unchanged", "added", "removed"]
_VERDICT_RANK = {"missing": 0, "error": 0, "wrong": 1, "correct": 2}
# Metrics where a rise is bad news; counts of questions/citations are neither good nor bad.
_LOWER_IS_BETTER = (
    "false_abstention",
    "errors",
    "missing",
    "quotes.bad_offsets",
    "quotes.altered",
    "quotes.misattributed",
    "quotes.fabricated",
    "dropped_quotes",
    "latency.",
)
_NEUTRAL = ("questions", "answerable", "unanswerable", "citations", "quotes.valid")
_NEUTRAL_PREFIXES = ("answered_by.", "sentences_removed")  # who answered; what checks removed


@dataclass(frozen=True)
class QuestionChange:
    id: str
    old: str | None
    new: str | None
    change: Change


@dataclass(frozen=True)
class MetricDelta:
    key: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return round(self.new - self.old, 4)

    @property
    def improved(self) -> bool | None:
        """True if the change is good news, False if bad, None if no change or neither."""
        if not self.delta or self.key in _NEUTRAL or self.key.startswith(_NEUTRAL_PREFIXES):
            return None
        lower_is_better = any(self.key.startswith(prefix) for prefix in _LOWER_IS_BETTER)
        return (self.delta < 0) == lower_is_better


@dataclass(frozen=True)
class Comparison:
    questions: tuple[QuestionChange, ...]
    metrics: tuple[MetricDelta, ...]

    def count(self, change: Change) -> int:
        return sum(q.change == change for q in self.questions)


def load_metrics(run_dir: Path) -> dict[str, Any]:
    """A run's metrics.json, given its directory (or the file itself)."""
    path = run_dir / "metrics.json" if run_dir.is_dir() else run_dir
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(
            f"no metrics.json at {path}", "give folders written by `assistant eval`"
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("overall"), dict):
        raise InputError(f"{path} is not an eval metrics file (no 'overall' block)")
    return document


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    old_verdicts = _verdicts(old)
    new_verdicts = _verdicts(new)
    changes = tuple(
        QuestionChange(
            qid,
            old_verdicts.get(qid),
            new_verdicts.get(qid),
            _change(old_verdicts.get(qid), new_verdicts.get(qid)),
        )
        for qid in sorted(old_verdicts.keys() | new_verdicts.keys())
    )
    old_numbers, new_numbers = flat_numbers(old), flat_numbers(new)
    keys = list(dict.fromkeys([*old_numbers, *new_numbers]))
    deltas = tuple(MetricDelta(key, old_numbers.get(key), new_numbers.get(key)) for key in keys)
    return Comparison(changes, deltas)


def _verdicts(document: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(q["id"]): str(q.get("verdict"))
        for q in document.get("questions", [])
        if isinstance(q, Mapping) and "id" in q
    }


def _change(old: str | None, new: str | None) -> Change:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    old_rank, new_rank = _VERDICT_RANK.get(old, 0), _VERDICT_RANK.get(new, 0)
    if new_rank == old_rank:
        return "unchanged"
    return "better" if new_rank > old_rank else "worse"


def flat_numbers(document: Mapping[str, Any]) -> dict[str, float | None]:
    """The overall metrics and latencies as dotted keys: `quotes.valid`, `latency.total.p95`."""
    numbers: dict[str, float | None] = {}
    _flatten(document.get("overall", {}), "", numbers)
    _flatten(document.get("latency_ms", {}), "latency.", numbers)
    return numbers


def _flatten(block: Any, prefix: str, into: dict[str, float | None]) -> None:
    if not isinstance(block, Mapping):
        return
    for key, value in block.items():
        if isinstance(value, Mapping):
            _flatten(value, f"{prefix}{key}.", into)
        elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            into[f"{prefix}{key}"] = value
