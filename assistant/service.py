"""The one service behind every shell: `Assistant` owns the index, retriever and answerers.

The CLI, the batch runner and the TUI only call `ask()` / `answer()` / `reindex()` and read
the events; none of them talks to Chroma or a model server (`assistant/llm/` does).
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
    Draft,
    Judge,
    neutralise_quoted_markers,
    place_of,
    verify_draft,
)
from assistant.answer.followup import carry_entities, history_text, needs_context, split_question
from assistant.answer.messages import message
from assistant.answer.support import says_what_is_asked
from assistant.answer.terms import unheld
from assistant.answer.verify import FileTexts, FindFiles, full_text_candidates
from assistant.config import Settings
from assistant.embed.minilm import EMBEDDER_NAME, CachedEmbedder, MiniLMEmbedder
from assistant.errors import (
    REINDEX_HINT,
    AssistantError,
    CorpusError,
    IndexMissingError,
    InputError,
    LLMError,
)
from assistant.index.corpus import (
    Document,
    check_corpus_dir,
    read_document_or_none,
    safe_path,
    sha256_file,
)
from assistant.index.manifest import (
    MANIFEST,
    FileEntry,
    Manifest,
    mark_damaged,
    read_manifest,
)
from assistant.llm import AUTO_BACKEND
from assistant.llm.base import ChatModel, model_draft
from assistant.readers.base import section_path
from assistant.readers.pages import page_of
from assistant.text.textnorm import terms
from assistant.types import (
    Answer,
    AnswerEvent,
    Backend,
    Citation,
    Done,
    Found,
    Passage,
    ReindexSummary,
    Status,
    Turn,
)

CONDENSE_TOKENS = 80  # a rewritten follow-up question is one line

MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
PROBE_TTL_SECONDS = 30.0
RECHECK_AFTER_S = 0.5  # a store that fails its self-check is read once more after this
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
        self._chats: dict[str, ChatModel] = {}
        self._reply_formats: dict[str, str] = {}

    def close(self) -> None:
        """Release the model servers' connection pools (the index needs no closing)."""
        with self._load_lock:
            chats, self._chats = list(self._chats.values()), {}
        for chat in chats:
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
        from assistant.config.remote import chroma_server
        from assistant.index.chunkstore import ChunkStore
        from assistant.index.retrieval import HybridRetriever
        from assistant.index.store import ChunkVectors

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
            try:
                vectors.self_check(chunks.probe_ids())
            except IndexMissingError:
                # A store read just as another process finished writing it has failed this
                # check once and passed when opened again (the concurrent-reindex test, about
                # 1 run in 10): it is read a second time before being called damaged. Real
                # damage fails both reads.
                vectors.close()
                time.sleep(RECHECK_AFTER_S)
                vectors = ChunkVectors(self.settings.index, server, manifest.store)
                vectors.self_check(chunks.probe_ids())
        except IndexMissingError:
            if manifest_signature(self.settings.index) == signature:
                mark_damaged(self.settings.index, manifest.store)
            raise
        embedder = CachedEmbedder(MiniLMEmbedder())
        from assistant.embed.minilm import for_questions

        asks = for_questions(self.settings, manifest, embedder)
        retriever = HybridRetriever(chunks, vectors, asks)
        return _Engine(manifest, retriever, embedder, signature)

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
        from assistant.index.indexer import reindex

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

    def _judge(self, kind: str, timings: dict[str, float]) -> Judge | None:
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
                    self._chat_model(kind).stream_chat(
                        messages, temperature=0.0, schema=judge_schema(), num_predict=JUDGE_PREDICT
                    )
                )
            except LLMError:
                reply = ""
            timings["judged"] = timings.get("judged", 0) + 1
            timings["judge"] = timings.get("judge", 0.0) + (time.perf_counter() - started) * 1000
            return read_verdict(reply)

        return judge

    def _chat_model(self, kind: str) -> ChatModel:
        """This assistant's one client of backend `kind` (all closed by `close()`)."""
        from assistant.llm import chat_model

        with self._load_lock:
            if kind not in self._chats:
                self._chats[kind] = chat_model(self.settings, kind)
            return self._chats[kind]

    def reply_format(self, kind: str) -> str:
        """ "json" when backend `kind`'s server constrains replies to a schema, else "text"."""
        if self.settings.reply_format != "auto":
            return self.settings.reply_format
        if kind not in self._reply_formats:
            chat = self._chat_model(kind)
            follows = chat.follows_schemas(chat.probe_timeout)
            self._reply_formats[kind] = "json" if follows else "text"
        return self._reply_formats[kind]

    def choose_backend(self, llm: str | None = None) -> tuple[str, str]:
        """(backend, why): "extractive" or a model backend. `auto` probes its server
        (`llm.AUTO_BACKEND`, cached for a short while) and answers extractively when it is
        not ready."""
        choice = llm or self.settings.llm
        if choice == "extractive":
            return "extractive", "chosen with --llm extractive"
        if choice != "auto":
            chat = self._chat_model(choice)
            chat.probe(chat.probe_timeout)
            return choice, f"chosen with --llm {choice} ({self.settings.model})"
        now = time.monotonic()
        if self._probe and now - self._probe[0] < PROBE_TTL_SECONDS:
            return self._probe[1], self._probe[2]
        try:
            chat = self._chat_model(AUTO_BACKEND)
            chat.probe(chat.probe_timeout)
            picked = (AUTO_BACKEND, f"auto: {chat.server} answers at {chat.where}")
        except LLMError as exc:
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
        """Events: status notes, streamed text (a model's), then Done with the verified answer."""
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
        if answer.abstained and kind != "extractive" and not draft.abstained:
            answer = yield from self._when_nothing_survived(
                engine, standalone, passages, answer, kind, llm, warnings, timings
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
        kind: str,
        llm: str | None,
        warnings: list[str],
        timings: dict[str, float],
    ) -> Generator[AnswerEvent, None, Answer]:
        """The model answered, but no sentence of it survived verification: in `auto`, the
        extractive answer, with the reason; with a model backend by name, the abstention.
        Words of the question that the model's sentences said and their quotes did not
        ("Which Mexican cartel …" answered over a quote without "Mexican") are what the
        documents were not found to say: the extractive answer stands only if its own quotes
        say them, else the model's abstention does. Being a second choice, it must also say
        something of what is asked beyond the names (`says_what_is_asked`, as `_next_best`
        asks of its retry): "Who founded SandboxAQ?" is not answered by a quote that names
        SandboxAQ's vice president and says nothing of its founding."""
        why = f"no sentence of {self._chat_model(kind).server}'s answer was backed by its quotes"
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
        beside = not fallback.abstained and not says_what_is_asked(
            question, [c.quote for c in fallback.citations]
        )
        if missing or beside:
            lacks = ", ".join(missing) if missing else "any word of what it asks beyond its names"
            note = (
                f"auto: the extractive answer was not shown either: its quotes do not say "
                f"{lacks}, which the question asks about"
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

    def open(self) -> None:
        """Load the index now (it is otherwise loaded by the first question)."""
        self._current_engine()

    def search(self, query: str, k: int) -> tuple[list[Found], list[str]]:
        """The `k` best passages for `query`, each located like a citation (its file's text at
        its offsets, page, title, headings) in the file as it is on disk now; passages of
        files changed or removed since indexing are left out and named in the warnings."""
        text, warnings = clean_question(query)
        engine = self._current_engine()
        read = self._reader()
        found: list[Found] = []
        for rank, passage in enumerate(engine.retriever.search(text, k)[:k], 1):
            chunk = passage.chunk
            entry = engine.manifest.files.get(chunk.file)
            change = file_change(self.settings.corpus, chunk.file, entry) if entry else "removed"
            document = read(chunk.file) if not change else None
            if document is None:
                warnings.append(
                    f"{chunk.file} {change or 'unreadable'} since indexing: its passage is "
                    "left out — run `assistant reindex`"
                )
                continue
            quote = document.text[chunk.start : chunk.end]
            where = located(Citation(rank, chunk.file, quote, chunk.start, chunk.end), document)
            found.append(Found(rank, round(passage.score, 4), where))
        return found, warnings

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
        if kind != "extractive":
            from assistant.answer.prompts import render

            prompt = render("condense", history=history_text(history), question=question)
            messages = [{"role": "user", "content": prompt}]
            try:
                reply = self._chat_model(kind).stream_chat(
                    messages, temperature=temperature, num_predict=CONDENSE_TOKENS
                )
                rewritten = "".join(reply).strip().splitlines()
            except LLMError as exc:
                yield Status(f"could not rewrite the follow-up with {exc.server}: {exc.message}")
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
        if kind != "extractive":
            try:
                draft = yield from self._model_draft(
                    engine, kind, question, passages, temperature, timings, warnings
                )
                return draft, kind, reason
            except LLMError as exc:
                if (llm or self.settings.llm) != "auto":
                    raise
                reason = f"auto: {exc.server} failed ({exc.message}); answered extractively"
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

    def _model_draft(
        self,
        engine: _Engine,
        kind: str,
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
        structured = self.reply_format(kind) == "json"
        messages = [{"role": "user", "content": answer_prompt(question, sources, structured)}]
        draft = yield from model_draft(
            self._chat_model(kind),
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
        from assistant.answer.related import related

        share = engine.retriever.table.share
        found = related(question, passages, engine.retriever.idf, share)
        if found is None:
            return (), ""
        draft = Draft(f"{' '.join(found.quote.quote.split())} [1]", {1: found.quote})
        checked = verify_draft(draft, *where, "", share)  # located; no question to answer
        if checked.abstained or not checked.citations:
            return (), ""
        cited = tuple(located(c, read(c.file)) for c in checked.citations)
        if found.mentions:
            note = message("related_note", question, mentions=found.mentions)
        else:
            note = message("related_some", question)
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
        judge = self._judge(kind, timings) if kind != "extractive" else None
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
            answer=verified.text if not verified.abstained else message("cannot_answer", question),
            abstained=verified.abstained,
            citations=tuple(
                located(citation, read(citation.file)) for citation in verified.citations
            ),
            backend=Backend(
                kind,  # type: ignore[arg-type]
                self.settings.model if kind != "extractive" else None,
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


def manifest_signature(index_dir: Path) -> tuple[int, int, int]:
    """Changes whenever a reindex commits (the manifest is replaced atomically)."""
    try:
        stat = (index_dir / MANIFEST).stat()
    except OSError:
        return (0, 0, 0)
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)
