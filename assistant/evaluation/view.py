"""The terminal view of an eval run and of a comparison. The only module here that imports Rich."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
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
    console.print(_questions_table(score))
    console.print(_overall_table(document))
    for error in document["errors"]:
        console.print(f"[bold red]error[/] {escape(error['id'])}: {escape(error['error'])}")
    for warning in document["warnings"]:
        console.print(f"[yellow]warning[/] {escape(warning)}")
    console.print(f"report: {escape(str(out_dir / 'report.md'))}", soft_wrap=True)


def _questions_table(score: RunScore) -> Table:
    table = Table(title="Questions")
    for column in ("id", "verdict", "why", "citations", "quotes"):
        table.add_column(column)
    for q in score.questions:
        quotes = ", ".join(f"{n} {status}" for status, n in q.quote_counts().items() if n)
        table.add_row(
            escape(q.gold.id),
            f"[{_VERDICT_STYLE[q.verdict]}]{q.verdict}[/]",
            escape("; ".join(q.reasons)) or "—",
            str(len(q.citations)),
            quotes or "—",
        )
    return table


def _overall_table(document: Mapping[str, Any]) -> Table:
    overall = document["overall"]
    table = Table(title="Overall")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in HEADLINE:
        table.add_row(label, format_metric(overall, key))
    quotes = overall["quotes"]
    table.add_row(
        "misattributed / fabricated quotes", f"{quotes['misattributed']} / {quotes['fabricated']}"
    )
    table.add_row("errors / missing", f"{overall['errors']} / {overall['missing']}")
    for stage, values in document["latency_ms"].items():
        table.add_row(
            f"{stage} p50 / p95", f"{format_ms(values['p50'])} / {format_ms(values['p95'])} ms"
        )
    return table


def show_comparison(comparison: Comparison, old: Path, new: Path, console: Console) -> None:
    changed = [q for q in comparison.questions if q.change != "unchanged"]
    if changed:
        table = Table(title=escape(f"Questions: {old} → {new}"))
        for column in ("id", "old", "new", "change"):
            table.add_column(column)
        for q in changed:
            style = _CHANGE_STYLE[q.change]
            table.add_row(escape(q.id), q.old or "—", q.new or "—", f"[{style}]{q.change}[/]")
        console.print(table)
    console.print(
        ", ".join(
            f"{comparison.count(change)} {change}"
            for change in ("better", "worse", "unchanged", "added", "removed")
        )
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
    style = {True: "green", False: "red", None: "dim"}[delta.improved]
    return f"[{style}]{delta.delta:+g}[/]"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
