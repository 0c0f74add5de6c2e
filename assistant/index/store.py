"""The Chroma adapter: vectors of chunks in a Chroma collection, through LlamaIndex.

The only module that imports chromadb or LlamaIndex's Chroma store. Embedded by default
(`PersistentClient` in `INDEX/stores/NAME`); a Chroma server when `chroma_url` is set (one
collection per store name; its token and CA bundle come from `assistant.config.remote`).
Telemetry is always off.

Each reindex that changes anything writes a new store (a "generation") and never touches the
one the manifest names, so a reindex killed at any point — even in the middle of a Chroma
write — cannot damage the index that is answering. Any failure inside Chroma while opening or
reading a store is reported as `IndexMissingError` with the reindex hint.
"""

from __future__ import annotations

import hashlib
import math
import re
import shutil
import time
import warnings
from collections.abc import Iterable, Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

from assistant.config.remote import Endpoint, remote_failure
from assistant.errors import REINDEX_HINT, AssistantError, IndexMissingError
from assistant.index.hnsw_files import store_problem
from assistant.types import Chunk

STORES_DIR = "stores"
COLLECTION = "chunks"
ADD_BATCH = 1000
_STORE_NAME = re.compile(r"^g[0-9a-f]{8,32}$")


def new_store_name() -> str:
    """A fresh, unique store name for the next generation."""
    return f"g{time.time_ns():x}"


def valid_store_name(name: str) -> bool:
    """Store names come from the manifest: only our own pattern is accepted (no paths)."""
    return bool(_STORE_NAME.match(name))


def _client(index_dir: Path, server: Endpoint | None, store: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if server is not None:
        if server.https:
            chroma_settings.chroma_server_ssl_verify = server.verify
        try:
            with warnings.catch_warnings():  # chromadb hands the CA bundle path to httpx as is
                warnings.filterwarnings("ignore", "`verify=<str>`", DeprecationWarning)
                return chromadb.HttpClient(
                    host=server.host,
                    port=server.port,
                    ssl=server.https,
                    headers=dict(server.headers),
                    settings=chroma_settings,
                )
        except Exception as exc:
            raise _server_error(server, exc) from None
    path = index_dir / STORES_DIR / store
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _server_error(server: Endpoint, exc: BaseException) -> AssistantError:
    """A refused token or an untrusted certificate names its setting; anything else is an
    unreachable server."""
    problem = remote_failure(exc, server, "Chroma server")
    if problem is not None:
        return problem
    return AssistantError(
        f"Chroma server at {server.url} is not reachable ({type(exc).__name__})",
        "start it with `chroma run --path DIR --port PORT`, or drop --chroma-url",
    )


def _collection_name(index_dir: Path, server: Endpoint | None, store: str) -> str:
    if server is None:
        return COLLECTION
    return f"{_server_prefix(index_dir)}{store}"


def _server_prefix(index_dir: Path) -> str:
    """Collections of one index folder on a shared Chroma server start with this."""
    return f"assistant-{hashlib.sha256(str(index_dir.resolve()).encode()).hexdigest()[:10]}-"


def _damaged(
    index_dir: Path, cause: BaseException | str, what: str = "missing or unreadable"
) -> Any:
    detail = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
    detail = detail.splitlines()[0][:160]
    return IndexMissingError(f"the vector store in {index_dir} is {what} ({detail})", REINDEX_HINT)


class ChunkVectors:
    """Chunk vectors in one Chroma store (generation), keyed by chunk id."""

    def __init__(
        self,
        index_dir: Path,
        server: Endpoint | None = None,
        store: str = "",
        create: bool = False,
    ) -> None:
        if not valid_store_name(store):
            raise IndexMissingError(f"the index in {index_dir} names no vector store", REINDEX_HINT)
        if not create and server is None and not (index_dir / STORES_DIR / store).is_dir():
            raise IndexMissingError(
                f"the vector store {store} in {index_dir} is missing", REINDEX_HINT
            )
        if not create and server is None:
            # Chroma's native reader can crash the process on truncated HNSW files.
            problem = store_problem(index_dir / STORES_DIR / store)
            if problem:
                raise _damaged(index_dir, problem, "damaged")
        self.index_dir = index_dir
        self.store = store
        self._server = server
        name = _collection_name(index_dir, server, store)
        try:
            self._client = _client(index_dir, server, store)
            if create:
                collection = self._client.get_or_create_collection(
                    name, metadata={"hnsw:space": "cosine"}, embedding_function=None
                )
            else:
                collection = self._client.get_collection(name, embedding_function=None)
            self._count = int(collection.count())
        except AssistantError:
            raise
        except Exception as exc:
            refused = remote_failure(exc, server, "Chroma server") if server else None
            if refused is not None:
                raise refused from None
            if create:
                raise AssistantError(
                    f"cannot create the vector store in {index_dir}: {exc}",
                    "check the index folder is writable and has free space",
                ) from exc
            raise _damaged(index_dir, exc) from exc
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self._collection = collection
        self._store = ChromaVectorStore(chroma_collection=collection)

    def add(self, chunks: Sequence[Chunk], embeddings: Any) -> None:
        """Store chunks with their embeddings (a sequence of vectors or a 2-d array)."""
        from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode

        nodes: list[BaseNode] = []
        for chunk, embedding in zip(chunks, embeddings, strict=True):
            node = TextNode(
                id_=chunk.chunk_id,
                text="",  # the text lives once, in the chunk table
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
        self._count += len(nodes)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove these chunks' vectors."""
        ids = list(ids)
        for begin in range(0, len(ids), ADD_BATCH):
            self._collection.delete(ids=ids[begin : begin + ADD_BATCH])
        self._count = int(self._collection.count())

    def check_as_reader(self, ids: Sequence[str]) -> None:
        """`self_check` as another process will read this store once it is committed. An
        embedded store is closed and opened afresh first: Chroma writes to a store it merely
        reads (its SQLite file and HNSW files), so a copy made while a reader had its source
        open can be torn, and a store still open here could be written after the commit."""
        if self._server is not None:
            self.self_check(ids)
            return
        self.close()
        reread = ChunkVectors(self.index_dir, None, self.store)
        try:
            reread.self_check(ids)
        finally:
            reread.close()

    def close(self) -> None:
        """Release this store: the last client of an embedded store stops Chroma's system
        for it, so the next one to open it reads it from disk, as another process would."""
        with suppress(Exception):
            self._client.close()

    def ids(self) -> set[str]:
        try:
            return set(self._collection.get(include=[])["ids"])
        except Exception as exc:
            raise _damaged(self.index_dir, exc) from exc

    def embeddings(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored vectors of `ids` (those present); IndexMissingError if unreadable."""
        found: dict[str, list[float]] = {}
        ids = list(ids)
        try:
            for begin in range(0, len(ids), ADD_BATCH):
                got = self._collection.get(
                    ids=ids[begin : begin + ADD_BATCH], include=["embeddings"]
                )
                for chunk_id, vector in zip(got["ids"], got["embeddings"], strict=True):
                    found[chunk_id] = [float(x) for x in vector]
        except Exception as exc:
            raise _damaged(self.index_dir, exc) from exc
        return found

    def self_check(self, ids: Sequence[str]) -> None:
        """Search for the stored vectors of `ids`; each must find itself (similarity ≈ 1).
        A damaged HNSW segment can otherwise silently drop part of the store from results."""
        vectors = self.embeddings(ids)
        for chunk_id in ids:
            vector = vectors.get(chunk_id)
            best = self.query(vector, 1) if vector is not None else []
            if not best or best[0][1] < 0.999:
                raise _damaged(
                    self.index_dir, f"chunk {chunk_id} is not found by its own vector", "damaged"
                )

    def count(self) -> int:
        return self._count

    def query(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """The k nearest chunk ids with their cosine similarity, best first."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        if k <= 0:
            return []
        try:
            result = self._store.query(
                VectorStoreQuery(query_embedding=list(map(float, embedding)), similarity_top_k=k)
            )
        except Exception as exc:
            raise _damaged(self.index_dir, exc) from exc
        ids = result.ids or []
        if len(ids) < min(k, self._count):
            raise _damaged(
                self.index_dir,
                f"{len(ids)} of {min(k, self._count)} neighbours returned",
                "damaged",
            )
        sims = result.similarities or []
        # ChromaVectorStore reports exp(-distance); with cosine space distance = 1 - cos.
        return [(i, 1.0 + math.log(max(s, 1e-12))) for i, s in zip(ids, sims, strict=False)]


def copy_store(index_dir: Path, source: str, target: str) -> None:
    """Copy the embedded store `source` to a new store `target` (its SQLite database through
    the backup API, a consistent snapshot even while another process reads it; its HNSW files
    as they are, which a reader of `source` may be writing). Raises OSError or sqlite3.Error;
    the caller checks the copy, opened afresh, before trusting it."""
    import sqlite3

    origin = index_dir / STORES_DIR / source
    destination = index_dir / STORES_DIR / target
    if not valid_store_name(target) or destination.exists():
        raise FileExistsError(destination)
    destination.mkdir(parents=True)
    for path in sorted(origin.rglob("*")):
        relative = path.relative_to(origin)
        if path.is_dir():
            (destination / relative).mkdir(exist_ok=True)
        elif path.name.endswith(".sqlite3"):
            with (
                closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src,
                closing(sqlite3.connect(destination / relative)) as dst,
            ):
                src.backup(dst)
        elif not path.name.endswith(("-wal", "-shm", "-journal")):
            shutil.copyfile(path, destination / relative)


def drop_stores(index_dir: Path, server: Endpoint | None, keep: Iterable[str]) -> None:
    """Delete every store of this index folder except `keep` (old generations, leftovers of
    killed reindexes). Failures are ignored: a leftover costs disk space, nothing else."""
    keep = set(keep)
    if server is not None:
        _drop_server_collections(index_dir, server, keep)
        return
    root = index_dir / STORES_DIR
    if not root.is_dir():
        return
    for path in root.iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def _drop_server_collections(index_dir: Path, server: Endpoint, keep: set[str]) -> None:
    prefix = _server_prefix(index_dir)
    try:
        client = _client(index_dir, server, "")
        for collection in client.list_collections():
            name = getattr(collection, "name", collection)
            if name.startswith(prefix) and name[len(prefix) :] not in keep:
                client.delete_collection(name)
    except Exception:
        return
