"""The terminal view of an eval run and of a comparison. The only module here that imports Rich."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.evaluation.compare import Comparison, MetricDelta
from assistant.evaluation.report import HEADLINE, format_metric, format_ms
from assistant.evaluation.scoring import RunScore

_VERDICT_STYLE = {"correct": "green", "wrong": "red", "error": "bold red", "missing": "yellow"}
_CHANGE_STYLE = {
    "better": "green",
    "worse": "red",
    "unchanged": "dim",
    "added": "cyan",
    "removed": "yellow",
}


def show_run(score: RunScore, document: Mapping[str, Any], out_dir: Path, console: Console) -> None:
    questions = Table(title="Questions")
    for column in ("id", "verdict", "why", "citations", "quotes"):
        questions.add_column(column)
    for q in score.questions:
        counts = q.quote_counts()
        quotes = ", ".join(f"{n} {status}" for status, n in counts.items() if n) or "—"
        style = _VERDICT_STYLE[q.verdict]
        questions.add_row(
            q.gold.id,
            f"[{style}]{q.verdict}[/]",
            "; ".join(q.reasons) or "—",
            str(len(q.citations)),
            quotes,
        )
    console.print(questions)

    overall = document["overall"]
    metrics = Table(title="Overall")
    metrics.add_column("metric")
    metrics.add_column("value", justify="right")
    for key, label in HEADLINE:
        metrics.add_row(label, format_metric(overall, key))
    quotes = overall["quotes"]
    metrics.add_row(
        "misattributed / fabricated quotes", f"{quotes['misattributed']} / {quotes['fabricated']}"
    )
    metrics.add_row("errors / missing", f"{overall['errors']} / {overall['missing']}")
    for stage, values in document["latency_ms"].items():
        metrics.add_row(
            f"{stage} p50 / p95", f"{format_ms(values['p50'])} / {format_ms(values['p95'])} ms"
        )
    console.print(metrics)

    for error in document["errors"]:
        console.print(f"[bold red]error[/] {error['id']}: {error['error']}", markup=True)
    for warning in document["warnings"]:
        console.print(f"[yellow]warning[/] {warning}")
    console.print(f"report: {out_dir / 'report.md'}", soft_wrap=True)


def show_comparison(comparison: Comparison, old: Path, new: Path, console: Console) -> None:
    changed = [q for q in comparison.questions if q.change != "unchanged"]
    questions = Table(title=f"Questions: {old} → {new}")
    for column in ("id", "old", "new", "change"):
        questions.add_column(column)
    for q in changed:
        style = _CHANGE_STYLE[q.change]
        questions.add_row(q.id, q.old or "—", q.new or "—", f"[{style}]{q.change}[/]")
    if changed:
        console.print(questions)
    console.print(
        f"{comparison.count('better')} better, {comparison.count('worse')} worse, "
        f"{comparison.count('unchanged')} unchanged, {comparison.count('added')} added, "
        f"{comparison.count('removed')} removed"
    )

    metrics = Table(title="Metrics")
    for column in ("metric", "old", "new", "delta"):
        metrics.add_column(column, justify="left" if column == "metric" else "right")
    for delta in comparison.metrics:
        metrics.add_row(delta.key, _number(delta.old), _number(delta.new), _delta(delta))
    console.print(metrics)


def _delta(delta: MetricDelta) -> str:
    if delta.delta is None:
        return "—"
    text = f"{delta.delta:+g}"
    style = {True: "green", False: "red", None: "dim"}[delta.improved]
    return f"[{style}]{text}[/]"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
