"""Quote verification: is this quote in that file, and where exactly (pure functions).

A quote is compared after folding white space, curly quotes and dashes; the citation then
carries the file's own characters at the offsets found, so `file_text[start:end] == quote`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from assistant.textnorm import Normalized, normalize

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
    each built once and reused."""

    def __init__(
        self,
        texts: Mapping[str, str] | None = None,
        *,
        loader: Callable[[str], str | None] | None = None,
        names: Iterable[str] = (),
    ) -> None:
        self._texts: dict[str, str | None] = dict(texts or {})
        self._names = sorted({*self._texts, *names})
        self._loader = loader
        self._normalized: dict[str, Normalized] = {}

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


def locate_anywhere(texts: FileTexts, quote: str, preferred: list[str]) -> Located | None:
    """The quote in the first preferred file holding it, else in any corpus file."""
    for name in [*preferred, *(n for n in texts.names() if n not in preferred)]:
        found = locate_in(texts, name, quote)
        if found:
            return found
    return None
