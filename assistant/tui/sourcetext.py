"""Laying out a corpus file for the source viewer without moving any character offset.

`display_text` keeps the length of the file text, so a citation's `start`/`end` index the
displayed text exactly; `wrap_offsets` word-wraps one line into (start, end) pieces.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def display_text(text: str) -> str:
    """Same length as `text`: CRLF becomes ` \\n`, a lone CR a newline, tabs and controls spaces."""
    text = text.replace("\r\n", " \n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub(" ", text)


def wrap_offsets(line: str, width: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the rows `line` takes at `width` cells, breaking after spaces.

    The pieces cover the line exactly, in order; a word wider than `width` is folded.
    """
    width = max(1, width)
    rows: list[tuple[int, int]] = []
    start = 0
    while not _rest_fits(line, start, width):
        end = start
        cells = 0
        while end < len(line) and cells + cell_len(line[end]) <= width:
            cells += cell_len(line[end])
            end += 1
        end = max(end, start + 1)
        space = line.rfind(" ", start, end + 1)
        if space >= start and space + 1 > start and space + 1 <= len(line):
            broken = space + 1
            if broken > start and cell_len(line[start:broken].rstrip(" ")) <= width:
                end = broken
        rows.append((start, end))
        start = end
    rows.append((start, len(line)))
    return rows


def _rest_fits(line: str, start: int, width: int) -> bool:
    rest = line[start : start + 2 * width + 1]
    return len(line) - start <= len(rest) and cell_len(rest) <= width


def layout_rows(text: str, width: int) -> list[tuple[int, int]]:
    """Offsets into `text` of every screen row, line by line (newlines are not in any row)."""
    rows: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        rows.extend((offset + a, offset + b) for a, b in wrap_offsets(line, width))
        offset += len(line) + 1
    return rows


def row_of(rows: list[tuple[int, int]], offset: int) -> int:
    """The index of the row that shows the character at `offset`."""
    for index, (start, end) in enumerate(rows):
        if start <= offset < end or (start == end == offset):
            return index
    return max(0, len(rows) - 1)
