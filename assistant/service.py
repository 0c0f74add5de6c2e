"""The one service behind every shell: `Assistant` owns the index, retriever and answerers.

The CLI, the batch runner and the TUI only call `ask()` / `answer()` / `reindex()` and read
the events; none of them talks to Chroma or Ollama.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from assistant.answer.citations import (
    CANNOT_ANSWER,
    Draft,
    neutralise_quoted_markers,
    verify_draft,
)
from assistant.config import Settings
from assistant.corpus import check_corpus_dir, read_text_or_none, safe_path, sha256_file
from assistant.embedder import EMBEDDER_NAME, CachedEmbedder, MiniLMEmbedder
from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexMissingError,
    InputError,
    OllamaBadOutput,
    OllamaError,
)
from assistant.followup import carry_entities, history_text, needs_context, split_question
from assistant.manifest import (
    MANIFEST,
    REINDEX_HINT,
    FileEntry,
    Manifest,
    mark_damaged,
    read_manifest,
)
from assistant.types import (
    Answer,
    AnswerEvent,
    Backend,
    Done,
    Passage,
    ReindexSummary,
    Status,
    TextDelta,
    Turn,
)
from assistant.verify import FileTexts

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PROBE_TTL_SECONDS = 30.0


def clean_question(question: str) -> tuple[str, list[str]]:
    """The question without control characters, shortened if huge; raises for empty ones."""
    warnings = []
    text = " ".join(_CONTROL.sub(" ", question).split())
    if not text:
        raise InputError("the question is empty", "type a question")
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        warnings.append(f"question shortened to its first {MAX_QUESTION_CHARS} characters")
    return text, warnings


@dataclass
class _Engine:
    manifest: Manifest
    retriever: Any
    embedder: CachedEmbedder
    signature: tuple[int, int, int]


class Assistant:
    """Answers questions over one corpus and index, as configured by `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._probe: tuple[float, str, str] | None = None

    # --- index ---------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        manifest = read_manifest(self.settings.index)
        if manifest is None:
            raise IndexMissingError(f"there is no index in {self.settings.index}", REINDEX_HINT)
        return manifest

    @cached_property
    def _engine(self) -> _Engine:
        signature = manifest_signature(self.settings.index)
        try:
            return self._load_engine(signature)
        except IndexMissingError:
            # A reindex may have committed (and collected the generation just read) in
            # between: then read the new manifest once before giving up.
            latest = manifest_signature(self.settings.index)
            if latest == signature:
                raise
            return self._load_engine(latest)

    def _load_engine(self, signature: tuple[int, int, int]) -> _Engine:
        from assistant.chunkstore import ChunkStore
        from assistant.retrieval import HybridRetriever
        from assistant.store import ChunkVectors

        manifest = self.manifest()
        try:
            chunks = ChunkStore.open(self.settings.index / manifest.chunk_table)
            vectors = ChunkVectors(self.settings.index, self.settings.chroma_url, manifest.store)
            # A Chroma server's collection may also hold the previous generation's vectors.
            short = vectors.count() < chunks.count()
            if short or (vectors.count() != chunks.count() and not self.settings.chroma_url):
                raise IndexMissingError(
                    f"the vector store in {self.settings.index} holds {vectors.count()} "
                    f"vectors for {chunks.count()} chunks",
                    REINDEX_HINT,
                )
            vectors.self_check(chunks.probe_ids())
        except IndexMissingError:
            if manifest_signature(self.settings.index) == signature:
                mark_damaged(self.settings.index, manifest.store)
            raise
        embedder = CachedEmbedder(MiniLMEmbedder())
        retriever = HybridRetriever(chunks, vectors, embedder)
        return _Engine(manifest, retriever, embedder, signature)

    def reload(self) -> None:
        """Forget the loaded index (after a reindex)."""
        self.__dict__.pop("_engine", None)

    def _current_engine(self) -> _Engine:
        """The loaded index, reloaded first if a reindex has committed a new one since."""
        loaded = self.__dict__.get("_engine")
        if loaded is not None and loaded.signature != manifest_signature(self.settings.index):
            self.reload()
        return self._engine

    def reindex(
        self,
        progress: Callable[[str, int, int], None] | None = None,
        on_message: Callable[[str], None] | None = None,
        wait: float = 30.0,
    ) -> ReindexSummary:
        from assistant.indexer import reindex

        summary = reindex(self.settings, progress=progress, wait=wait, on_message=on_message)
        self.reload()
        return summary

    def corpus_changes(self) -> list[str]:
        """Files that differ from what the index was built from ("name: changed")."""
        manifest = self.manifest()
        root = check_corpus_dir(self.settings.corpus)
        changes = []
        for name, entry in manifest.files.items():
            change = file_change(root, name, entry)
            if change:
                changes.append(f"{name}: {change}")
        return changes

    # --- backends ------------------------------------------------------------------------

    def _ollama(self, temperature: float | None = None) -> Any:
        from assistant.ollama_client import OllamaChat

        return OllamaChat(
            host=self.settings.resolved_ollama_host(),
            model=self.settings.model,
            timeout=self.settings.ollama_timeout,
            num_ctx=self.settings.num_ctx,
            temperature=self.settings.temperature if temperature is None else temperature,
        )

    def choose_backend(self, llm: str | None = None) -> tuple[str, str]:
        """("ollama"|"extractive", why). `auto` probes Ollama (cached for a short while)."""
        choice = llm or self.settings.llm
        if choice == "extractive":
            return "extractive", "chosen with --llm extractive"
        if choice == "ollama":
            self._ollama().probe(self.settings.ollama_probe_timeout)
            return "ollama", f"chosen with --llm ollama ({self.settings.model})"
        now = time.monotonic()
        if self._probe and now - self._probe[0] < PROBE_TTL_SECONDS:
            return self._probe[1], self._probe[2]
        try:
            self._ollama().probe(self.settings.ollama_probe_timeout)
            picked = ("ollama", f"auto: Ollama answers at {self.settings.resolved_ollama_host()}")
        except OllamaError as exc:
            picked = ("extractive", f"auto: {exc.message}")
        self._probe = (now, *picked)
        return picked

    # --- answering -----------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        llm: str | None = None,
        question_id: str | None = None,
        temperature: float | None = None,
    ) -> Iterator[AnswerEvent]:
        """Events: status notes, streamed text (Ollama), then Done with the verified answer."""
        started = time.perf_counter()
        text, warnings = clean_question(question)
        engine = self._current_engine()
        kind, reason = self.choose_backend(llm)
        yield Status(f"{kind}: {reason}")
        standalone = yield from self._standalone(text, history, kind, temperature)
        t0 = time.perf_counter()
        passages = engine.retriever.search(standalone, self.settings.top_k)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        draft, kind, reason = yield from self._draft(
            engine, standalone, passages, (kind, reason), llm, temperature, warnings
        )
        generate_ms = (time.perf_counter() - t1) * 1000
        answer = self._finish(
            engine,
            text,
            draft,
            passages,
            kind,
            reason,
            warnings,
            {"retrieve": retrieve_ms, "generate": generate_ms},
            started,
            question_id,
        )
        yield Done(answer)

    def answer(self, question: str, **kwargs: Any) -> Answer:
        """The verified answer, without the streaming events."""
        for event in self.ask(question, **kwargs):
            if isinstance(event, Done):
                return event.answer
        raise AssistantError("the answer stream ended without an answer")

    def _standalone(
        self, question: str, history: Sequence[Turn], kind: str, temperature: float | None
    ) -> Generator[AnswerEvent, None, str]:
        if not history or not needs_context(question):
            return question
        if kind == "ollama":
            from assistant.prompts import render

            prompt = render("condense", history=history_text(history), question=question)
            try:
                rewritten = (
                    "".join(
                        self._ollama(temperature).stream_chat([{"role": "user", "content": prompt}])
                    )
                    .strip()
                    .splitlines()
                )
            except OllamaError as exc:
                yield Status(f"could not rewrite the follow-up with Ollama: {exc.message}")
                rewritten = []
            if rewritten and rewritten[0].strip():
                return rewritten[0].strip()
        return carry_entities(question, history)

    def _draft(
        self,
        engine: _Engine,
        question: str,
        passages: list[Passage],
        backend: tuple[str, str],
        llm: str | None,
        temperature: float | None,
        warnings: list[str],
    ) -> Generator[AnswerEvent, None, tuple[Draft, str, str]]:
        kind, reason = backend
        if kind == "ollama":
            try:
                draft = yield from self._ollama_draft(question, passages, temperature)
                return draft, kind, reason
            except OllamaError as exc:
                if (llm or self.settings.llm) == "ollama":
                    raise
                reason = f"auto: Ollama failed ({exc.message}); answered extractively"
                warnings.append(reason)
                self._probe = None
                yield Status(reason)
                kind = "extractive"
        draft = neutralise_quoted_markers(self._extractive_draft(engine, question, passages))
        return draft, "extractive", reason

    def _extractive_draft(self, engine: _Engine, question: str, passages: list[Passage]) -> Draft:
        """Extractive answer; a conjoined question is answered part by part. Passages found
        for the parts are added to `passages` (they are the retrieved files)."""
        from assistant.answer.extractive import answer_parts, extractive_draft

        parts = split_question(question)
        if len(parts) == 1:
            return extractive_draft(question, passages, engine.retriever.idf)
        found = [engine.retriever.search(part, self.settings.top_k) for part in parts]
        passages.extend(p for part_passages in found for p in part_passages)
        return answer_parts(parts, found, engine.retriever.idf)

    def _ollama_draft(
        self, question: str, passages: list[Passage], temperature: float | None
    ) -> Generator[AnswerEvent, None, Draft]:
        from assistant.answer.llm import answer_prompt, parse_reply, visible_part

        if not passages:
            return Draft("", abstained=True)
        messages = [{"role": "user", "content": answer_prompt(question, passages)}]
        reply = ""
        shown = 0
        for delta in self._ollama(temperature).stream_chat(messages):
            reply += delta
            visible = visible_part(reply)
            if len(visible) > shown:
                yield TextDelta(visible[shown:])
                shown = len(visible)
        draft = parse_reply(reply, passages)
        if not draft.abstained and not draft.quotes:
            raise OllamaBadOutput(
                f"the answer from Ollama ({self.settings.model}) cites no quotes to check "
                "(no QUOTES: section with [n] lines)",
                "retry, try another model with --model, or use --llm extractive",
            )
        return draft

    def _changed(self, manifest: Manifest, names: Sequence[str]) -> list[str]:
        root = self.settings.corpus
        return [
            f"{name} ({change})"
            for name in dict.fromkeys(names)
            if name in manifest.files and (change := file_change(root, name, manifest.files[name]))
        ]

    def _finish(
        self,
        engine: _Engine,
        question: str,
        draft: Draft,
        passages: list[Passage],
        kind: str,
        reason: str,
        warnings: list[str],
        timings: dict[str, float],
        started: float,
        question_id: str | None,
    ) -> Answer:
        manifest = engine.manifest
        texts = FileTexts(
            loader=lambda name: read_text_or_none(self.settings.corpus, name),
            names=manifest.files,
        )
        retrieved = list(dict.fromkeys(p.chunk.file for p in passages))
        verified = verify_draft(draft, texts, retrieved)
        changed = self._changed(manifest, [*retrieved, *(c.file for c in verified.citations)])
        if changed:
            warnings.append(
                f"changed since indexing: {', '.join(changed)}; quotes were checked against "
                "the files as they are now — run `assistant reindex`"
            )
        if verified.dropped_quotes:
            warnings.append(
                f"{verified.dropped_quotes} quote(s) not found in the corpus were dropped"
            )
        if verified.removed_claims:
            warnings.append(f"{verified.removed_claims} unsupported claim(s) removed")
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(
            id=question_id,
            question=question,
            answer=verified.text if not verified.abstained else CANNOT_ANSWER,
            abstained=verified.abstained,
            citations=verified.citations,
            backend=Backend(
                kind,  # type: ignore[arg-type]
                self.settings.model if kind == "ollama" else None,
                EMBEDDER_NAME,
                reason,
            ),
            index={"version": manifest.version, "files": manifest.file_hashes()},
            timings_ms=timings,
            dropped_quotes=verified.dropped_quotes,
            warnings=tuple(warnings),
        )


def file_change(root: Path, name: str, entry: FileEntry) -> str:
    """'' if the corpus file is as indexed, else 'removed' or 'changed'."""
    try:
        path = safe_path(root, name)
        stat = path.stat()
        same_stat = (stat.st_size, stat.st_mtime_ns) == (entry.size, entry.mtime_ns)
        return "" if same_stat or sha256_file(path) == entry.sha256 else "changed"
    except (OSError, CorpusError):
        return "removed"


def manifest_signature(index_dir: Path) -> tuple[int, int, int]:
    """Changes whenever a reindex commits (the manifest is replaced atomically)."""
    try:
        stat = (index_dir / MANIFEST).stat()
    except OSError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)
