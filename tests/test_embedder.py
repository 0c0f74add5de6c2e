"""The offline embedder (real model) and its cache."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest

from assistant.embed.minilm import (
    DIMENSIONS,
    TOKENIZER_RESOURCE,
    TOKENIZER_SHA256,
    CachedEmbedder,
    MiniLMEmbedder,
    _checked_bytes,
    tokenizer_json,
)
from assistant.errors import AssistantError

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


def test_the_tokenizer_is_package_data_of_the_assistant_with_its_licence() -> None:
    folder = files("assistant").joinpath(*TOKENIZER_RESOURCE[:-1])
    assert hashlib.sha256(tokenizer_json().encode()).hexdigest() == TOKENIZER_SHA256
    assert "Apache License" in folder.joinpath("LICENSE").read_text("utf-8")
    assert TOKENIZER_SHA256 in folder.joinpath("NOTICE").read_text("utf-8")


def test_a_model_file_with_another_hash_or_none_is_refused(tmp_path: Path) -> None:
    tampered = tmp_path / "tokenizer.json"
    tampered.write_text("{}")
    with pytest.raises(AssistantError, match=f"expected {TOKENIZER_SHA256[:12]}"):
        _checked_bytes(tampered, TOKENIZER_SHA256, "reinstall")
    with pytest.raises(AssistantError, match="is missing"):
        _checked_bytes(tmp_path / "absent.json", TOKENIZER_SHA256, "reinstall")
