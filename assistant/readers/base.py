"""What every reader gives back, and how a format is described (no format's code here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

Heading = tuple[int, str, int]  # where its line starts, its words, its level (1 outermost)


@dataclass(frozen=True)
class Reading:
    """A file's text as a person reads it, which citations and quotes refer to.

    `page_starts[i]` is where page i+1 begins (empty for documents without pages);
    `sections` are its headings (`Heading`: where the heading's line starts, its words, its
    level, 1 outermost); `warnings` name what could not be read; `kind` is the format that
    read it; `encoding` how a plain text was decoded.
    """

    text: str
    kind: str
    title: str = ""
    page_starts: tuple[int, ...] = ()
    sections: tuple[Heading, ...] = ()
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


def section_offsets(text: str, headings: Sequence[tuple[str, int]]) -> tuple[Heading, ...]:
    """Where each heading (its words, its level) stands in `text`, looked for in order as
    whole lines."""
    found: list[Heading] = []
    at = 0
    for heading, level in headings:
        index = text.find(heading, at)
        while index >= 0 and not _whole_line(text, index, index + len(heading)):
            index = text.find(heading, index + 1)
        if index >= 0:
            found.append((index, heading, level))
            at = index + len(heading)
    return tuple(found)


def _whole_line(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")


def section_path(sections: Sequence[Heading], offset: int) -> tuple[str, ...]:
    """The headings over character `offset`, outermost first: the last heading before it,
    and above that each last heading of a higher level ("Installation", "Linux/Unix",
    "1. Automatic installer")."""
    path: list[tuple[str, int]] = []
    for at, heading, level in sections:
        if at > offset:
            break
        while path and path[-1][1] >= level:
            path.pop()
        path.append((heading, level))
    return tuple(heading for heading, _ in path)
