"""Keep a README's eval table produced by the command: rewrite the block between two markers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.report import HEADLINE, format_metric

START = "<!-- eval:start -->"
END = "<!-- eval:end -->"


def snippet(document: Mapping[str, Any]) -> str:
    """A short Markdown table of the overall metrics and the command that produced it."""
    overall = document["overall"]
    backend = document.get("backend") or {}
    model = f", model {backend['model']}" if backend.get("model") else ""
    rows = [f"| {label} | {format_metric(overall, key)} |" for key, label in HEADLINE]
    return "\n".join(
        [
            "| metric | value |",
            "| --- | --- |",
            *rows,
            "",
            f"Produced by `{document['run'].get('command', 'assistant eval')}` "
            f"(backend {backend.get('llm', 'unknown')}{model}; {overall['questions']} questions).",
        ]
    )


def replace_block(text: str, body: str, start_mark: str = START, end_mark: str = END) -> str:
    """`text` with everything between the markers replaced by `body`; ValueError if no block."""
    start = text.find(start_mark)
    end = text.find(end_mark, start + len(start_mark)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise ValueError(f"no {start_mark} … {end_mark} block")
    return text[: start + len(start_mark)] + "\n" + body.strip("\n") + "\n" + text[end:]


def check_readme(path: Path) -> None:
    """Fail early (before a long batch) if the README cannot take the table."""
    _updated(path, "")


def rewrite_readme(path: Path, document: Mapping[str, Any]) -> None:
    text, updated = _updated(path, snippet(document))
    if updated != text:
        path.write_text(updated, encoding="utf-8")


def _updated(path: Path, body: str) -> tuple[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read README {path}: {exc}", "check --readme") from exc
    try:
        return text, replace_block(text, body)
    except ValueError as exc:
        raise InputError(
            f"{path} has {exc}", f"add a line {START} and a line {END} where the table should go"
        ) from exc
