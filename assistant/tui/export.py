"""A conversation as Markdown: each question, its verified answer, and every citation's quote.

Pure functions; the app only chooses the path and writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from assistant.types import Answer, Citation, Turn


def quote_block(text: str) -> str:
    """The text as a Markdown block quote, line by line."""
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines() or [""])


def citation_markdown(citation: Citation) -> str:
    lines = [
        f"{citation.n}. `{citation.file}`{f' p. {citation.page}' if citation.page else ''} "
        f"(characters {citation.start}–{citation.end})",
        "",
        *(f"   {line}" for line in quote_block(citation.quote).splitlines()),
    ]
    if citation.corroborating:
        also = ", ".join(f"`{name}`" for name in citation.corroborating)
        lines += ["", f"   Also in: {also}"]
    return "\n".join(lines)


def backend_line(answer: Answer) -> str:
    backend = answer.backend
    name = backend.llm + (f" ({backend.model})" if backend.model else "")
    return f"*Answered by {name}" + (f" — {backend.reason}*" if backend.reason else "*")


def answer_markdown(answer: Answer) -> str:
    """The answer text and its sources, as they would be pasted into notes."""
    if answer.abstained:
        parts = [f"> **Not answered from the corpus.** {answer.answer}"]
    else:
        parts = [answer.answer.strip()]
    if answer.citations:
        parts += ["**Sources**", "\n\n".join(citation_markdown(c) for c in answer.citations)]
    if answer.related:
        parts += [
            f"**Related, not an answer.** {answer.related_note}",
            "\n\n".join(citation_markdown(c) for c in answer.related),
        ]
    parts.append(backend_line(answer))
    return "\n\n".join(parts)


def turn_markdown(number: int, turn: Turn) -> str:
    return f"## {number}. {turn.question}\n\n{answer_markdown(turn.answer)}"


def conversation_markdown(
    turns: Sequence[Turn], title: str = "Conversation", corpus: str = ""
) -> str:
    header = [f"# {title}"]
    if corpus:
        header.append(f"Corpus: `{corpus}`")
    body = [turn_markdown(i, turn) for i, turn in enumerate(turns, 1)]
    return "\n\n".join([*header, *body]) + "\n"


def default_export_path(directory: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return directory / f"conversation-{stamp}.md"


def write_export(
    turns: Sequence[Turn], path: Path, title: str = "Conversation", corpus: str = ""
) -> Path:
    """Write the Markdown; a folder as `path` gets a dated file name inside it."""
    path = path.expanduser()
    if path.is_dir():
        path = default_export_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(conversation_markdown(turns, title, corpus), encoding="utf-8")
    return path.resolve()
