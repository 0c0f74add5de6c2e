"""Quote verification: is this quote in that file, and where exactly (pure functions).

A quote is compared after folding white space, curly quotes and dashes; the citation then
carries the file's own characters at the offsets found, so `file_text[start:end] == quote`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from assistant.text.textnorm import Normalized, normalize, terms

MIN_QUOTE_CHARS = 12
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\.\.\.\]|\[…\])\s*")
_EDGE = " \t\n\"'“”‘’«»`.,;:-–—"


@dataclass(frozen=True)
class Located:
    file: str
    start: int
    end: int
    quote: str


class FileTexts:
    """Corpus file texts (given, or read on demand by `loader`) and their normalised forms,
    each built once and reused; `sections(name, offset)` gives the headings over a place of
    a file, outermost first, where its reader found headings."""

    def __init__(
        self,
        texts: Mapping[str, str] | None = None,
        *,
        loader: Callable[[str], str | None] | None = None,
        names: Iterable[str] = (),
        sections: Callable[[str, int], Sequence[str]] | None = None,
    ) -> None:
        self._texts: dict[str, str | None] = dict(texts or {})
        self._names = sorted({*self._texts, *names})
        self._loader = loader
        self._sections = sections
        self._headings: dict[tuple[str, int], tuple[str, ...]] = {}
        self._normalized: dict[str, Normalized] = {}

    def headings(self, name: str, offset: int) -> tuple[str, ...]:
        """The headings over character `offset` of the file, outermost first."""
        if self._sections is None:
            return ()
        if (name, offset) not in self._headings:
            self._headings[name, offset] = tuple(self._sections(name, offset))
        return self._headings[name, offset]

    def names(self) -> list[str]:
        return list(self._names)

    def text(self, name: str) -> str | None:
        if name not in self._texts and self._loader and name in self._names:
            self._texts[name] = self._loader(name)
        return self._texts.get(name)

    def normalized(self, name: str) -> Normalized | None:
        if name not in self._normalized:
            text = self.text(name)
            if text is None:
                return None
            self._normalized[name] = _normalize_file(text)
        return self._normalized[name]


@lru_cache(maxsize=32)
def _normalize_file(text: str) -> Normalized:
    """`normalize` of a whole file, remembered by content: answers cite the same few files
    over and over, and a file that changed on disk has another text."""
    return normalize(text)


def candidate_forms(quote: str) -> list[str]:
    """The quote itself, then (if it elides with …) its longest fragment, edges trimmed."""
    forms = [quote.strip(), quote.strip(_EDGE)]
    fragments = [f.strip(_EDGE) for f in _ELLIPSIS.split(quote)]
    if len(fragments) > 1:
        forms.append(max(fragments, key=len))
    return [f for f in dict.fromkeys(forms) if len(f) >= MIN_QUOTE_CHARS]


def locate_in(texts: FileTexts, name: str, quote: str, near: int = 0) -> Located | None:
    """Where `quote` stands in file `name` (the occurrence nearest `near`), or None."""
    normalized = texts.normalized(name)
    original = texts.text(name)
    if normalized is None or original is None:
        return None
    for form in candidate_forms(quote):
        needle = normalize(form).text
        hits = [
            i
            for i in _all_hits(normalized.text, needle)
            if _on_word_edges(normalized.text, i, i + len(needle))
        ]
        if hits:
            best = min(hits, key=lambda i: abs(normalized.origin[i] - near))
            start, end = normalized.span(best, best + len(needle))
            return Located(name, start, end, original[start:end])
    return None


def _on_word_edges(text: str, start: int, end: int) -> bool:
    """A hit must not start or end inside a word ("eta" is not a quote of "beta")."""
    if start > 0 and text[start].isalnum() and text[start - 1].isalnum():
        return False
    return not (end < len(text) and text[end - 1].isalnum() and text[end].isalnum())


def _all_hits(haystack: str, needle: str) -> list[int]:
    hits: list[int] = []
    index = haystack.find(needle)
    while index >= 0 and len(hits) < 50:
        hits.append(index)
        index = haystack.find(needle, index + 1)
    return hits


CANDIDATE_FILES = 5  # files beyond the retrieved ones in which a quote is looked for
RARE_TERMS = 4  # the quote's rarest terms those files are found by

FindFiles = Callable[[str], Sequence[str]]
"""Given a quote, the corpus files it may stand in (best first), e.g. by full-text search."""


def no_other_files(quote: str) -> Sequence[str]:
    return ()


def locate_anywhere(
    texts: FileTexts,
    quote: str,
    preferred: Sequence[str],
    find_files: FindFiles = no_other_files,
    limit: int = CANDIDATE_FILES,
) -> Located | None:
    """The quote in the first preferred file holding it, else in the first of at most
    `limit` further files that `find_files` proposes. Never a scan of the whole corpus: a
    made-up quote costs the preferred files and `limit` more."""
    for name in preferred:
        found = locate_in(texts, name, quote)
        if found:
            return found
    others = [name for name in find_files(quote) if name not in preferred]
    for name in others[:limit]:
        found = locate_in(texts, name, quote)
        if found:
            return found
    return None


class TermIndex(Protocol):
    """The chunk table's full-text index, as quote search uses it."""

    def frequency(self, term: str) -> int: ...

    def files_matching(self, wanted: Sequence[str], limit: int) -> list[str]: ...


def full_text_candidates(index: TermIndex, limit: int = CANDIDATE_FILES) -> FindFiles:
    """A `FindFiles` that asks the full-text index for the files whose chunks best match the
    quote's rarest terms. A quote holding a word that no chunk holds is in no indexed file,
    so it gets none (files changed since indexing are still searched when cited or
    retrieved)."""

    def find(quote: str) -> list[str]:
        forms = candidate_forms(quote)
        if not forms:
            return []
        # The last form is the shortest (a fragment of an elided quote): every form that
        # can be found holds its words.
        counts = {term: index.frequency(term) for term in set(terms(forms[-1]))}
        if not counts or 0 in counts.values():
            return []
        rarest = sorted(counts, key=lambda term: (counts[term], term))[:RARE_TERMS]
        return index.files_matching(rarest, limit)

    return find
