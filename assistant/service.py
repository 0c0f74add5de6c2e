"""The one service behind every shell: `Assistant` owns the index, retriever and answerers.

The CLI, the batch runner and the TUI only call `ask()` / `answer()` / `reindex()` and read
the events; none of them talks to Chroma or Ollama.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence, Set
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answer.citations import (
    CANNOT_ANSWER,
    Draft,
    Judge,
    neutralise_quoted_markers,
    place_of,
    verify_draft,
)
from assistant.answer.support import says_what_is_asked
from assistant.answer.terms import unheld
from assistant.config import Settings
from assistant.corpus import (
    Document,
    check_corpus_dir,
    read_document_or_none,
    safe_path,
    sha256_file,
)
from assistant.embedder import EMBEDDER_NAME, CachedEmbedder, MiniLMEmbedder
from assistant.errors import (
    REINDEX_HINT,
    AssistantError,
    ConfigError,
    CorpusError,
    IndexMissingError,
    InputError,
    OllamaError,
    OllamaSettingsError,
)
from assistant.followup import carry_entities, history_text, needs_context, split_question
from assistant.manifest import (
    MANIFEST,
    FileEntry,
    Manifest,
    mark_damaged,
    read_manifest,
)
from assistant.readers.base import section_path
from assistant.readers.pages import page_of
from assistant.textnorm import terms
from assistant.types import (
    Answer,
    AnswerEvent,
    Backend,
    Citation,
    Done,
    Passage,
    ReindexSummary,
    Status,
    TextDelta,
    Turn,
)
from assistant.verify import FileTexts, FindFiles, full_text_candidates

CONDENSE_TOKENS = 80  # a rewritten follow-up question is one line

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PROBE_TTL_SECONDS = 30.0
RELEVANCE_WEIGHT = 0.5  # closeness and question terms, beside the selector's score, for the prompt


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

    def similarity(self, question: str, sentences: list[str]) -> list[float]:
        vectors = self.embedder.embed([question, *sentences])
        return [float(x) for x in vectors[1:] @ vectors[0]]

    def relevance(
        self, question: str, passages: Sequence[Passage], parts: Sequence[str] = ()
    ) -> Callable[[list[str]], list[float]]:
        """Scores sentences for the prompt: the extractive selector's score (how well the
        sentence answers; for a conjoined question, its best over the `parts`), plus half of
        semantic closeness and the share of the question's term weight (rarer terms weigh
        more) that the sentence holds."""
        from assistant.answer.selector import sentence_scores

        answering: dict[str, float] = {}
        for part in parts or [question]:
            for key, value in sentence_scores(part, passages, self.retriever.idf).items():
                answering[key] = max(answering.get(key, value), value)
        floor = min(answering.values(), default=0.0)
        weights = {t: self.retriever.idf(t) for t in set(terms(question))}
        total = sum(weights.values()) or 1.0

        def score(sentences: list[str]) -> list[float]:
            close = self.similarity(question, sentences)
            return [
                answering.get(" ".join(s.split()), floor)
                + RELEVANCE_WEIGHT * (c + sum(weights.get(t, 0.0) for t in set(terms(s))) / total)
                for c, s in zip(close, sentences, strict=True)
            ]

        return score


class Assistant:
    """Answers questions over one corpus and index, as configured by `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._probe: tuple[float, str, str] | None = None
        self._load_lock = threading.RLock()
        self._chat: Any = None
        self._reply_format: str | None = None

    def close(self) -> None:
        """Release the Ollama connection pool (the index needs no closing)."""
        with self._load_lock:
            chat, self._chat = self._chat, None
        if chat is not None:
            chat.close()

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- index ---------------------------------------------------------------------------

    def manifest(self) -> Manifest:
        manifest = read_manifest(self.settings.index)
        if manifest is None:
            raise IndexMissingError(f"there is no index in {self.settings.index}", REINDEX_HINT)
        return manifest

    @property
    def _engine(self) -> _Engine:
        """The loaded index; loaded once, under a lock (batch workers ask from threads)."""
        with self._load_lock:
            engine = self.__dict__.get("_loaded_engine")
            if engine is None:
                engine = self._load_current()
                self.__dict__["_loaded_engine"] = engine
            return engine

    def _load_current(self) -> _Engine:
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
        from assistant.remote import chroma_server
        from assistant.retrieval import HybridRetriever
        from assistant.store import ChunkVectors

        manifest = self.manifest()
        try:
            chunks = ChunkStore.open(self.settings.index / manifest.chunk_table)
            server = chroma_server(self.settings)
            vectors = ChunkVectors(self.settings.index, server, manifest.store)
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
        retriever = HybridRetriever(chunks, vectors, self._query_embedder(manifest, embedder))
        return _Engine(manifest, retriever, embedder, signature)

    def _query_embedder(self, manifest: Manifest, local: CachedEmbedder) -> CachedEmbedder:
        """Questions are embedded by the model that embedded the index: on an Ollama server
        that is one round trip per new question. Scoring sentences against the question
        (extractive answers, the LLM's prompt) compares like with like, so it stays local."""
        from assistant.ollama_embed import embedder_for, ollama_model, same_as_local

        built_with = str(manifest.embedder.get("name", ""))
        if ollama_model(built_with) != ollama_model(self.settings.embedder):
            raise IndexMissingError(
                f"the index in {self.settings.index} was embedded by {built_with}, "
                f"but the embedder setting is {self.settings.embedder}",
                f'set embedder = "{built_with if ollama_model(built_with) else "local"}" '
                "(ASSISTANT_EMBEDDER), or run `assistant reindex` to rebuild with the new one",
            )
        if not ollama_model(built_with):
            return local
        if self.settings.query_embedder == "local":
            if not same_as_local(built_with):
                raise ConfigError(
                    f"query_embedder = local needs an index embedded by all-MiniLM-L6-v2; "
                    f"this one was embedded by {built_with}",
                    'set query_embedder = "index"',
                )
            return local  # measured: int8 vs fp16 cosine ≥ 0.999, same top 6 (README)
        dimensions = int(manifest.embedder.get("dimensions") or 0)
        remote = embedder_for(self.settings, built_with, MiniLMEmbedder).resolve(dimensions)
        if remote.model_sha256 != manifest.embedder.get("model_sha256"):
            raise IndexMissingError(
                f"the model {built_with} on the Ollama server is not the one that embedded "
                f"the index (digest {remote.model_sha256[:12]}…, the index has "
                f"{str(manifest.embedder.get('model_sha256'))[:12]}…)",
                REINDEX_HINT,
            )
        return CachedEmbedder(remote)

    def reload(self) -> None:
        """Forget the loaded index (after a reindex)."""
        with self._load_lock:
            self.__dict__.pop("_loaded_engine", None)

    def _current_engine(self) -> _Engine:
        """The loaded index, reloaded first if a reindex has committed a new one since."""
        with self._load_lock:
            loaded = self.__dict__.get("_loaded_engine")
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

    def _judge(self, timings: dict[str, float]) -> Judge | None:
        """With `verify = "terms+model"`, the model asked of each sentence the term check
        passes whether its quotes say it (`answer/judge.py`); the calls and their time go in
        `timings` ("judged", "judge" ms). A failed call is no verdict: the sentence stays."""
        if self.settings.verify != "terms+model":
            return None
        from assistant.answer.judge import JUDGE_PREDICT, judge_prompt, judge_schema, read_verdict

        def judge(claim: str, evidence: list[str]) -> bool | None:
            started = time.perf_counter()
            messages = [{"role": "user", "content": judge_prompt(claim, evidence)}]
            try:
                reply = "".join(
                    self._ollama().stream_chat(
                        messages, temperature=0.0, format=judge_schema(), num_predict=JUDGE_PREDICT
                    )
                )
            except OllamaError:
                reply = ""
            timings["judged"] = timings.get("judged", 0) + 1
            timings["judge"] = timings.get("judge", 0.0) + (time.perf_counter() - started) * 1000
            return read_verdict(reply)

        return judge

    def _ollama(self) -> Any:
        """The one Ollama client of this assistant (closed by `close()`)."""
        from assistant.ollama_client import OllamaChat
        from assistant.remote import ollama_server

        with self._load_lock:
            if self._chat is None:
                try:
                    server = ollama_server(self.settings)
                except ConfigError as exc:  # `auto` falls back with the reason
                    raise OllamaSettingsError(exc.message, exc.hint) from None
                self._chat = OllamaChat(
                    host=server.url,
                    model=self.settings.model,
                    timeout=self.settings.ollama_timeout,
                    num_ctx=self.settings.num_ctx,
                    temperature=self.settings.temperature,
                    headers=server.headers,
                    verify=server.verify,
                )
            return self._chat

    def reply_format(self) -> str:
        """ "json" when the Ollama server constrains replies to a schema (≥ 0.5), else "text"."""
        if self.settings.reply_format != "auto":
            return self.settings.reply_format
        if self._reply_format is None:
            version = self._ollama().version(self.settings.ollama_probe_timeout)
            self._reply_format = "json" if supports_schemas(version) else "text"
        return self._reply_format

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
        timings = {"retrieve": (time.perf_counter() - t0) * 1000}
        t1 = time.perf_counter()
        draft, kind, reason = yield from self._draft(
            engine, standalone, passages, (kind, reason), llm, temperature, warnings, timings
        )
        answer = self._finish(
            engine, standalone, draft, passages, (kind, reason), warnings, timings
        )
        if kind == "extractive":
            answer = self._next_best(engine, standalone, draft, answer, passages, timings)
        if answer.abstained and kind == "ollama" and not draft.abstained:
            answer = yield from self._when_nothing_survived(
                engine, standalone, passages, answer, llm, warnings, timings
            )
        timings["generate"] = (time.perf_counter() - t1) * 1000
        answer = replace(answer, timings_ms=dict(timings))
        total = (time.perf_counter() - started) * 1000
        yield Done(
            replace(answer, question=text, id=question_id, timings_ms={**timings, "total": total})
        )

    def _when_nothing_survived(
        self,
        engine: _Engine,
        question: str,
        passages: list[Passage],
        answer: Answer,
        llm: str | None,
        warnings: list[str],
        timings: dict[str, float],
    ) -> Generator[AnswerEvent, None, Answer]:
        """Ollama answered, but no sentence of it survived verification: in `auto`, the
        extractive answer, with the reason; with --llm ollama, the abstention. Words of the
        question that the model's sentences said and their quotes did not ("Which Mexican
        cartel …" answered over a quote without "Mexican") are what the documents were not
        found to say: the extractive answer stands only if its own quotes say them, else the
        model's abstention does."""
        why = "no sentence of Ollama's answer was backed by its quotes"
        if (llm or self.settings.llm) != "auto":
            return replace(answer, warnings=(*answer.warnings, why))
        reason = f"auto: {why}; answered extractively"
        yield Status(reason)
        draft = neutralise_quoted_markers(self._extractive_draft(engine, question, passages))
        fallback = self._finish(
            engine, question, draft, passages, ("extractive", reason), [*warnings, reason], timings
        )
        fallback = self._next_best(engine, question, draft, fallback, passages, timings)
        not_asked = unheld(answer.unbacked, [question])
        wanted = [term for term in answer.unbacked if term not in not_asked]
        missing = unheld(wanted, self._evidence(engine, fallback)) if not fallback.abstained else ()
        if missing:
            note = (
                f"auto: the extractive answer was not shown either: its quotes do not say "
                f"{', '.join(missing)}, which the question asks about"
            )
            return replace(answer, warnings=(*answer.warnings, why, note))
        return replace(
            fallback,
            unsupported_sentences=answer.unsupported_sentences,
            removed_why=answer.removed_why,
        )

    def _evidence(self, engine: _Engine, answer: Answer) -> list[str]:
        """Where an answer's quotes stand, as verification reads them (`citations.place_of`)."""
        texts = self._texts(engine, self._reader())
        return [place_of(texts, citation) for citation in answer.citations]

    @staticmethod
    def _texts(engine: _Engine, read: Callable[[str], Document | None]) -> FileTexts:
        """The corpus files' texts and headings as `read` reads them."""
        return FileTexts(
            loader=lambda name: document.text if (document := read(name)) else None,
            names=engine.manifest.files,
            sections=lambda name, at: section_path(doc.sections, at) if (doc := read(name)) else (),
        )

    def _next_best(
        self,
        engine: _Engine,
        question: str,
        draft: Draft,
        answer: Answer,
        passages: list[Passage],
        timings: dict[str, float],
    ) -> Answer:
        """An extractive answer whose every sentence verification removed (a sentence about
        the Artistic License for a question about the BSD license) gets one more try without
        them: the selector's next best sentences, verified in turn. The removed sentences are
        still reported with their reasons; if the next best fail too, the first abstention
        stands."""
        if not answer.abstained or draft.abstained or not answer.unsupported_sentences:
            return answer
        from assistant.answer.extractive import spaced

        exclude = frozenset(spaced(q.quote) for q in draft.quotes.values())
        again = neutralise_quoted_markers(
            self._extractive_draft(engine, question, passages, exclude)
        )
        if again.abstained or not says_what_is_asked(
            question, [quote.quote for quote in again.quotes.values()]
        ):
            return answer
        backend = (answer.backend.llm, answer.backend.reason)
        retried = self._finish(
            engine, question, again, passages, backend, list(answer.warnings), timings
        )
        if retried.abstained:
            return answer
        return replace(
            retried,
            unsupported_sentences=(*answer.unsupported_sentences, *retried.unsupported_sentences),
            removed_why=(*answer.removed_why, *retried.removed_why),
        )

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
            messages = [{"role": "user", "content": prompt}]
            try:
                reply = self._ollama().stream_chat(
                    messages, temperature=temperature, num_predict=CONDENSE_TOKENS
                )
                rewritten = "".join(reply).strip().splitlines()
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
        timings: dict[str, float],
    ) -> Generator[AnswerEvent, None, tuple[Draft, str, str]]:
        kind, reason = backend
        if kind == "ollama":
            try:
                draft = yield from self._ollama_draft(
                    engine, question, passages, temperature, timings, warnings
                )
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

    def _extractive_draft(
        self,
        engine: _Engine,
        question: str,
        passages: list[Passage],
        exclude: Set[str] = frozenset(),
    ) -> Draft:
        """Extractive answer; a conjoined question is answered part by part. Passages found
        for the parts are added to `passages` (they are the retrieved files)."""
        from assistant.answer.extractive import answer_parts, extractive_draft

        parts = split_question(question)
        if len(parts) == 1:
            return extractive_draft(
                question, passages, engine.retriever.idf, engine.similarity, exclude
            )
        found = [engine.retriever.search(part, self.settings.top_k) for part in parts]
        passages.extend(p for part_passages in found for p in part_passages)
        return answer_parts(parts, found, engine.retriever.idf, engine.similarity, exclude)

    def _ollama_draft(
        self,
        engine: _Engine,
        question: str,
        passages: list[Passage],
        temperature: float | None,
        timings: dict[str, float],
        warnings: list[str],
    ) -> Generator[AnswerEvent, None, Draft]:
        from assistant.answer.context import select_sources
        from assistant.answer.llm import answer_prompt

        if not passages:
            return Draft("", abstained=True)
        parts = split_question(question)
        if len(parts) > 1:  # each part's passages too, as the extractive backend does
            seen = {p.chunk.chunk_id for p in passages}
            for part in parts:
                for found in engine.retriever.search(part, self.settings.top_k):
                    if found.chunk.chunk_id not in seen:
                        seen.add(found.chunk.chunk_id)
                        passages.append(found)
        relevance = engine.relevance(question, passages, parts if len(parts) > 1 else ())
        sources = select_sources(passages, relevance, self.settings.prompt_tokens)
        structured = self.reply_format() == "json"
        messages = [{"role": "user", "content": answer_prompt(question, sources, structured)}]
        draft = yield from ollama_draft(
            self._ollama(),
            messages,
            sources,
            question,
            structured=structured,
            num_predict=self.settings.num_predict,
            temperature=temperature,
            timings=timings,
            notes=warnings,
            share=engine.retriever.table.share,
        )
        if self.settings.reply_log is not None:
            from assistant.answer.replay import log_reply

            log_reply(
                self.settings.reply_log,
                self.settings.model,
                question,
                sources,
                messages,
                structured,
            )
        return draft

    def _related(
        self,
        engine: _Engine,
        question: str,
        passages: list[Passage],
        where: tuple[FileTexts, list[str], FindFiles],
        read: Callable[[str], Document | None],
    ) -> tuple[tuple[Citation, ...], str]:
        """What the documents say nearest to a question the answer abstains on
        (`answer.related`): its quote located like any other, and the line that says so."""
        from assistant.answer.related import RELATED_NOTE, RELATED_SOME, related

        share = engine.retriever.table.share
        found = related(question, passages, engine.retriever.idf, share)
        if found is None:
            return (), ""
        draft = Draft(f"{' '.join(found.quote.quote.split())} [1]", {1: found.quote})
        checked = verify_draft(draft, *where, "", share)  # located; no question to answer
        if checked.abstained or not checked.citations:
            return (), ""
        cited = tuple(located(c, read(c.file)) for c in checked.citations)
        note = RELATED_NOTE.format(mentions=found.mentions) if found.mentions else RELATED_SOME
        return cited, note

    def _changed(self, manifest: Manifest, names: Sequence[str]) -> list[str]:
        root = self.settings.corpus
        return [
            f"{name} ({change})"
            for name in dict.fromkeys(names)
            if name in manifest.files and (change := file_change(root, name, manifest.files[name]))
        ]

    def _reader(self) -> Callable[[str], Document | None]:
        """Reads corpus files as the index reads them (a document's text from the index's
        copy), each once."""
        seen: dict[str, Document | None] = {}
        corpus, index = self.settings.corpus, self.settings.index

        def read(name: str) -> Document | None:
            if name not in seen:
                seen[name] = read_document_or_none(corpus, name, index)
            return seen[name]

        return read

    def _finish(
        self,
        engine: _Engine,
        question: str,
        draft: Draft,
        passages: list[Passage],
        backend: tuple[str, str],
        warnings: list[str],
        timings: dict[str, float],
    ) -> Answer:
        kind, reason = backend
        manifest = engine.manifest
        read = self._reader()
        texts = self._texts(engine, read)
        retrieved = list(dict.fromkeys(p.chunk.file for p in passages))
        candidates = full_text_candidates(engine.retriever.table)  # never the whole corpus
        share = engine.retriever.table.share
        judge = self._judge(timings) if kind == "ollama" else None
        verified = verify_draft(draft, texts, retrieved, candidates, question, share, judge)
        related: tuple[Citation, ...] = ()
        related_note = ""
        if verified.abstained:
            related, related_note = self._related(
                engine, question, passages, (texts, retrieved, candidates), read
            )
        notes = list(warnings)
        changed = self._changed(manifest, [*retrieved, *(c.file for c in verified.citations)])
        if changed:
            notes.append(
                f"changed since indexing: {', '.join(changed)}; quotes were checked against "
                "the files as they are now — run `assistant reindex`"
            )
        if verified.dropped_quotes:
            notes.append(f"{verified.dropped_quotes} quote(s) not found in the corpus were dropped")
        if verified.removed_claims:
            notes.append(f"{verified.removed_claims} unsupported claim(s) removed")
        if verified.unsupported:
            notes.append(
                f"{len(verified.unsupported)} sentence(s) removed: their quotes do not back "
                "them, or do not answer what was asked"
            )
        return Answer(
            question=question,
            answer=verified.text if not verified.abstained else CANNOT_ANSWER,
            abstained=verified.abstained,
            citations=tuple(
                located(citation, read(citation.file)) for citation in verified.citations
            ),
            backend=Backend(
                kind,  # type: ignore[arg-type]
                self.settings.model if kind == "ollama" else None,
                str(manifest.embedder.get("name") or EMBEDDER_NAME),
                reason,
            ),
            index={"version": manifest.version, "files": manifest.file_hashes()},
            timings_ms=dict(timings),
            dropped_quotes=verified.dropped_quotes,
            warnings=tuple(dict.fromkeys(notes)),
            unsupported_sentences=verified.unsupported,
            removed_why=verified.why,
            related=related,
            related_note=related_note,
            unbacked=verified.unbacked,
        )


def located(citation: Citation, document: Document | None) -> Citation:
    """The citation with its document's title and, in a paged document, its page."""
    if document is None:
        return citation
    page = page_of(document.page_starts, citation.start) if document.page_starts else None
    # the headings before the quote: a quote of a heading is shown under the ones above it
    path = list(section_path(document.sections, citation.start - 1))
    if path and path[0] == document.title:  # the title says it already
        path.pop(0)
    section = " › ".join(path)
    return replace(citation, page=page, title=document.title, section=section)


def file_change(root: Path, name: str, entry: FileEntry) -> str:
    """'' if the corpus file is as indexed, else 'removed' or 'changed'."""
    try:
        path = safe_path(root, name)
        stat = path.stat()
        same_stat = (stat.st_size, stat.st_mtime_ns) == (entry.size, entry.mtime_ns)
        return "" if same_stat or sha256_file(path) == entry.sha256 else "changed"
    except (OSError, CorpusError):
        return "removed"


def ollama_draft(
    chat: Any,
    messages: list[dict[str, str]],
    sources: Sequence[Any],
    question: str,
    *,
    structured: bool,
    num_predict: int,
    temperature: float | None,
    timings: dict[str, float],
    notes: list[str],
    share: Any = None,
) -> Generator[AnswerEvent, None, Draft]:
    """Send `messages` (the last asks to answer `question` from `sources`) to `chat` (an
    OllamaChat); streams the answer text as it is written and returns the parsed draft. The
    reply is appended to `messages`; `share` (the index's term statistics, `terms.Share`)
    helps tie each sentence to the passage sentence that holds it. Records time to first
    token and token counts in
    `timings`, and a reply cut off by `num_predict` in `notes`."""
    from assistant.answer.llm import (
        answer_schema,
        parse_json_reply,
        parse_text_reply,
        visible_json,
        visible_part,
    )

    reply = ""
    shown = 0
    stats: dict[str, Any] = {}
    sent = time.perf_counter()
    stream = chat.stream_chat(
        messages,
        temperature=temperature,
        format=answer_schema() if structured else None,
        num_predict=num_predict,
        stats=stats,
    )
    for delta in stream:
        if not reply:
            timings["first_token"] = (time.perf_counter() - sent) * 1000
        reply += delta
        visible = visible_json(reply) if structured else visible_part(reply)
        if len(visible) > shown:
            yield TextDelta(visible[shown:])
            shown = len(visible)
    timings.update(_token_counts(stats))
    messages.append({"role": "assistant", "content": reply})
    if stats.get("done_reason") == "length":
        notes.append(
            f"the model's reply reached num_predict ({num_predict} tokens) and was cut off; "
            "its complete sentences were kept"
        )
    if structured:
        return parse_json_reply(reply, sources, question, share)
    return parse_text_reply(reply, sources, question, share)


def supports_schemas(version: str) -> bool:
    """Ollama constrains replies to a JSON schema from 0.5.0 on."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    return (parts[0], parts[1]) >= (0, 5)


def _token_counts(stats: dict[str, Any]) -> dict[str, float]:
    """Prompt and reply sizes from Ollama's final message, for `timings_ms`."""
    found = {}
    if "prompt_eval_count" in stats:
        found["prompt_tokens"] = float(stats["prompt_eval_count"])
    if "eval_count" in stats:
        found["reply_tokens"] = float(stats["eval_count"])
    if "prompt_eval_duration" in stats:
        found["prompt_eval"] = stats["prompt_eval_duration"] / 1e6
    return found


def manifest_signature(index_dir: Path) -> tuple[int, int, int]:
    """Changes whenever a reindex commits (the manifest is replaced atomically)."""
    try:
        stat = (index_dir / MANIFEST).stat()
    except OSError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)
