"""The Chroma adapter: vectors of chunks in a Chroma collection, through LlamaIndex.

The only module that imports chromadb or LlamaIndex's Chroma store. Embedded by default
(`PersistentClient` in the index folder); a Chroma server when `chroma_url` is set.
Telemetry is always off.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from assistant.errors import AssistantError, IndexMissingError
from assistant.types import Chunk

COLLECTION = "chunks"
ADD_BATCH = 1000


def _client(index_dir: Path, chroma_url: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if not url.hostname:
            raise AssistantError(f"bad --chroma-url {chroma_url!r}", "use http://HOST:PORT")
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise AssistantError(
                f"Chroma server at {chroma_url} is not reachable: {exc}",
                "start it with `chroma run --path DIR --port PORT`, or drop --chroma-url",
            ) from exc
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


class ChunkVectors:
    """Chunk vectors in Chroma, keyed by chunk id."""

    def __init__(self, index_dir: Path, chroma_url: str = "", create: bool = False) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self._client = _client(index_dir, chroma_url)
        try:
            if create:
                collection = self._client.get_or_create_collection(
                    COLLECTION, metadata={"hnsw:space": "cosine"}, embedding_function=None
                )
            else:
                collection = self._client.get_collection(COLLECTION, embedding_function=None)
        except Exception as exc:
            if create:
                raise
            raise IndexMissingError(
                f"the vector store in {index_dir} is missing or unreadable ({type(exc).__name__})",
                "run `assistant reindex`",
            ) from exc
        self._collection = collection
        self._store = ChromaVectorStore(chroma_collection=collection)

    def add(self, chunks: Sequence[Chunk], embeddings: Any) -> None:
        """Store chunks with their embeddings (a sequence of vectors or a 2-d array)."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for chunk, embedding in zip(chunks, embeddings, strict=True):
            node = TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=list(map(float, embedding)),
                metadata={
                    "file": chunk.file,
                    "file_sha256": chunk.file_sha256,
                    "start": chunk.start,
                    "end": chunk.end,
                    "ordinal": chunk.ordinal,
                },
                start_char_idx=chunk.start,
                end_char_idx=chunk.end,
            )
            node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(
                node_id=f"{chunk.file}@{chunk.file_sha256}"
            )
            nodes.append(node)
        for begin in range(0, len(nodes), ADD_BATCH):
            self._store.add(nodes[begin : begin + ADD_BATCH])

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        for begin in range(0, len(ids), ADD_BATCH):
            self._store.delete_nodes(node_ids=ids[begin : begin + ADD_BATCH])

    def count(self) -> int:
        return int(self._collection.count())

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The k nearest chunk ids with their cosine similarity, best first."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0:
            return []
        result = self._store.query(
            VectorStoreQuery(query_embedding=list(map(float, embedding)), similarity_top_k=k)
        )
        ids = result.ids or []
        sims = result.similarities or []
        # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
        import math

        return [(i, 1.0 + math.log(max(s, 1e-12))) for i, s in zip(ids, sims, strict=False)]
