"""The report directory: `metrics.json` (for compare), `report.md` (for people), `results.jsonl`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.evaluation.files import write_json, write_jsonl
from assistant.evaluation.scoring import QuestionScore, RunScore

SCHEMA = 1
# The rates worth a headline, as (key in "overall", label).
HEADLINE: tuple[tuple[str, str], ...] = (
    ("accuracy", "answer accuracy"),
    ("answerable_accuracy", "answerable accuracy"),
    ("citation_precision", "citation precision"),
    ("quote_validity", "quote validity"),
    ("abstention_accuracy", "abstention accuracy"),
    ("false_abstention_rate", "false abstention rate"),
)
_COUNTS = {
    "accuracy": ("correct", "questions"),
    "answerable_accuracy": ("answerable_correct", "answerable"),
    "false_abstention_rate": ("false_abstentions", "answerable"),
}


def format_rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def format_metric(overall: Mapping[str, Any], key: str) -> str:
    """A rate with its counts where they say more ("9/12 (75.0%)")."""
    rate = format_rate(overall.get(key))
    if key in _COUNTS and overall.get(key) is not None:
        numerator, denominator = _COUNTS[key]
        return f"{overall[numerator]}/{overall[denominator]} ({rate})"
    if key == "quote_validity" and overall.get(key) is not None:
        return f"{overall['quotes']['valid']}/{overall['citations']} ({rate})"
    return rate


def run_backend(results: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The backend stamp of the first line answered by a model, else of the first line that
    has one: with `--llm auto` the run is the model's, and some answers its fallback's."""
    stamps = [dict(r["backend"]) for r in results if isinstance(r.get("backend"), Mapping)]
    return next((s for s in stamps if s.get("llm") != "extractive"), stamps[0] if stamps else None)


def index_version(results: Sequence[Mapping[str, Any]]) -> Any:
    return next(
        (r["index"].get("version") for r in results if isinstance(r.get("index"), Mapping)), None
    )


def metrics_document(
    score: RunScore,
    results: Sequence[Mapping[str, Any]],
    warnings: Sequence[str],
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """Everything compare needs. Only "run" and the timing-bound "latency_ms" vary between runs."""
    return {
        "schema": SCHEMA,
        "backend": run_backend(results),
        "index_version": index_version(results),
        "overall": score.overall(),
        "latency_ms": score.latency_ms(),
        "questions": [q.to_json() for q in score.questions],
        "errors": [{"id": q.gold.id, "error": q.error} for q in score.questions if q.error],
        "warnings": sorted(warnings),
        "run": dict(run),
    }


def write_report(
    out_dir: Path,
    score: RunScore,
    results: Sequence[Mapping[str, Any]],
    document: Mapping[str, Any],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "results.jsonl", results)
    write_json(out_dir / "metrics.json", document)
    (out_dir / "report.md").write_text(render_markdown(score, document), encoding="utf-8")


def render_markdown(score: RunScore, document: Mapping[str, Any]) -> str:
    overall = document["overall"]
    backend = document.get("backend") or {}
    lines = [
        "# Evaluation report",
        "",
        f"- command: `{document['run'].get('command', '')}`",
        f"- backend: {backend.get('llm', '—')} (model {backend.get('model') or '—'}, "
        f"embedder {backend.get('embedder') or '—'})",
        f"- index version: {document.get('index_version')}",
        f"- questions: {overall['questions']} ({overall['answerable']} answerable, "
        f"{overall['unanswerable']} unanswerable); errors {overall['errors']}, "
        f"missing {overall['missing']}",
        "",
        "## Metrics",
        "",
        "```text",
        bar_chart([(label, overall.get(key)) for key, label in HEADLINE]),
        "```",
        "",
        _quotes_line(overall),
        "",
        *_answered_by_lines(overall, backend.get("llm")),
        _latency_table(document["latency_ms"]),
        "",
        "## Questions",
        "",
        "| id | question | verdict | answer | citations |",
        "| --- | --- | --- | --- | --- |",
        *(_question_row(q, backend.get("llm")) for q in score.questions),
    ]
    for title, items in (
        ("Errors", [f"`{e['id']}`: {e['error']}" for e in document["errors"]]),
        ("Warnings", list(document["warnings"])),
    ):
        if items:
            lines += ["", f"## {title}", "", *(f"- {_cell(item)}" for item in items)]
    return "\n".join(lines) + "\n"


def bar_chart(rows: Sequence[tuple[str, float | None]], width: int = 24) -> str:
    """One Unicode bar per rate, e.g. `quote validity  ██████████░░  83.3%`."""
    label_width = max((len(label) for label, _ in rows), default=0)
    lines = []
    for label, value in rows:
        filled = 0 if value is None else round(value * width)
        bar = "█" * filled + "░" * (width - filled)
        lines.append(f"{label:<{label_width}}  {bar}  {format_rate(value):>6}")
    return "\n".join(lines)


def _quotes_line(overall: Mapping[str, Any]) -> str:
    quotes = overall["quotes"]
    return (
        f"Quotes: {overall['citations']} cited — {quotes['valid']} valid, "
        f"{quotes['bad_offsets']} wrong offsets, {quotes['altered']} altered, "
        f"{quotes['misattributed']} misattributed, {quotes['fabricated']} fabricated; "
        f"{overall['dropped_quotes']} dropped by the engine."
    )


def _answered_by_lines(overall: Mapping[str, Any], run_llm: Any) -> list[str]:
    """Who gave the answers: with `--llm auto` some may be the extractive fallback's."""
    answered_by = overall.get("answered_by") or {}
    if not answered_by:
        return []
    counts = ", ".join(f"{llm} {n}" for llm, n in answered_by.items())
    removed = overall.get("sentences_removed", 0)
    fallbacks = " (others fell back)" if run_llm in answered_by and len(answered_by) > 1 else ""
    related = (
        f" {overall['abstentions_with_related']} of {overall['abstentions']} abstention(s) "
        "showed a related passage (not counted as an answer)."
        if overall.get("abstentions")
        else ""
    )
    return [
        f"Answered by: {counts}{fallbacks}; {removed} answer sentence(s) removed by the checks."
        + related,
        "",
    ]


def _latency_table(latency: Mapping[str, Mapping[str, Any]]) -> str:
    rows = ["| stage | p50 ms | p95 ms | n |", "| --- | ---: | ---: | ---: |"]
    for stage, values in latency.items():
        rows.append(
            f"| {stage} | {format_ms(values['p50'])} | {format_ms(values['p95'])} | {values['n']} |"
        )
    return "\n".join(rows)


def format_ms(value: float | None) -> str:
    """Milliseconds: whole above 100, one decimal below (the extractive backend is quick)."""
    if value is None:
        return "—"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _question_row(question: QuestionScore, run_llm: Any = None) -> str:
    verdict = (
        f"{question.verdict}: {'; '.join(question.reasons)}" if question.reasons else "correct"
    )
    answer = question.answer if question.error is None else ""
    if answer and question.answered_by and run_llm and question.answered_by != run_llm:
        answer = f"({question.answered_by}) {answer}"
    citations = "<br>".join(
        f"[{c.n}] `{c.file}` {c.start}–{c.end} {c.status}{'' if c.in_gold else ' (not gold)'}: "
        f"“{_shorten(c.quote)}”"
        for c in question.citations
    )
    cells = [question.gold.id, question.gold.question, verdict, answer, citations]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def _shorten(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")
