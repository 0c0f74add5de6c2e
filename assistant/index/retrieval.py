"""Hybrid retrieval: Chroma vectors and BM25 over the same chunks, fused by normalised score,
with near-duplicate chunks (other versions of the same story) collapsed into one passage that
lists them as corroborating sources."""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Protocol

from assistant.index.chunking import document_title
from assistant.text.textnorm import terms
from assistant.types import Chunk, Passage

VECTOR_WEIGHT = 0.5
CANDIDATES_PER_K = 4
NEAR_DUPLICATE = 0.5


class VectorSearch(Protocol):
    def query(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]: ...


class ChunkTable(Protocol):
    def search(self, question: str, k: int) -> list[tuple[str, float]]: ...

    def chunks(self, ids: Sequence[str]) -> list[Chunk]: ...

    def idf(self, term: str) -> float: ...

    def share(self, word: str) -> float: ...


class Embed(Protocol):
    def embed_one(self, text: str) -> list[float]: ...


def fuse(
    rankings: Sequence[Sequence[tuple[str, float]]], weights: Sequence[float]
) -> list[tuple[str, float]]:
    """Weighted fusion of scored rankings, each min-max normalised to 0..1 over its own list.

    Unlike plain reciprocal-rank fusion, a passage that one retriever finds far better than
    anything else (a rare name matched by BM25) keeps that margin. Ties break by id.
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        values = [score for _, score in ranking]
        low, high = min(values), max(values)
        span = (high - low) or 1.0
        for item, score in ranking:
            scores[item] = scores.get(item, 0.0) + weight * (score - low) / span
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def resemblance(a: set[str], b: set[str]) -> float:
    """Overlap of two term sets relative to the smaller one (0..1)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def collapse(
    ranked: Sequence[tuple[Chunk, float]], limit: int, asked: Set[str] = frozenset()
) -> list[Passage]:
    """Group near-duplicate chunks of different files under the best-ranked one. A chunk
    whose file is named by a term of the question (`asked`) that the lead does not have is
    no duplicate for this question: "BSD.txt" is not folded under Artistic.txt because their
    no-endorsement clauses share most words, when the question asks about the BSD license."""
    groups: list[tuple[Chunk, float, set[str], set[str], list[Chunk]]] = []
    for chunk, score in ranked:
        chunk_terms = set(terms(chunk.text))
        title_terms = set(terms(document_title(chunk.file)))
        named = title_terms & asked
        for lead, _, lead_terms, lead_title, others in groups:
            same_file = lead.file == chunk.file or any(o.file == chunk.file for o in others)
            if named - lead_terms - lead_title:
                continue
            if not same_file and resemblance(chunk_terms, lead_terms) >= NEAR_DUPLICATE:
                others.append(chunk)
                break
        else:
            groups.append((chunk, score, chunk_terms, title_terms, []))
    return [Passage(lead, score, tuple(others)) for lead, score, _, _, others in groups[:limit]]


class HybridRetriever:
    """Finds the passages most likely to answer a question."""

    def __init__(self, table: ChunkTable, vectors: VectorSearch, embedder: Embed) -> None:
        self.table = table
        self._vectors = vectors
        self._embedder = embedder

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks."""
        return self.table.idf(term)

    def search(self, question: str, k: int) -> list[Passage]:
        pool = k * CANDIDATES_PER_K
        # A store on a Chroma server may still hold the previous generation's vectors too:
        # ask for more, keep those of chunks in the table.
        by_vector = self._vectors.query(self._embedder.embed_one(question), pool * 2)
        by_terms = self.table.search(question, pool)
        ids = dict.fromkeys(i for i, _ in [*by_vector, *by_terms])
        found = {c.chunk_id: c for c in self.table.chunks(list(ids))}
        by_vector = [(i, score) for i, score in by_vector if i in found][:pool]
        fused = fuse([by_vector, by_terms], [VECTOR_WEIGHT, 1.0 - VECTOR_WEIGHT])
        ranked = [(found[i], score) for i, score in fused]
        return collapse(ranked, k, frozenset(terms(question)))
