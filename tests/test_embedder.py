"""The offline embedder (real model) and its cache."""

from __future__ import annotations

import numpy as np

from assistant.embedder import DIMENSIONS, CachedEmbedder, MiniLMEmbedder

TEXTS = [
    "The glacier retreated forty meters last year.",
    "A zebra herd crossed the river at dawn.",
    "The glacier retreated forty meters last year.",
    "Shares of the chipmaker fell 17 percent on Monday.",
]


def test_vectors_are_unit_length_and_similar_texts_are_close() -> None:
    vectors = MiniLMEmbedder().embed(TEXTS)
    assert vectors.shape == (4, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[2] > 0.999
    assert vectors[0] @ vectors[1] < 0.5


def test_the_cache_gives_the_same_vectors_and_stays_bounded() -> None:
    plain = MiniLMEmbedder()
    cached = CachedEmbedder(plain, size=2)
    expected = plain.embed(TEXTS)
    assert np.allclose(cached.embed(TEXTS), expected, atol=1e-6)
    assert np.allclose(cached.embed(TEXTS[::-1]), expected[::-1], atol=1e-6)
    assert len(cached._vectors) <= 2
    assert np.allclose(cached.embed_one(TEXTS[1]), expected[1], atol=1e-6)
    assert cached.embed([]).shape == (0, DIMENSIONS)
