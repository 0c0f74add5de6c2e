"""What every reader gives back, and how a format is described (no format's code here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reading:
    """A file's text as a person reads it, which citations and quotes refer to.

    `page_starts[i]` is where page i+1 begins (empty for documents without pages);
    `sections` are (where a heading's line starts, the heading); `warnings` name what could
    not be read; `kind` is the format that read it; `encoding` how a plain text was decoded.
    """

    text: str
    kind: str
    title: str = ""
    page_starts: tuple[int, ...] = ()
    sections: tuple[tuple[int, str], ...] = ()
    warnings: tuple[str, ...] = ()
    encoding: str = ""


@dataclass(frozen=True)
class Format:
    """One file format: which names it claims, how its content is recognised, how it is read.

    `sniff` looks at a file's opening bytes and says whether they are this format whatever the
    file's name (a web page saved as `.txt`); `read` turns the file's bytes into a Reading and
    raises ValueError, with a reason a person can act on, when it cannot. `kept`: the text is
    drawn out once by `reindex` and kept in the index folder (everything but plain text, which
    is its own bytes decoded). `size_factor`: files of this format are mostly not text (fonts,
    pictures) and may be that many times `max_file_mb`. `chrome`: its text is the file's own
    layout, which may hold page chrome (menus, share bars, photo credits) for chunking to drop
    line by line, and hard-wrapped paragraphs; a reader that lays out only the document's own
    text, one block to a line (a web page's article, Markdown, Word, a PDF's paragraphs with
    its running heads dropped), says False, and its short lines — table rows, list items,
    headings — stay.
    """

    kind: str
    suffixes: frozenset[str]
    read: Callable[[bytes], Reading]
    sniff: Callable[[bytes], bool] | None = None
    kept: bool = True
    size_factor: int = 1
    chrome: bool = False


def section_offsets(text: str, headings: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """Where each heading's line stands in `text`, looked for in order as whole lines."""
    found: list[tuple[int, str]] = []
    at = 0
    for heading in headings:
        index = text.find(heading, at)
        while index >= 0 and not _whole_line(text, index, index + len(heading)):
            index = text.find(heading, index + 1)
        if index >= 0:
            found.append((index, heading))
            at = index + len(heading)
    return tuple(found)


def _whole_line(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")


def section_at(sections: tuple[tuple[int, str], ...], offset: int) -> str:
    """The heading of the section holding character `offset`, or ''."""
    name = ""
    for at, heading in sections:
        if at > offset:
            break
        name = heading
    return name
