"""Sentence boundaries within a span of text, as offsets (no I/O, no models)."""

from __future__ import annotations

import re

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st inc corp co ltd llc vs etc gen sen rep gov fmr dept est "
    "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n e.g i.e a.m p.m".split()
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans [s, e) within text[start:end], white space trimmed, in order."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end() - len(match.group()) + len(match.group().rstrip())
        if _is_abbreviation(text, cursor, match.start()):
            continue
        _append(text, spans, cursor, stop)
        cursor = match.end()
    _append(text, spans, cursor, end)
    return spans


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lower().lstrip("(\"'“‘")
    if word in _ABBREVIATIONS:
        return True
    return len(word) == 1 and word.isalpha()


def _append(text: str, spans: list[tuple[int, int]], begin: int, stop: int) -> None:
    while begin < stop and text[begin].isspace():
        begin += 1
    while stop > begin and text[stop - 1].isspace():
        stop -= 1
    if stop > begin:
        spans.append((begin, stop))
