"""One measurement in its own process (so its peak memory is its own), called by run.py.

    python benchmarks/child.py TASK JSON_ARGS

prints one JSON object on its last stdout line. Tasks: `reindex`, `embed`, `queries`,
`stock`. With `"embedder": "hashed"` in the arguments, index builds use `HashedEmbedder`
instead of MiniLM (see its docstring); questions are always embedded with MiniLM.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class HashedEmbedder:
    """A stand-in for building large indexes quickly: feature-hashed bag of words, 384-d, unit
    length. It is *only* for figures that do not depend on embedding cost (no-op and
    one-file reindex overhead, Chroma/BM25 query cost at 100k chunks); MiniLM takes about
    25 ms per chunk on 2 cores, so a real 100k-chunk build is ~45 minutes per run."""

    from assistant.embed.minilm import DIMENSIONS as dimensions
    from assistant.embed.minilm import EMBEDDER_NAME as name
    from assistant.embed.minilm import MODEL_SHA256 as model_sha256

    _WORD = re.compile(r"\w+")

    def __init__(self, threads: int | None = None) -> None:
        self._slots: dict[str, tuple[int, float]] = {}

    def _slot(self, word: str) -> tuple[int, float]:
        slot = self._slots.get(word)
        if slot is None:
            code = zlib.crc32(word.encode())
            slot = self._slots[word] = (code % self.dimensions, 1.0 if code & 1 << 20 else -1.0)
        return slot

    def embed(self, texts: Any) -> np.ndarray:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in self._WORD.findall(text.lower()):
                index, sign = self._slot(word)
                out[row, index] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)

    def embed_one(self, text: str) -> list[float]:
        return [float(x) for x in self.embed([text])[0]]


def embedder_class(kind: str) -> Any:
    if kind == "hashed":
        return HashedEmbedder
    from assistant.embed.minilm import MiniLMEmbedder

    return MiniLMEmbedder


def settings(args: dict[str, Any]) -> Any:
    from assistant.config import load_settings

    return load_settings(
        None,
        corpus=Path(args["corpus"]),
        index=Path(args["index"]),
        llm="extractive",
        chroma_url=args.get("chroma_url") or None,
    )


def task_reindex(args: dict[str, Any]) -> dict[str, Any]:
    import assistant.index.indexer as indexer

    chosen = embedder_class(args.get("embedder", "real"))
    indexer.local_class = lambda setting: chosen  # type: ignore[assignment]
    summary = indexer.reindex(settings(args))
    return {
        "seconds": summary.seconds,
        "chunks": summary.chunks_total,
        "embedded": summary.chunks_embedded,
        "files": len(summary.added) + len(summary.changed) + len(summary.unchanged),
    }


def task_embed(args: dict[str, Any]) -> dict[str, Any]:
    """The floor: the index's chunk texts embedded in one call, no store, no chunking."""
    from assistant.index.chunkstore import read_chunk_table
    from assistant.index.manifest import read_manifest

    index = Path(args["index"])
    manifest = read_manifest(index)
    assert manifest is not None
    texts = [c.text for c in read_chunk_table(index / manifest.chunk_table)]
    embedder = embedder_class(args.get("embedder", "real"))()
    started = time.perf_counter()
    embedder.embed(texts)
    return {"seconds": time.perf_counter() - started, "chunks": len(texts)}


def task_queries(args: dict[str, Any]) -> dict[str, Any]:
    """Warm extractive answers in-process: per-stage timings of every repeat after a warm-up."""
    from assistant.service import Assistant

    assistant = Assistant(settings(args))
    started = time.perf_counter()
    first = assistant.answer(args["questions"][0], llm="extractive")
    load = time.perf_counter() - started
    stages: dict[str, list[float]] = {"retrieve": [], "generate": [], "total": []}
    repeated: list[float] = []
    answered = 0
    for _ in range(args["repeats"]):
        for question in args["questions"]:
            # Every sentence embedded afresh: the figure for a question never seen before.
            assistant._current_engine().embedder.clear()
            answer = assistant.answer(question, llm="extractive")
            answered += not answer.abstained
            for stage in stages:
                stages[stage].append(answer.timings_ms[stage])
            # The same question again: its question and sentence vectors are remembered.
            repeated.append(assistant.answer(question, llm="extractive").timings_ms["total"])
    return {
        "first_answer_s": load,
        "first_abstained": first.abstained,
        "answered": answered,
        "samples": stages,
        "repeated_total": repeated,
    }


def task_stock(args: dict[str, Any]) -> dict[str, Any]:
    """LlamaIndex's stock pipeline with default settings and the same embedder:
    SimpleDirectoryReader → VectorStoreIndex over a ChromaVectorStore; retriever.retrieve."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    build_embedder = embedder_class(args.get("embedder", "real"))()
    from assistant.embed.minilm import MiniLMEmbedder

    query_embedder = MiniLMEmbedder()

    class Wrapped(BaseEmbedding):
        def _get_text_embedding(self, text: str) -> list[float]:
            return [float(x) for x in build_embedder.embed([text])[0]]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return build_embedder.embed(texts).tolist()  # type: ignore[no-any-return]

        def _get_query_embedding(self, query: str) -> list[float]:
            return query_embedder.embed_one(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    started = time.perf_counter()
    documents = SimpleDirectoryReader(args["corpus"], recursive=True).load_data()
    client = chromadb.PersistentClient(
        path=args["index"], settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_or_create_collection("stock")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(collection))
    transformations = None
    if args.get("chunk_size"):
        from llama_index.core.node_parser import SentenceSplitter

        size = args["chunk_size"]
        transformations = [SentenceSplitter(chunk_size=size, chunk_overlap=size // 8)]
    index = VectorStoreIndex.from_documents(
        documents,
        storage_context=storage,
        embed_model=Wrapped(),
        transformations=transformations,
    )
    ingest = time.perf_counter() - started
    retriever = index.as_retriever(similarity_top_k=args.get("top_k", 6))
    retriever.retrieve(args["questions"][0])
    samples = []
    for _ in range(args["repeats"]):
        for question in args["questions"]:
            t0 = time.perf_counter()
            retriever.retrieve(question)
            samples.append((time.perf_counter() - t0) * 1000)
    return {
        "seconds": ingest,
        "documents": len(documents),
        "chunks": collection.count(),
        "retrieve_ms": samples,
        "retrieve_p50": statistics.median(samples),
    }


TASKS = {
    "reindex": task_reindex,
    "embed": task_embed,
    "queries": task_queries,
    "stock": task_stock,
}


def main() -> None:
    task, raw = sys.argv[1], sys.argv[2]
    result = TASKS[task](json.loads(raw))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
