"""The pure core's data: chunks, retrieved passages, citations, answers and answer events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Answerer = Literal["ollama", "openai", "extractive"]  # what writes an answer; settings add "auto"


@dataclass(frozen=True)
class Chunk:
    """A piece of one corpus file. `text` is `file_text[start:end]` with removed chrome elided."""

    chunk_id: str
    file: str
    file_sha256: str
    start: int
    end: int
    text: str
    ordinal: int


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and the near-duplicate chunks that corroborate it."""

    chunk: Chunk
    score: float
    corroborating: tuple[Chunk, ...] = ()


@dataclass(frozen=True)
class Citation:
    """A verified quote: `file_text[start:end] == quote` for the file as it is on disk now."""

    n: int
    file: str
    quote: str
    start: int
    end: int
    corroborating: tuple[str, ...] = ()
    match: str = "exact"  # how the backend's quote was found: exact, aligned or attributed
    page: int | None = None  # 1-based page of `start`, for a paged document (PDF)
    title: str = ""  # the document's title, where it has one (PDF, web page, Word, Markdown)
    section: str = ""  # the heading of the section holding the quote, where one is known

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "n": self.n,
            "file": self.file,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "corroborating": list(self.corroborating),
            "match": self.match,
        }
        if self.page is not None:
            data["page"] = self.page
        if self.title:
            data["title"] = self.title
        if self.section:
            data["section"] = self.section
        return data

    def where(self) -> str:
        """ "report.pdf p. 12", or just the file name."""
        return f"{self.file} p. {self.page}" if self.page is not None else self.file


@dataclass(frozen=True)
class Found:
    """A retrieved passage as `search` gives it: `where.quote` is the file's text at
    `where.start:where.end`, with the page, title and headings a citation has."""

    rank: int
    score: float
    where: Citation

    def to_json(self) -> dict[str, Any]:
        data = self.where.to_json()
        for key in ("n", "corroborating", "match"):
            data.pop(key, None)
        data["text"] = data.pop("quote")
        return {"rank": self.rank, "score": self.score, **data}


@dataclass(frozen=True)
class Backend:
    """Which answerer ran, with which model, and why that one was chosen."""

    llm: Answerer
    model: str | None
    embedder: str
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "llm": self.llm,
            "model": self.model,
            "embedder": self.embedder,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Answer:
    """A finished answer: Markdown whose `[n]` markers all name an entry of `citations`."""

    question: str
    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    backend: Backend
    index: dict[str, Any]
    timings_ms: dict[str, float]
    dropped_quotes: int = 0
    warnings: tuple[str, ...] = ()
    id: str | None = None
    unsupported_sentences: tuple[str, ...] = ()
    removed_why: tuple[str, ...] = ()  # for each removed sentence, what its quotes lack
    # When it abstains: what the documents say nearest to the question (`answer.related`), a
    # citation kind of its own that is not an answer, and the line saying so.
    related: tuple[Citation, ...] = ()
    related_note: str = ""
    # The terms that removed sentences said and their quotes did not (`terms.tokens` forms):
    # what a fallback answer must hold when the question says them. Not in the JSON.
    unbacked: tuple[str, ...] = ()

    def removed(self) -> list[tuple[str, str]]:
        """Each sentence verification removed, with why ("" when not recorded)."""
        why = (*self.removed_why, *[""] * len(self.unsupported_sentences))
        return list(zip(self.unsupported_sentences, why, strict=False))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "backend": self.backend.to_json(),
            "index": self.index,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "dropped_quotes": self.dropped_quotes,
            "unsupported_sentences": len(self.unsupported_sentences),
            "removed_sentences": list(self.unsupported_sentences),
            "removed_why": list(self.removed_why),
            "warnings": list(self.warnings),
            "related": [c.to_json() for c in self.related],
            "related_note": self.related_note,
        }


@dataclass(frozen=True)
class TextDelta:
    """A piece of answer text as the backend produces it (before verification)."""

    text: str
    kind: Literal["text_delta"] = "text_delta"


@dataclass(frozen=True)
class Status:
    """A progress note for the user: which backend runs and why, retrieval done, fallbacks."""

    message: str
    kind: Literal["status"] = "status"


@dataclass(frozen=True)
class Done:
    """The verified answer; replaces whatever text was streamed before it."""

    answer: Answer
    kind: Literal["done"] = "done"


AnswerEvent = TextDelta | Status | Done


@dataclass(frozen=True)
class Turn:
    """One finished exchange of a conversation, used to resolve follow-up questions."""

    question: str
    answer: Answer


@dataclass
class ReindexSummary:
    """What a reindex did, for the one-line summary."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # indexed, parts unread
    chunks_total: int = 0
    chunks_embedded: int = 0
    seconds: float = 0.0
    embedder: str = ""  # the model that embeds this index's chunks

    def line(self) -> str:
        by = f" by {self.embedder}" if self.embedder else ""
        return (
            f"reindex: {len(self.added)} added, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.unchanged)} unchanged, "
            f"{len(self.skipped)} skipped; {self.chunks_total} chunks "
            f"({self.chunks_embedded} embedded{by}) in {self.seconds:.1f} s"
        )
