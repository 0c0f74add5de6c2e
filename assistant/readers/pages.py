"""Turning the lines of printed pages into the text the index reads (pure functions).

A PDF gives lines as they were printed: wrapped at the column edge, words split by a hyphen
at a line end, ligature glyphs (ﬁ), and a running header, footer or page number on every
page. Here the lines of each page become paragraphs (one per line of the result, a blank
line between), split words are joined, ligatures folded, and the lines that repeat at the
top or bottom of many pages are dropped. What comes out is the document's text: chunks,
citations and quote checks all index it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence

PAGE_SEPARATOR = "\n\n"
PARAGRAPH_SEPARATOR = "\n\n"  # paragraphs stand apart, so no sentence runs into the next
EDGE_LINES = 2  # lines at the top and at the bottom of a page that may be running heads
REPEATS = 3  # a (digit-blind) edge line on this many pages is a running head or foot
SHORT_LINE = 0.7  # a line shorter than this share of the page's usual width ends a paragraph

_LIGATURES = re.compile("[\ufb00-\ufb06]")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*[-–—)\]]?(?:\s+of\s+\d{1,4})?$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^(?:[•·▪◦‣∙–—*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_ENDS_CLAUSE = re.compile(r"[.!?:;,)\"'”’]$")
_NUMBERED = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]")
_SPLIT_WORD = re.compile(r"[^\W\d_]-$")
_SOFT_HYPHENS = "\u00ad\x02\ufffe"  # what PDF text layers mark a hyphenation point with


def fold_ligatures(text: str) -> str:
    """ﬁ → fi, ﬂ → fl, ﬀ → ff, … (only the Latin ligature block; nothing else changes)."""
    return _LIGATURES.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def page_lines(raw: str) -> list[str]:
    """A page's text layer as non-blank lines, white space inside them collapsed."""
    # PDFium puts a hyphenated line end and the next line on one line, marked by U+FFFE:
    # split them again, so that line lengths are the printed ones.
    raw = fold_ligatures(raw).replace("\ufffe", "\ufffe\n")
    lines = (" ".join(line.split()) for line in re.split(r"\r\n|\r|\n", raw))
    return [line for line in lines if line]


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _edges(lines: Sequence[str]) -> set[str]:
    return {*lines[:EDGE_LINES], *lines[-EDGE_LINES:]}


def running_lines(pages: Sequence[Sequence[str]]) -> set[str]:
    """Edge-line keys (digits blinded) found at the top or bottom of REPEATS pages or more:
    running heads and feet, copyright lines."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_edge_key(line) for line in _edges(lines)})
    return {key for key, count in counts.items() if count >= REPEATS}


def numbering_offset(pages: Sequence[Sequence[str]]) -> int | None:
    """printed page number − page index, when edge lines of REPEATS pages or more begin or
    end with their page's printed number ("Chapter 2: Naming 7", "8 Libtasn1")."""
    counts: Counter[int] = Counter()
    for index, lines in enumerate(pages):
        offsets = {n - index for line in _edges(lines) for n in _edge_numbers(line)}
        counts.update(offsets)
    offset, count = counts.most_common(1)[0] if counts else (0, 0)
    return offset if count >= REPEATS else None


def _edge_numbers(line: str) -> set[int]:
    found = re.findall(r"^(\d{1,4})\b|\b(\d{1,4})$", line)
    return {int(a or b) for a, b in found}


def strip_running(
    lines: Sequence[str], running: set[str], page_number: int | None = None
) -> list[str]:
    """The page's lines without page numbers and running heads/feet at its edges."""

    def running_line(line: str) -> bool:
        return bool(
            _PAGE_NUMBER.match(line)
            or _edge_key(line) in running
            or (page_number is not None and page_number in _edge_numbers(line))
        )

    # in a page read column by column, the folio may stand between the columns
    kept = [line for line in lines if page_number is None or line != str(page_number)]
    for _ in range(EDGE_LINES):
        if kept and running_line(kept[0]):
            kept.pop(0)
        if kept and running_line(kept[-1]):
            kept.pop()
    return kept


def paragraphs(lines: Sequence[str]) -> list[str]:
    """Wrapped lines joined into paragraphs. A paragraph ends after a line clearly shorter
    than the page's usual line (its last line, a heading, a line of code); a short line that
    ends no clause (a heading) and a list item start one. A word split by a hyphen at a line
    end is joined."""
    if not lines:
        return []
    usual = sorted(len(line) for line in lines)[int(len(lines) * 0.8)]
    result: list[str] = []
    current = ""
    for line in lines:
        short = len(line) < usual * SHORT_LINE
        heading = (
            short
            and not _hyphenated(line)
            and bool(_NUMBERED.match(line) or not _ENDS_CLAUSE.search(line))
        )
        if current and (_BULLET.match(line) or heading):
            result.append(current)
            current = ""
        current = _join(current, line) if current else line
        if short and not _hyphenated(line):
            result.append(current)
            current = ""
    if current:
        result.append(current)
    return [re.sub(f"[{_SOFT_HYPHENS}]", "", p) for p in result]


def _hyphenated(line: str) -> bool:
    return line.endswith(tuple(_SOFT_HYPHENS)) or bool(_SPLIT_WORD.search(line))


def _join(current: str, line: str) -> str:
    if current.endswith(tuple(_SOFT_HYPHENS)):
        return current[:-1] + line
    if _SPLIT_WORD.search(current):
        # "docu-" + "ment" → "document"; "Smith-" + "Jones" keeps its hyphen
        return (current[:-1] if line[:1].islower() else current) + line
    return f"{current} {line}"


def page_texts(raw_pages: Sequence[str]) -> list[str]:
    """The text of each page: lines cleaned, running heads dropped, paragraphs one a line."""
    pages = [page_lines(raw) for raw in raw_pages]
    if len(pages) < REPEATS:
        return [PARAGRAPH_SEPARATOR.join(paragraphs(lines)) for lines in pages]
    running = running_lines(pages)
    offset = numbering_offset(pages)
    return [
        PARAGRAPH_SEPARATOR.join(
            paragraphs(strip_running(lines, running, None if offset is None else i + offset))
        )
        for i, lines in enumerate(pages)
    ]


_HEADING_LINE = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|Chapter \d{1,2}:?|Appendix [A-Z]\.?)[ \t]+[A-Z][^\n]{0,70}$",
    re.MULTILINE,
)


_NUMBERING = re.compile(r"\d{1,2}(?:\.\d{1,2})*")


def numbered_headings(text: str) -> tuple[tuple[int, str, int], ...]:
    """Lines that read as numbered section headings ("2.2 Naming", "1.3. Language used"):
    short, capitalised after the number, not ending a sentence. The level is the number's
    depth ("2.2" is 2); a chapter or an appendix is 1."""
    return tuple(
        (m.start(), m.group(), _depth(m.group()))
        for m in _HEADING_LINE.finditer(text)
        if not m.group().rstrip().endswith((".", ",", ";"))
    )


def _depth(heading: str) -> int:
    number = _NUMBERING.match(heading)
    return number.group().count(".") + 1 if number else 1


def join_pages(texts: Sequence[str]) -> tuple[str, tuple[int, ...]]:
    """The document text (pages separated by a blank line) and where each page starts."""
    starts: list[int] = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + len(PAGE_SEPARATOR)
    return PAGE_SEPARATOR.join(texts), tuple(starts)


def page_of(starts: Sequence[int], offset: int) -> int:
    """The 1-based page holding character `offset`, given where each page starts."""
    return max(1, bisect_right(starts, offset))
