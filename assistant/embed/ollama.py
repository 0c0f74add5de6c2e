"""Embeddings from an Ollama server (`embedder = "ollama:MODEL"`): `/api/embed` through the
official client, in batches, a few requests in flight, transient failures retried with
back-off. For a reindex on a machine without a GPU next to one with it: a GPU server embeds
thousands of chunks a second where this machine's CPU embeds ~40.

The model's digest (from `/api/tags`) is part of the embedder's identity in the manifest, so a
re-pulled or different model means a rebuild, as a different local model does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.config.remote import Endpoint, ollama_server
from assistant.embed.minilm import CachedEmbedder
from assistant.errors import (
    REINDEX_HINT,
    ConfigError,
    IndexMissingError,
    OllamaError,
    OllamaModelMissing,
)
from assistant.index.manifest import Manifest
from assistant.llm.ollama import OllamaChat, same_model

PREFIX = "ollama:"
RETRIES = 4  # attempts after the first, for transient failures only
BACKOFF_SECONDS = 0.5  # doubled at each retry: 0.5, 1, 2, 4 s
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


# Ollama's tags of all-MiniLM-L6-v2, the model the local embedder runs in int8 (`33m` is L12).
SAME_AS_LOCAL = frozenset({"all-minilm", "all-minilm:latest", "all-minilm:l6-v2", "all-minilm:22m"})


def same_as_local(embedder: str) -> bool:
    """An Ollama embedder that is the local model at another precision."""
    return ollama_model(embedder).lower() in SAME_AS_LOCAL


def ollama_model(embedder: str) -> str:
    """`ollama:all-minilm` → `all-minilm`; "" for the local embedder."""
    return embedder[len(PREFIX) :].strip() if embedder.startswith(PREFIX) else ""


class OllamaEmbedder:
    """Unit-length sentence embeddings computed by `model` on an Ollama server."""

    def __init__(
        self,
        endpoint: Endpoint,
        model: str,
        timeout: float,
        batch: int = 32,
        in_flight: int = 4,
        backoff: float = BACKOFF_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self.host = endpoint.url
        self.name = f"{PREFIX}{model}"
        self.batch = max(1, batch)
        self.in_flight = max(1, in_flight)
        self.batch_hint = self.batch * self.in_flight  # texts per call that keep it busy
        self.model_sha256 = ""  # the model's digest, set by resolve()
        self.dimensions = 0
        self.retried = 0  # requests sent again after a transient failure
        self._backoff = backoff
        self._sleep = sleep
        self._chat = OllamaChat(
            endpoint.url, model, timeout, headers=endpoint.headers, verify=endpoint.verify
        )
        self._lock = threading.Lock()

    def resolve(self, dimensions: int = 0) -> OllamaEmbedder:
        """Look up the model's digest, and its vector length unless given (one embedding);
        OllamaError if the server does not have the model."""
        client = self._chat.shared_client()
        try:
            listing = client.list()
        except Exception as exc:
            raise self._chat.probe_error(exc, self._chat.timeout) from None
        for entry in getattr(listing, "models", None) or []:
            name = str(getattr(entry, "model", None) or getattr(entry, "name", None) or "")
            if same_model(self.model, name):
                self.model_sha256 = str(getattr(entry, "digest", "") or "")
                break
        else:
            raise OllamaModelMissing(
                f"Ollama at {self._chat.host} does not have the embedding model {self.model}",
                f'run `ollama pull {self.model}` there, or set embedder = "local"',
            )
        self.dimensions = dimensions or int(self._request(["dimension probe"]).shape[1])
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` in order: batches of `batch`, `in_flight` of them at once."""
        if not texts:
            return np.zeros((0, self.dimensions or 1), dtype=np.float32)
        batches = [list(texts[b : b + self.batch]) for b in range(0, len(texts), self.batch)]
        if len(batches) == 1:
            return self._request(batches[0])
        with ThreadPoolExecutor(min(self.in_flight, len(batches)), "ollama-embed") as pool:
            return np.vstack(list(pool.map(self._request, batches)))

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]

    def close(self) -> None:
        self._chat.close()

    def _request(self, texts: list[str]) -> np.ndarray:
        """One `/api/embed` call, retried with back-off while the failure is transient."""
        client = self._chat.shared_client()
        for attempt in range(RETRIES + 1):
            try:
                reply = client.embed(model=self.model, input=texts, truncate=True)
                vectors = np.asarray(reply.embeddings, dtype=np.float32)
                if vectors.ndim != 2 or len(vectors) != len(texts):
                    raise OllamaError(
                        f"Ollama at {self._chat.host} returned {len(vectors)} embeddings "
                        f"for {len(texts)} texts ({self.model})",
                        "check the model is an embedding model",
                    )
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
                return vectors / np.clip(norms, 1e-12, None)
            except OllamaError:
                raise
            except Exception as exc:
                settings_problem = self._chat.settings_problem(exc) is not None
                if attempt == RETRIES or settings_problem or not _transient(exc):
                    raise self._chat.chat_error(exc, started=False) from None
                with self._lock:
                    self.retried += 1
                self._sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")


def _transient(exc: BaseException) -> bool:
    """Worth sending again: the server was busy, restarting or briefly unreachable."""
    import httpx
    import ollama

    if isinstance(exc, ollama.ResponseError):
        return exc.status_code in TRANSIENT_STATUS
    return isinstance(exc, httpx.TransportError | ConnectionError)


def embedder_for(settings: Settings, name: str, local: Callable[[], Any]) -> Any:
    """The embedder called `name` ("local" → `local()`, "ollama:MODEL" → resolved on the
    server named by the settings)."""
    model = ollama_model(name)
    if not model:
        return local()
    return OllamaEmbedder(
        ollama_server(settings),
        model,
        settings.ollama_timeout,
        batch=settings.embed_batch,
        in_flight=settings.embed_in_flight,
    )


def query_embedder(
    settings: Settings, manifest: Manifest, local: CachedEmbedder, local_class: type[Any]
) -> CachedEmbedder:
    """Questions against an index an Ollama server embedded are embedded by that model: one
    round trip per new question. Scoring sentences against the question
    (extractive answers, the LLM's prompt) compares like with like, so it stays local."""
    built_with = str(manifest.embedder.get("name", ""))  # embedder.for_questions checked it
    if settings.query_embedder == "local":
        if not same_as_local(built_with):
            raise ConfigError(
                f"query_embedder = local needs an index embedded by all-MiniLM-L6-v2; "
                f"this one was embedded by {built_with}",
                'set query_embedder = "index"',
            )
        return local  # measured: int8 vs fp16 cosine ≥ 0.999, same top 6 (README)
    dimensions = int(manifest.embedder.get("dimensions") or 0)
    remote = embedder_for(settings, built_with, local_class).resolve(dimensions)
    if remote.model_sha256 != manifest.embedder.get("model_sha256"):
        raise IndexMissingError(
            f"the model {built_with} on the Ollama server is not the one that embedded "
            f"the index (digest {remote.model_sha256[:12]}…, the index has "
            f"{str(manifest.embedder.get('model_sha256'))[:12]}…)",
            REINDEX_HINT,
        )
    return CachedEmbedder(remote)
