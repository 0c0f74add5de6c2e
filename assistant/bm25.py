"""A small BM25 index over chunk texts (pure; terms from assistant.textnorm)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from assistant.textnorm import terms

K1 = 1.2
B = 0.75


class BM25:
    """Okapi BM25 over documents given as texts; search returns (doc index, score), best first."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths: list[int] = []
        for doc, text in enumerate(texts):
            counts = Counter(terms(text))
            self._lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                self._postings[term].append((doc, tf))
        self._n = len(self._lengths)
        self._avg = (sum(self._lengths) / self._n) if self._n else 0.0

    def __len__(self) -> int:
        return self._n

    def df(self, term: str) -> int:
        return len(self._postings.get(term, ()))

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms(query)):
            idf = self.idf(term)
            for doc, tf in self._postings.get(term, ()):
                norm = tf + K1 * (1 - B + B * self._lengths[doc] / self._avg)
                scores[doc] += idf * tf * (K1 + 1) / norm
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return ranked[:k]
