"""Sentence-aware chunks with overlap, built on the cleaned spans of a file (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from assistant.index.cleaning import CLEANER_VERSION, clean_spans, split_lines
from assistant.text.sentences import join_wrapped, split_sentences
from assistant.types import Chunk


@dataclass(frozen=True)
class ChunkingParams:
    chunk_size: int = 700
    chunk_overlap: int = 150

    def key(self) -> str:
        return f"c{self.chunk_size}-o{self.chunk_overlap}-clean{CLEANER_VERSION}"

    def to_json(self) -> dict[str, int]:
        return {
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
            "cleaner_version": CLEANER_VERSION,
        }


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    line: int


def sentence_spans(text: str, max_chars: int, clean: bool = True) -> list[Sentence]:
    """Sentences of the article text of a file, long ones cut at white space to max_chars;
    `clean`: the text is a file's own layout, whose page chrome is dropped and whose
    hard-wrapped lines are joined; else a reader's, one block to a line, every line kept."""
    sentences: list[Sentence] = []
    if clean:
        lines = join_wrapped(text, clean_spans(text))
    else:
        lines = [(line.start, line.end) for line in split_lines(text)]
    for line_no, (start, end) in enumerate(lines):
        for s, e in split_sentences(text, start, end):
            sentences.extend(Sentence(a, b, line_no) for a, b in _cut(text, s, e, max_chars))
    return sentences


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def chunk_text(
    name: str, text: str, file_sha256: str, params: ChunkingParams, clean: bool = True
) -> list[Chunk]:
    """Chunks of one file. Each chunk's text is its sentences joined; offsets are the file's.
    `clean`: the text is the file's own layout, not a reader's (`readers.has_chrome`)."""
    sentences = sentence_spans(text, params.chunk_size, clean)
    groups = _group(sentences, params, text)
    return [_make_chunk(name, text, file_sha256, params, i, g) for i, g in enumerate(groups)]


def _group(sentences: list[Sentence], params: ChunkingParams, text: str) -> list[list[Sentence]]:
    """Sentences grouped into chunks of about `chunk_size` characters. A line that ends with a
    colon keeps the line it announces in its chunk ("… you can use:" / "cargo doc --open"),
    as long as the chunk stays within half as much again."""
    groups: list[list[Sentence]] = []
    current: list[Sentence] = []
    size = 0
    for sentence in sentences:
        length = sentence.end - sentence.start
        if (
            current
            and size + length > params.chunk_size
            and not _announced(
                text, current[-1], sentence, size + length <= params.chunk_size * 3 // 2
            )
        ):
            groups.append(current)
            current = _overlap_tail(current, params.chunk_overlap)
            size = sum(s.end - s.start for s in current)
        current.append(sentence)
        size += length + 1
    if current and (not groups or current[-1] is not groups[-1][-1]):
        groups.append(current)
    return groups


def _announced(text: str, last: Sentence, sentence: Sentence, room: bool) -> bool:
    """`sentence` opens the line that `last` announces by ending its own with a colon, and
    the chunk has `room` for it."""
    return (
        room and sentence.line != last.line and text[last.start : last.end].rstrip().endswith(":")
    )


def _overlap_tail(group: list[Sentence], overlap: int) -> list[Sentence]:
    tail: list[Sentence] = []
    size = 0
    for sentence in reversed(group[1:]):
        size += sentence.end - sentence.start
        if size > overlap:
            break
        tail.insert(0, sentence)
    return tail


def _make_chunk(
    name: str, text: str, sha: str, params: ChunkingParams, ordinal: int, group: list[Sentence]
) -> Chunk:
    # Sentences of different lines are joined by a blank line: removed page chrome may have
    # stood between them, so nothing may quote across it (a hard wrap is a single newline).
    # Sentences of one line by a space, or by nothing where the file has nothing between
    # them (Chinese and Japanese: "…です。LangChainの…"), so a quote of both stays verbatim.
    parts: list[str] = []
    for index, sentence in enumerate(group):
        if index:
            before = group[index - 1]
            abut = before.end == sentence.start
            parts.append("\n\n" if sentence.line != before.line else "" if abut else " ")
        parts.append(text[sentence.start : sentence.end])
    body = "".join(parts)
    # Its words are part of its id: a vector is reused only for the text it was computed
    # from, so an unchanged file that a new reader or cleaner reads another way gets new
    # chunks, embedded anew (same bytes and settings are not enough).
    identity = f"{name}\0{sha}\0{params.key()}\0{ordinal}\0{body}".encode()
    return Chunk(
        chunk_id=hashlib.sha256(identity).hexdigest()[:32],
        file=name,
        file_sha256=sha,
        start=group[0].start,
        end=group[-1].end,
        text=body,
        ordinal=ordinal,
    )


_NAME_NOISE = re.compile(r"^(?:\d+|[0-9a-f]{8,})$", re.IGNORECASE)
TITLE_MAX_CHARS = 100


def document_title(name: str, first_line: str = "") -> str:
    """What a question naming the document would say: its file name without folders,
    extensions, separators, numbers and hex ids ("gzip_README.txt" → "gzip README"), and its
    first line when that is short enough to be a heading or title ("# Chunking notes")."""
    stem = name.rsplit("/", 1)[-1].split(".", 1)[0]
    words = [w for w in re.split(r"[\s_\-.]+", stem) if w and not _NAME_NOISE.match(w)]
    heading = first_line.strip().lstrip("#=*- ").strip()
    if heading and len(heading) <= TITLE_MAX_CHARS:
        words.append(heading)
    return " ".join(words)
