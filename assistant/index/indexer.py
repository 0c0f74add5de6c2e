"""`assistant reindex`: bring the index in step with the corpus, incrementally and safely.

Each reindex that changes anything writes a new generation — a chunk table
(`chunks-GEN.sqlite3`) and a vector store (`stores/GEN/`) — that nothing reads yet: both start
as copies of the current generation (Chroma writes to a store it only reads, so a copied
store is checked afresh before it is committed) and are then changed only where corpus files
changed: chunks of changed and removed files are
deleted, new chunks are added, and only those are embedded. Then the manifest naming the new
generation is swapped in atomically (the commit point), and generations older than the
previous one are deleted. So a reindex killed at any point, even `kill -9` in the middle of a
Chroma write, leaves the previous index answering. A reindex that changes nothing writes
nothing, and decides so without opening Chroma. What cannot be copied (a damaged table or
store, a Chroma server) is rebuilt: chunks from the corpus, vectors by embedding again.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.config.remote import chroma_server
from assistant.embed.minilm import MiniLMEmbedder, identity, local_class
from assistant.errors import AssistantError, ConfigError, CorpusError, IndexMissingError
from assistant.index.chunking import ChunkingParams, chunk_text
from assistant.index.chunkstore import ChunkStore
from assistant.index.corpus import Candidate, list_candidates, read_document, text_too_large
from assistant.index.lock import index_lock
from assistant.index.manifest import (
    DAMAGED,
    FileEntry,
    Manifest,
    Skipped,
    chunk_table_name,
    marked_damaged,
    read_manifest,
    write_manifest,
)
from assistant.index.store import STORES_DIR, new_store_name
from assistant.readers import cache, has_chrome
from assistant.types import Chunk, ReindexSummary

Progress = Callable[[str, int, int], None]
EMBED_BATCH = 64
ADD_BATCH = 512


@dataclass
class _Plan:
    keep: dict[str, FileEntry]
    todo: list[Candidate]
    removed: list[str]
    previous: dict[str, FileEntry]
    still_skipped: dict[str, Skipped]


def reindex(
    settings: Settings,
    progress: Progress | None = None,
    wait: float = 30.0,
    on_message: Callable[[str], None] | None = None,
) -> ReindexSummary:
    """Reindex settings.corpus into settings.index; returns what was done."""
    started = time.perf_counter()
    chroma_server(settings)  # a bad URL, token file or CA bundle fails before any work
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
        raise CorpusError(
            f"corpus folder {settings.corpus} has no files",
            "add text, Markdown, PDF, HTML or .docx files",
        )
    remote_embedder = _remote_embedder(settings)  # checks the server has the model, first
    in_process = local_class(settings.embedder)  # None for an Ollama embedder
    embedder = identity(remote_embedder or in_process)
    old = _usable_manifest(settings.index, params, on_message, embedder)
    plan = _plan(old, candidates, settings.index)
    summary = ReindexSummary(
        skipped=list(skipped), removed=plan.removed, embedder=str(embedder["name"])
    )
    summary.skipped += [(name, entry.reason) for name, entry in plan.still_skipped.items()]
    whole = old is not None and _looks_whole(settings, old)
    if old is not None and whole and not plan.todo and not plan.removed:
        summary.unchanged = sorted(plan.keep)
        summary.chunks_total = old.chunk_count()
        return summary  # nothing changed: the index stays as it is, nothing is written
    source = _open_table(settings, old, on_message)
    if source is None and plan.keep:  # the unchanged files' chunks must be read again
        plan = _plan(old, candidates, settings.index, reread=True)
    new_chunks, new_entries, new_skips, titles = _read_and_chunk(
        settings, plan, params, summary, progress
    )
    files = {**plan.keep, **new_entries}
    skips = {**plan.still_skipped, **new_skips}
    summary.unchanged = sorted(
        name
        for name, entry in files.items()
        if name in plan.previous and entry.sha256 == plan.previous[name].sha256
    )
    if not files:
        raise CorpusError(
            _nothing_usable(settings.corpus, summary.skipped),
            "add text, Markdown, PDF, HTML or .docx files",
        )
    summary.chunks_total = sum(entry.chunks for entry in files.values())
    if (
        old is not None
        and whole
        and _same_content(files, old.files)
        and source is not None
        and source.holds([chunk.chunk_id for chunk in new_chunks])
    ):
        source.close()
        if files != old.files or skips != old.skipped:  # touched files, newly skipped ones
            _commit(settings, params, files, skips, (old.chunk_table, old.store), embedder)
        return summary
    # Embedding (native code, off the GIL) starts now and runs while the chunk table is
    # written and Chroma is loaded and opened.
    known = source.ids() if source is not None else set()
    fresh = [c for c in new_chunks if c.chunk_id not in known]
    with _Embedding(fresh, progress, remote_embedder or in_process) as embedded:
        generation = new_store_name()
        table = _new_table(settings, generation, source, plan, new_chunks, titles)
        try:
            store = _vector_store(settings, old, table, generation, embedded, summary, on_message)
            table.finish()
        except BaseException:
            table.close()
            raise
    manifest = _commit(
        settings, params, files, skips, (chunk_table_name(generation), store), embedder
    )
    _collect_garbage(settings, manifest, old)
    return summary


def _same_content(files: dict[str, FileEntry], before: dict[str, FileEntry]) -> bool:
    """The same files with the same bytes. Their chunks are the same only if they were read
    the same way too: the caller also checks the table holds the chunks read again."""
    return {n: e.sha256 for n, e in files.items()} == {n: e.sha256 for n, e in before.items()}


def _nothing_usable(corpus: Path, skipped: list[tuple[str, str]]) -> str:
    shown = "; ".join(f"{name}: {reason}" for name, reason in skipped[:3])
    more = f" and {len(skipped) - 3} more" if len(skipped) > 3 else ""
    return f"no file in {corpus} has usable text ({shown}{more}); the index was left as it was"


def _remote_embedder(settings: Settings) -> Any:
    """The Ollama embedder the settings name, resolved (digest, dimensions); None for the
    local one, which is loaded only when there is something to embed."""
    from assistant.embed.ollama import embedder_for, ollama_model

    if not ollama_model(settings.embedder):
        return None
    return embedder_for(settings, settings.embedder, MiniLMEmbedder).resolve()


def _usable_manifest(
    index_dir: Path,
    params: ChunkingParams,
    on_message: Callable[[str], None],
    embedder: dict[str, Any],
) -> Manifest | None:
    try:
        manifest = read_manifest(index_dir)
    except IndexMissingError as exc:
        on_message(f"{exc.message}; rebuilding from scratch")
        return None
    if manifest and manifest.chunking != params.to_json():
        on_message("chunking settings changed; rebuilding every file")
        return None
    if manifest and _changed_embedder(manifest.embedder, embedder):
        on_message(
            f"embedder changed ({manifest.embedder.get('name')} → {embedder['name']}); "
            "rebuilding every file"
        )
        return None
    return manifest


def _changed_embedder(before: dict[str, Any], now: dict[str, Any]) -> bool:
    """Another model, or the same name with other weights (a re-pulled Ollama model)."""
    same = ("model_sha256", "dimensions") if before.get("name") == now["name"] else ()
    return not same or any(before.get(key) != now[key] for key in same)


def _plan(
    old: Manifest | None, candidates: list[Candidate], index_dir: Path, reread: bool = False
) -> _Plan:
    """Which files keep their chunks (same size and mtime, and for a document its extracted
    text kept), which are read, which are gone, and which were found unusable before and
    have not changed since. `reread`: every file is read again."""
    previous = old.files if old else {}
    skipped_before = old.skipped if old else {}
    keep: dict[str, FileEntry] = {}
    still_skipped: dict[str, Skipped] = {}
    todo: list[Candidate] = []
    for cand in candidates:
        entry = previous.get(cand.name)
        skip = skipped_before.get(cand.name)
        if reread:
            todo.append(cand)
        elif (
            entry
            and (entry.size, entry.mtime_ns) == (cand.size, cand.mtime_ns)
            and cache.is_kept(index_dir, entry.kind, entry.sha256)
        ):
            keep[cand.name] = entry
        elif skip and (skip.size, skip.mtime_ns) == (cand.size, cand.mtime_ns):
            still_skipped[cand.name] = skip
        else:
            todo.append(cand)
    names = {c.name for c in candidates}
    removed = sorted(n for n in previous if n not in names)
    return _Plan(keep, todo, removed, dict(previous), still_skipped)


def _looks_whole(settings: Settings, manifest: Manifest) -> bool:
    """A cheap check that the current generation is all there and current (no Chroma
    opened): its chunk table opens, holds the manifest's chunk count and keyword terms of
    today's form, its HNSW files are consistent, and
    no answer found it damaged since. Deeper damage is caught when a question loads it."""
    from assistant.index.hnsw_files import store_problem

    if marked_damaged(settings.index) == manifest.store:
        return False
    try:
        table = ChunkStore.open(settings.index / manifest.chunk_table)
        whole = table.count() == manifest.chunk_count() and table.terms_current()
        table.close()
    except IndexMissingError:
        return False
    if settings.chroma_url:
        return whole
    store = settings.index / STORES_DIR / manifest.store
    return whole and store.is_dir() and not store_problem(store)


def _open_table(
    settings: Settings, old: Manifest | None, on_message: Callable[[str], None]
) -> ChunkStore | None:
    """The current chunk table, if it can be built upon."""
    if old is None:
        return None
    try:
        table = ChunkStore.open(settings.index / old.chunk_table)
        if not table.terms_current():
            problem = "holds keyword terms of an earlier version (no chunk is embedded again)"
        elif table.files() == {name: entry.chunks for name, entry in old.files.items()}:
            return table
        else:
            problem = "does not match the manifest"
        table.close()
    except IndexMissingError as exc:
        problem = exc.message
    on_message(f"the chunk table {problem}; reading every file again")
    return None


def _read_and_chunk(
    settings: Settings,
    plan: _Plan,
    params: ChunkingParams,
    summary: ReindexSummary,
    progress: Progress,
) -> tuple[list[Chunk], dict[str, FileEntry], dict[str, Skipped], dict[str, str]]:
    """The chunks of the files to read, their manifest entries, the files skipped, and the
    titles documents give themselves (PDF metadata, a web page's <title>)."""
    chunks: list[Chunk] = []
    entries: dict[str, FileEntry] = {}
    skips: dict[str, Skipped] = {}
    titles: dict[str, str] = {}
    for done, cand in enumerate(plan.todo, 1):
        progress("reading", done, len(plan.todo))
        try:
            doc = read_document(settings.corpus, cand.name, settings.index, keep_extracted=True)
        except (OSError, ValueError, CorpusError) as exc:
            summary.skipped.append((cand.name, _reason(exc)))
            if isinstance(exc, ValueError):  # the content is unusable, not the file system
                skips[cand.name] = Skipped(cand.size, cand.mtime_ns, _reason(exc))
            continue
        too_large = text_too_large(doc, settings.max_file_mb)
        if too_large:
            summary.skipped.append((cand.name, too_large))
            skips[cand.name] = Skipped(cand.size, cand.mtime_ns, too_large)
            continue
        clean = has_chrome(doc.kind)
        file_chunks = chunk_text(cand.name, doc.text, doc.sha256, params, clean)
        if not file_chunks:
            summary.skipped.append((cand.name, "no text after cleaning"))
            skips[cand.name] = Skipped(cand.size, cand.mtime_ns, "no text after cleaning")
            continue
        summary.warnings += [(cand.name, warning) for warning in doc.warnings]
        chunks.extend(file_chunks)
        if doc.title:
            titles[cand.name] = doc.title
        entries[cand.name] = FileEntry(
            doc.sha256, cand.size, cand.mtime_ns, len(file_chunks), doc.kind
        )
        before = plan.previous.get(cand.name)
        if before is None:
            summary.added.append(cand.name)
        elif before.sha256 != doc.sha256:
            summary.changed.append(cand.name)
    return chunks, entries, skips, titles


def _reason(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "deleted while reading"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)


def _new_table(
    settings: Settings,
    generation: str,
    source: ChunkStore | None,
    plan: _Plan,
    new_chunks: list[Chunk],
    titles: dict[str, str],
) -> ChunkStore:
    """The new generation's chunk table: the current one minus the files read again or
    removed, plus the new chunks."""
    table = ChunkStore.create(settings.index / chunk_table_name(generation), copy_of=source)
    try:
        if source is not None:
            source.close()
            table.remove_files([*plan.removed, *(c.name for c in plan.todo)])
        table.add(new_chunks, titles)
    except BaseException:
        table.close()
        raise
    return table


def _vector_store(
    settings: Settings,
    old: Manifest | None,
    table: ChunkStore,
    generation: str,
    embedded: _Embedding,
    summary: ReindexSummary,
    on_message: Callable[[str], None],
) -> str:
    """Bring a store to hold the table's chunks and return its name. Embedded: `generation`,
    a copy of the current store's files changed where files changed. On a Chroma server: the
    current collection, to which only the new chunks are added (it may hold more: stale
    vectors are deleted once the new generation is committed, see `_prune_server_store`).
    If neither works, a new store embedded from scratch."""
    from assistant.index.store import ChunkVectors, copy_store, drop_stores

    live = sorted(table.ids())
    server = chroma_server(settings)
    if old is not None:
        try:
            if server is not None:
                target = ChunkVectors(settings.index, server, old.store)
                _update(target, table, live, embedded, summary, prune=False)
                return old.store
            copy_store(settings.index, old.store, generation)
            target = ChunkVectors(settings.index, None, generation)
            _update(target, table, live, embedded, summary)
            return generation
        except ConfigError:  # a refused token or certificate: a new store would fail the same
            raise
        except Exception as exc:  # any failure to reuse: embedding again is always right
            detail = exc.message if isinstance(exc, AssistantError) else f"{exc}"
            on_message(f"could not reuse the current vectors ({detail}); embedding every chunk")
            drop_stores(settings.index, server, keep={old.store})
    fresh = new_store_name()
    target = ChunkVectors(settings.index, server, fresh, create=True)
    _update(target, table, live, embedded, summary)
    return fresh


def _update(
    target: Any,
    table: ChunkStore,
    live: list[str],
    embedded: _Embedding,
    summary: ReindexSummary,
    prune: bool = True,
) -> None:
    """Make `target` hold the vectors of the chunks `live` (and, with `prune`, only those):
    add the missing ones, then check the result answers for itself."""
    present = target.ids()
    if prune:
        target.delete(sorted(present.difference(live)))
    missing = table.chunks([chunk_id for chunk_id in live if chunk_id not in present])
    pending: tuple[list[Chunk], list[Any]] = ([], [])
    for batch, vectors in embedded.as_ready(missing):  # stored while the rest is embedded
        pending[0].extend(batch)
        pending[1].extend(vectors)
        if len(pending[0]) >= ADD_BATCH:  # few big adds: each costs Chroma a transaction
            target.add(*pending)
            pending = ([], [])
    if pending[0]:
        target.add(*pending)
    summary.chunks_embedded = len(missing)
    expected = len(live) if prune else len(present | set(live))
    if target.count() != expected:
        raise IndexMissingError(
            f"the new vector store holds {target.count()} vectors, expected {expected}",
            "run `assistant reindex` again; the previous index is still in use",
        )
    target.check_as_reader(table.probe_ids())  # a torn copy: embedded again, not committed


class _Embedding:
    """Embeds chunks in a background thread from the moment it is created; `as_ready()`
    hands out the vectors of the chunks asked for, batch by batch as they are done, and
    embeds on the spot any chunk it was not given."""

    def __init__(
        self, chunks: list[Chunk], progress: Progress, embedder: Any = MiniLMEmbedder
    ) -> None:
        """`embedder`: the Ollama embedder, or the class of an in-process one (loaded when
        there is something to embed)."""
        self._progress = progress
        self._embedder: Any = embedder
        self._ready: queue.Queue[list[Chunk] | None] = queue.Queue()
        self._vectors: dict[str, Any] = {}
        self._handed_out = False
        self._stop = False
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="reindex-embed")
        # Shortest first, so that each batch pads its texts to similar lengths.
        ordered = sorted(chunks, key=lambda c: len(c.text))
        self._job = self._pool.submit(self._embed_all, ordered) if chunks else None

    def __enter__(self) -> _Embedding:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _model(self) -> Any:
        if isinstance(self._embedder, type):
            self._embedder = self._embedder()
        return self._embedder

    def _embed_all(self, chunks: list[Chunk]) -> None:
        try:
            step = max(EMBED_BATCH, getattr(self._model(), "batch_hint", EMBED_BATCH))
            for begin in range(0, len(chunks), step):
                if self._stop:
                    return
                batch = chunks[begin : begin + step]
                vectors = self._model().embed([c.text for c in batch])
                self._vectors.update(zip((c.chunk_id for c in batch), vectors, strict=True))
                self._ready.put(batch)
                self._progress("embedding", min(begin + step, len(chunks)), len(chunks))
        finally:
            self._ready.put(None)

    def as_ready(self, chunks: list[Chunk]) -> Iterator[tuple[list[Chunk], list[Any]]]:
        """(chunks, their vectors) for every chunk of `chunks`, in batches."""
        wanted = {c.chunk_id: c for c in chunks}
        if self._job is not None and not self._handed_out:
            self._handed_out = True  # a second call (after a failed store) just waits
            while (done := self._ready.get()) is not None:
                batch = [wanted.pop(c.chunk_id) for c in done if c.chunk_id in wanted]
                if batch:
                    yield batch, [self._vectors[c.chunk_id] for c in batch]
        if self._job is not None:
            self._job.result()  # waits; re-raises a failure of the background embedding
        others = [c for c in wanted.values() if c.chunk_id not in self._vectors]
        if others:
            self._embed_all(others)
        rest = list(wanted.values())
        for begin in range(0, len(rest), EMBED_BATCH * 8):
            batch = rest[begin : begin + EMBED_BATCH * 8]
            yield batch, [self._vectors[c.chunk_id] for c in batch]


def _commit(
    settings: Settings,
    params: ChunkingParams,
    files: dict[str, FileEntry],
    skipped: dict[str, Skipped],
    generation: tuple[str, str],
    embedder: dict[str, Any],
) -> Manifest:
    chunk_table, store = generation
    manifest = Manifest(
        chunking=params.to_json(),
        files=dict(sorted(files.items())),
        chunk_table=chunk_table,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        corpus=str(settings.corpus.resolve()),
        store=store,
        skipped=dict(sorted(skipped.items())),
        embedder=embedder,
    )
    write_manifest(settings.index, manifest)
    (settings.index / DAMAGED).unlink(missing_ok=True)
    return manifest


def _collect_garbage(settings: Settings, manifest: Manifest, old: Manifest | None) -> None:
    """Delete generations older than the previous one (which a reader that started before
    the commit may still be using), and leftovers of killed reindexes."""
    from assistant.index.store import drop_stores

    keep = [manifest] + ([old] if old else [])
    drop_stores(settings.index, chroma_server(settings), {m.store for m in keep})
    if settings.chroma_url:
        _prune_server_store(settings, keep)
    cache.drop_unused(settings.index, {f.sha256 for m in keep for f in m.files.values()})
    tables = {m.chunk_table for m in keep}
    for table in settings.index.glob("chunks-*.sqlite3"):
        if table.name not in tables:
            table.unlink(missing_ok=True)


def _prune_server_store(settings: Settings, keep: list[Manifest]) -> None:
    """Delete from the server collection the vectors of chunks that neither the new nor the
    previous generation lists. A failure leaves them for the next reindex to delete."""
    from assistant.index.store import ChunkVectors

    wanted: set[str] = set()
    try:
        for manifest in keep:
            table = ChunkStore.open(settings.index / manifest.chunk_table)
            wanted |= table.ids()
            table.close()
        store = ChunkVectors(settings.index, chroma_server(settings), keep[0].store)
        store.delete(sorted(store.ids() - wanted))
    except Exception:  # the server went away, or the table: clean up next time
        return
