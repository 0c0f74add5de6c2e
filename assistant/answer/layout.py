"""How a chunk's lines hang together, as a reader sees them (pure, any language).

A sentence that ends its line with a colon announces what follows: a list of short lines, a
table, a command ("It should be sufficient to cache the following directories:" then
`registry/index/`, `git/db/`). A table row reads with its header row and the line that
announces the table ("The default profile if none is specified is:" / "Command | Default
Profile" / "cargo install | release profile"). A short line without sentence punctuation is a
label, and a command or value on the line after it reads under it ("1. Automatic installer
(Recommended)" / "curl -fsSL https://pyenv.run | bash").

Lines are the chunk's lines (the readers put a heading, a list item, a table row on a line of
its own; tables are cells joined by " | "). Spans are offsets into the chunk's text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

Span = tuple[int, int]

CELL = " | "
LABEL_CHARS = 60  # a label (heading, list caption) is a short line
ITEM_CHARS = 120  # a list item, command or value is a line no longer than this
BLOCK_LINES = 8  # an announced list or table is given whole up to this many lines …
BLOCK_CHARS = 700  # … and characters; a longer one by its first line
_SENTENCE_END = re.compile(r"[.!?;,:]['\"”’)\]]*$")


@dataclass(frozen=True)
class Layout:
    """The line spans of a chunk's text and which of them form tables."""

    text: str
    lines: tuple[Span, ...]
    table_of: dict[int, tuple[int, int]]  # line index -> (first, last) line of its table

    @classmethod
    def of(cls, text: str) -> Layout:
        lines = tuple(m.span() for m in re.finditer(r"[^\n]+", text))
        return cls(text, lines, _tables([text[s:e] for s, e in lines]))

    def line(self, index: int) -> str:
        start, end = self.lines[index]
        return self.text[start:end].strip()

    def line_at(self, offset: int) -> int | None:
        index = bisect_right(self.lines, (offset, len(self.text) + 1)) - 1
        return index if index >= 0 and offset < self.lines[index][1] else None

    def row(self, offset: int) -> Span | None:
        """The table row that `offset` is in: a row reads as one statement, whatever
        sentences its cells hold."""
        index = self.line_at(offset)
        return self.lines[index] if index is not None and index in self.table_of else None

    def announced(self, sentence: Span) -> tuple[Span, ...]:
        """What a sentence ending its line with a colon announces: the list or table after it
        when short enough to give whole, else the next line. A label's line announces the
        command or value on the line after it (which reads under it, `context`). () for any
        other sentence."""
        index = self.line_at(sentence[0])
        text = self.text[sentence[0] : sentence[1]].rstrip()
        if index is None or index + 1 >= len(self.lines):
            return ()
        if self.text[sentence[1] : self.lines[index][1]].strip():
            return ()  # the sentence does not end its line
        following = index + 1
        if not text.endswith(":"):
            labels = self.labels(index) and self.alone(following) and _is_item(self.line(following))
            return (self.lines[following],) if labels else ()
        if following in self.table_of:
            block = list(range(following, self.table_of[following][1] + 1))
        else:
            block = []
            for k in range(following, len(self.lines)):
                if not _is_item(self.line(k)) or len(block) >= BLOCK_LINES:
                    break
                block.append(k)
        spans = [self.lines[k] for k in block] or [self.lines[following]]
        if len(spans) > BLOCK_LINES or sum(e - s for s, e in spans) > BLOCK_CHARS:
            spans = spans[:1]
        return tuple(spans)

    def context(self, sentence: Span) -> tuple[Span, ...]:
        """The lines a sentence that opens its line reads under: a table row's announcing line
        and header row; a command or value's label on the line above. () otherwise."""
        index = self.line_at(sentence[0])
        if index is None or self.text[self.lines[index][0] : sentence[0]].strip():
            return ()
        if index in self.table_of:
            first = self.table_of[index][0]
            if index == first:
                return ()
            before = [self.lines[first - 1]] if first > 0 and _leads(self.line(first - 1)) else []
            return (*before, self.lines[first])
        labelled = index > 0 and self.alone(index) and self.labels(index - 1)
        if labelled and _is_item(self.line(index)):
            return (self.lines[index - 1],)
        return ()

    def labels(self, index: int) -> bool:
        """Whether line `index` is a label: short, not ending like a sentence, a block of its
        own."""
        return self.alone(index) and _is_label(self.line(index))

    def alone(self, index: int) -> bool:
        """Whether line `index` is a block of its own, a blank line (or the text's edge) before
        and after it — not a line of a hard-wrapped paragraph ("Everyone is permitted to copy
        and distribute verbatim copies" / "of this license document, …")."""
        start, end = self.lines[index]
        before = index == 0 or "\n\n" in self.text[self.lines[index - 1][1] : start]
        last = index + 1 >= len(self.lines)
        return before and (last or "\n\n" in self.text[end : self.lines[index + 1][0]])


def _cells(line: str) -> int:
    return line.count(CELL) + 1 if CELL in line else 0


def _tables(lines: list[str]) -> dict[int, tuple[int, int]]:
    """Runs of two or more lines with the same number (≥ 2) of " | "-joined cells."""
    found: dict[int, tuple[int, int]] = {}
    k = 0
    while k < len(lines):
        cells = _cells(lines[k])
        end = k
        while cells and end + 1 < len(lines) and _cells(lines[end + 1]) == cells:
            end += 1
        if end > k:
            found.update({i: (k, end) for i in range(k, end + 1)})
        k = end + 1
    return found


def _is_label(line: str) -> bool:
    return 0 < len(line) <= LABEL_CHARS and not _SENTENCE_END.search(line) and CELL not in line


def _leads(line: str) -> bool:
    return line.endswith(":") or _is_label(line)


def _is_item(line: str) -> bool:
    """A list item, command or value: a short line that does not end like a sentence."""
    return 0 < len(line) <= ITEM_CHARS and not _SENTENCE_END.search(line)
