"""`assistant reindex`: bring the index in step with the corpus, incrementally and safely.

Order of work, so that a reindex killed at any point (even `kill -9` in the middle of a Chroma
write) leaves the previous index answering: the vectors go into a new store (a generation)
that nothing reads yet — vectors of unchanged files are copied from the current store, new
chunks are embedded — then the chunk table and the manifest naming the new store are swapped
in atomically (the commit point), and only then are stores and chunk tables older than the
previous generation deleted. A reindex that changes nothing writes nothing. If the current
store cannot be read, its chunks are embedded again from the chunk table.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from assistant.chunking import ChunkingParams, chunk_text
from assistant.config import Settings
from assistant.corpus import Candidate, list_candidates, read_document
from assistant.embedder import MiniLMEmbedder
from assistant.errors import AssistantError, CorpusError, IndexMissingError
from assistant.lock import index_lock
from assistant.manifest import (
    FileEntry,
    Manifest,
    read_chunk_table,
    read_manifest,
    write_chunk_table,
    write_manifest,
)
from assistant.store import ChunkVectors, drop_stores, new_store_name, probe_ids
from assistant.types import Chunk, ReindexSummary

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64


@dataclass
class _Plan:
    keep: dict[str, FileEntry]
    todo: list[Candidate]
    removed: list[str]
    indexed_before: set[str]


def reindex(
    settings: Settings,
    progress: Progress | None = None,
    wait: float = 30.0,
    on_message: Callable[[str], None] | None = None,
) -> ReindexSummary:
    """Reindex settings.corpus into settings.index; returns what was done."""
    started = time.perf_counter()
    settings.index.mkdir(parents=True, exist_ok=True)
    with index_lock(settings.index, wait, on_message):
        summary = _reindex_locked(settings, progress or _quiet, on_message or _quiet_msg)
    summary.seconds = time.perf_counter() - started
    return summary


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _quiet_msg(message: str) -> None:
    return None


def _reindex_locked(
    settings: Settings, progress: Progress, on_message: Callable[[str], None]
) -> ReindexSummary:
    params = ChunkingParams(settings.chunk_size, settings.chunk_overlap)
    candidates, skipped = list_candidates(settings.corpus, settings.max_file_mb)
    if not candidates and not skipped:
        raise CorpusError(f"corpus folder {settings.corpus} has no files", "add .txt or .md files")
    old, old_chunks = _previous(settings.index, params, on_message)
    plan = _plan(old, candidates, params)
    summary = ReindexSummary(skipped=list(skipped))
    new_chunks, new_entries = _read_and_chunk(settings, plan, params, summary, progress)
    kept_chunks = [c for c in old_chunks if c.file in plan.keep]
    files = {**plan.keep, **new_entries}
    all_chunks = sorted([*kept_chunks, *new_chunks], key=lambda c: (c.file, c.ordinal))
    if not all_chunks:
        raise CorpusError(
            _nothing_usable(settings.corpus, summary.skipped), "add .txt or .md files"
        )
    summary.removed = plan.removed
    summary.unchanged = sorted(plan.keep)
    summary.chunks_total = len(all_chunks)
    if old is not None and files == old.files and _store_is_healthy(settings, old, all_chunks):
        return summary  # nothing changed: the index stays as it is, nothing is written
    store = _vector_store(settings, old, old_chunks, all_chunks, progress, summary, on_message)
    manifest = _commit(settings, params, files, all_chunks, store)
    _collect_garbage(settings, manifest, old)
    return summary


def _nothing_usable(corpus: Path, skipped: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{name}: {reason}" for name, reason in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return f"no file in {corpus} has usable text ({shown}{more}); the index was left as it was"


def _usable_manifest(
    index_dir: Path, params: ChunkingParams, on_message: Callable[[str], None]
) -> Manifest | None:
    try:
        manifest = read_manifest(index_dir)
    except IndexMissingError as exc:
        on_message(f"{exc.message}; rebuilding from scratch")
        return None
    if manifest and manifest.chunking != params.to_json():
        on_message("chunking settings changed; rebuilding every file")
        return None
    if manifest and manifest.embedder.get("model_sha256") != MiniLMEmbedder.model_sha256:
        on_message("embedding model changed; rebuilding every file")
        return None
    return manifest


def _previous(
    index_dir: Path, params: ChunkingParams, on_message: Callable[[str], None]
) -> tuple[Manifest | None, list[Chunk]]:
    """The current manifest and its chunks, or (None, []) when it cannot be built upon."""
    old = _usable_manifest(index_dir, params, on_message)
    if old is None:
        return None, []
    try:
        return old, read_chunk_table(index_dir / old.chunk_table)
    except IndexMissingError as exc:
        on_message(f"{exc.message}; rebuilding from scratch")
        return None, []


def _plan(old: Manifest | None, candidates: list[Candidate], params: ChunkingParams) -> _Plan:
    previous = old.files if old else {}
    keep: dict[str, FileEntry] = {}
    todo: list[Candidate] = []
    for cand in candidates:
        entry = previous.get(cand.name)
        if entry and entry.size == cand.size and entry.mtime_ns == cand.mtime_ns:
            keep[cand.name] = entry
        else:
            todo.append(cand)
    names = {c.name for c in candidates}
    removed = sorted(n for n in previous if n not in names)
    return _Plan(keep, todo, removed, set(previous))


def _read_and_chunk(
    settings: Settings,
    plan: _Plan,
    params: ChunkingParams,
    summary: ReindexSummary,
    progress: Progress,
) -> tuple[list[Chunk], dict[str, FileEntry]]:
    chunks: list[Chunk] = []
    entries: dict[str, FileEntry] = {}
    for done, cand in enumerate(plan.todo, 1):
        progress("reading", done, len(plan.todo))
        try:
            doc = read_document(settings.corpus, cand.name)
        except (OSError, ValueError, CorpusError) as exc:
            summary.skipped.append((cand.name, _reason(exc)))
            continue
        file_chunks = chunk_text(cand.name, doc.text, doc.sha256, params)
        if not file_chunks:
            summary.skipped.append((cand.name, "no text after cleaning"))
            continue
        chunks.extend(file_chunks)
        entries[cand.name] = FileEntry(doc.sha256, cand.size, cand.mtime_ns, len(file_chunks))
        (summary.changed if cand.name in plan.indexed_before else summary.added).append(cand.name)
    return chunks, entries


def _reason(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "deleted while reading"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _store_is_healthy(settings: Settings, manifest: Manifest, chunks: list[Chunk]) -> bool:
    """Does the manifest's store hold exactly these chunks, and answer a query?"""
    try:
        vectors = ChunkVectors(settings.index, settings.chroma_url, manifest.store)
        if vectors.count() != len(chunks):
            return False
        vectors.self_check(probe_ids(chunks))
    except AssistantError:
        return False
    return True


def _vector_store(
    settings: Settings,
    old: Manifest | None,
    old_chunks: list[Chunk],
    chunks: list[Chunk],
    progress: Progress,
    summary: ReindexSummary,
    on_message: Callable[[str], None],
) -> str:
    """The name of a store holding exactly `chunks`: the current one if it already does,
    else a new generation (vectors copied from the current store where it can be read)."""
    live = {c.chunk_id for c in chunks}
    same = old is not None and live == {c.chunk_id for c in old_chunks}
    if old is not None and same and _store_is_healthy(settings, old, chunks):
        return old.store
    name = new_store_name()
    target = ChunkVectors(settings.index, settings.chroma_url, name, create=True)
    copied = _copy_vectors(settings, old, chunks, target, on_message)
    missing = [c for c in chunks if c.chunk_id not in copied]
    _embed_and_store(target, missing, progress)
    summary.chunks_embedded = len(missing)
    if target.count() != len(chunks):
        raise AssistantError(
            f"the new vector store holds {target.count()} vectors for {len(chunks)} chunks",
            "run `assistant reindex` again; the previous index is still in use",
        )
    return name


def _copy_vectors(
    settings: Settings,
    old: Manifest | None,
    chunks: list[Chunk],
    target: ChunkVectors,
    on_message: Callable[[str], None],
) -> set[str]:
    """Copy the vectors the current store already has for `chunks` into `target`."""
    if old is None:
        return set()
    try:
        source = ChunkVectors(settings.index, settings.chroma_url, old.store)
        vectors = source.embeddings([c.chunk_id for c in chunks])
    except AssistantError as exc:
        on_message(f"{exc.message}; embedding its chunks again")
        return set()
    reusable = [c for c in chunks if c.chunk_id in vectors]
    for begin in range(0, len(reusable), EMBED_BATCH * 8):
        batch = reusable[begin : begin + EMBED_BATCH * 8]
        target.add(batch, [vectors[c.chunk_id] for c in batch])
    return {c.chunk_id for c in reusable}


def _embed_and_store(vectors: ChunkVectors, chunks: list[Chunk], progress: Progress) -> None:
    if not chunks:
        return
    embedder = MiniLMEmbedder()
    for begin in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[begin : begin + EMBED_BATCH]
        vectors.add(batch, embedder.embed([c.text for c in batch]))
        progress("embedding", min(begin + EMBED_BATCH, len(chunks)), len(chunks))


def _commit(
    settings: Settings,
    params: ChunkingParams,
    files: dict[str, FileEntry],
    chunks: list[Chunk],
    store: str,
) -> Manifest:
    draft = Manifest(
        chunking=params.to_json(),
        files=dict(sorted(files.items())),
        chunk_table="",
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        corpus=str(settings.corpus.resolve()),
        store=store,
    )
    table = f"chunks-{draft.version}.jsonl"
    write_chunk_table(settings.index / table, chunks)
    manifest = replace(draft, chunk_table=table)
    write_manifest(settings.index, manifest)
    return manifest


def _collect_garbage(settings: Settings, manifest: Manifest, old: Manifest | None) -> None:
    """Delete stores and chunk tables older than the previous generation (which a reader
    that started before the commit may still be using)."""
    keep = [manifest] + ([old] if old else [])
    drop_stores(settings.index, settings.chroma_url, {m.store for m in keep})
    tables = {m.chunk_table for m in keep}
    for table in settings.index.glob("chunks-*.jsonl"):
        if table.name not in tables:
            table.unlink(missing_ok=True)
    legacy = settings.index / "chroma"  # schema 1 kept one store here
    if legacy.is_dir():
        shutil.rmtree(legacy, ignore_errors=True)
