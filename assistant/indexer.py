"""`assistant reindex`: bring the index in step with the corpus, incrementally and safely.

Order of work, so that a reindex killed at any point leaves the previous index usable:
new chunks are embedded and added under content-addressed ids, then the chunk table and
the manifest are swapped in atomically (the commit point), and only then are the vectors of
removed or changed files deleted. Readers only trust vectors listed in the chunk table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.chunking import ChunkingParams, chunk_text
from assistant.config import Settings
from assistant.corpus import Candidate, list_candidates, read_document
from assistant.embedder import MiniLMEmbedder
from assistant.errors import CorpusError, IndexMissingError
from assistant.lock import index_lock
from assistant.manifest import (
    FileEntry,
    Manifest,
    read_chunk_table,
    read_manifest,
    write_chunk_table,
    write_manifest,
)
from assistant.store import ChunkVectors
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
    candidates, skipped = list_candidates(settings.corpus)
    if not candidates and not skipped:
        raise CorpusError(f"corpus folder {settings.corpus} has no files", "add .txt or .md files")
    old = _usable_manifest(settings.index, params, on_message)
    old_chunks = _old_chunks(settings.index, old)
    plan = _plan(old, candidates, params)
    summary = ReindexSummary(skipped=list(skipped))
    new_chunks, new_entries = _read_and_chunk(settings, plan, params, summary, progress)
    vectors = ChunkVectors(settings.index, settings.chroma_url, create=True)
    _embed_and_store(vectors, new_chunks, progress, vectors.ids())
    summary.chunks_embedded = len(new_chunks)
    kept_chunks = [c for c in old_chunks if c.file in plan.keep]
    files = {**plan.keep, **new_entries}
    all_chunks = sorted([*kept_chunks, *new_chunks], key=lambda c: (c.file, c.ordinal))
    manifest = _commit(settings, params, files, all_chunks, old)
    _collect_garbage(settings.index, vectors, all_chunks, manifest)
    summary.removed = plan.removed
    summary.unchanged = sorted(plan.keep)
    summary.chunks_total = len(all_chunks)
    return summary


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


def _old_chunks(index_dir: Path, manifest: Manifest | None) -> list[Chunk]:
    if manifest is None:
        return []
    try:
        return read_chunk_table(index_dir / manifest.chunk_table)
    except IndexMissingError:
        return []


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


def _embed_and_store(
    vectors: ChunkVectors, chunks: list[Chunk], progress: Progress, present: set[str]
) -> None:
    missing = [c for c in chunks if c.chunk_id not in present]
    if not missing:
        return
    embedder = MiniLMEmbedder()
    for begin in range(0, len(missing), EMBED_BATCH):
        batch = missing[begin : begin + EMBED_BATCH]
        vectors.add(batch, embedder.embed([c.text for c in batch]))
        progress("embedding", min(begin + EMBED_BATCH, len(missing)), len(missing))


def _commit(
    settings: Settings,
    params: ChunkingParams,
    files: dict[str, FileEntry],
    chunks: list[Chunk],
    old: Manifest | None,
) -> Manifest:
    draft = Manifest(
        chunking=params.to_json(),
        files=dict(sorted(files.items())),
        chunk_table="",
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        corpus=str(settings.corpus.resolve()),
    )
    table = f"chunks-{draft.version}.jsonl"
    write_chunk_table(settings.index / table, chunks)
    manifest = Manifest(
        chunking=draft.chunking,
        files=draft.files,
        chunk_table=table,
        built_at=draft.built_at,
        corpus=draft.corpus,
    )
    write_manifest(settings.index, manifest)
    return manifest


def _collect_garbage(
    index_dir: Path, vectors: ChunkVectors, chunks: list[Chunk], manifest: Manifest
) -> None:
    live = {c.chunk_id for c in chunks}
    stale = [i for i in vectors.ids() if i not in live]
    if stale:
        vectors.delete(stale)
    for table in index_dir.glob("chunks-*.jsonl"):
        if table.name != manifest.chunk_table:
            table.unlink(missing_ok=True)
