"""`assistant doctor`: checks what answering needs, and says how to fix what is wrong.

Each check gives one line: ✓ fine, ! works but worth knowing, ✗ broken (with the fix). The
command exits 1 when any check failed. Checks that depend on an earlier one (the model needs
a server) are skipped with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from assistant.config import Settings
from assistant.errors import AssistantError

Level = Literal["ok", "warn", "fail"]
SMOKE_TEXT = (
    "The Harbor Bridge opened to traffic on 12 May 1931 after four years of work. "
    "It is 503 metres long and carries six lanes. Its designer was Ada Lindqvist."
)
SMOKE_QUESTION = "When did the Harbor Bridge open, and who designed it?"


@dataclass(frozen=True)
class Check:
    level: Level
    what: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "✓", "warn": "!", "fail": "✗"}[self.level]
        return f"{mark} {self.what}" + (f"\n    fix: {self.fix}" if self.fix else "")


def run_checks(settings: Settings) -> Iterator[Check]:
    """Every check, in order, as it completes."""
    from assistant.service import Assistant

    with Assistant(settings) as assistant:
        if settings.llm == "extractive":
            yield Check("ok", "answers: extractive (no LLM), as configured; Ollama not checked")
        elif settings.llm == "openai":
            yield from _openai_checks(assistant)
        else:
            yield from _ollama_checks(assistant)
        if settings.embedder != "local":
            yield _embedder_check(settings)
        yield from _index_checks(assistant)
        if settings.chroma_url:
            yield _chroma_check(settings)


def _ollama_checks(assistant: Any) -> Iterator[Check]:
    from assistant.llm.ollama import supports_schemas

    settings = assistant.settings
    chat = assistant._chat_model("ollama")
    host = settings.resolved_ollama_host()
    required = settings.llm == "ollama"
    down: Level = "fail" if required else "warn"
    try:
        version = chat.version(settings.ollama_probe_timeout * 2)
    except AssistantError as exc:
        then = "" if required else " (auto answers extractively until it is)"
        yield Check(down, f"{exc.message}{then}", exc.hint)
        return
    if supports_schemas(version):
        yield Check("ok", f"Ollama {version} at {host} (replies constrained to a JSON schema)")
    else:
        yield Check(
            "warn",
            f"Ollama {version} at {host} is older than 0.5: replies are parsed from text",
            "upgrade Ollama for structured replies (fewer rejected answers)",
        )
    try:
        chat.probe(settings.ollama_probe_timeout * 2)
    except AssistantError as exc:
        yield Check(down, exc.message, exc.hint)
        return
    yield Check("ok", f"model {settings.model} is pulled")
    yield _context_check(chat, settings.num_ctx, settings.prompt_tokens, settings.num_predict)
    yield _smoke_check(assistant, "ollama")


def _openai_checks(assistant: Any) -> Iterator[Check]:
    """The OpenAI-compatible server: set, reachable, serving the model, taking a JSON schema
    (or not), and one question answered and verified."""
    settings = assistant.settings
    try:
        chat = assistant._chat_model("openai")
        chat.probe(chat.probe_timeout)
    except AssistantError as exc:
        yield Check("fail", exc.message, exc.hint)
        return
    yield Check("ok", f"{chat.server} at {chat.where} serves the model {settings.model}")
    if settings.reply_format == "auto":
        try:
            follows = chat.follows_schemas(chat.probe_timeout)
        except AssistantError as exc:
            yield Check("fail", exc.message, exc.hint)
            return
        if follows:
            yield Check("ok", "replies constrained to a JSON schema")
        else:
            yield Check(
                "warn",
                "the server takes no JSON schema (response_format): replies are parsed from text",
                "a server that takes one (vLLM, llama.cpp's, LM Studio) rejects fewer answers",
            )
    yield _smoke_check(assistant, "openai")


def _context_check(chat: Any, num_ctx: int, prompt_tokens: int, num_predict: int) -> Check:
    try:
        trained = chat.context_length()
    except AssistantError as exc:
        return Check("warn", f"could not read the model's context length: {exc.message}")
    needed = prompt_tokens + num_predict + 400  # instructions and question
    if num_ctx < needed:
        return Check(
            "fail",
            f"num_ctx {num_ctx} is too small for prompt_tokens {prompt_tokens} + num_predict "
            f"{num_predict} (needs about {needed})",
            "raise num_ctx (ASSISTANT_NUM_CTX) or lower prompt_tokens",
        )
    if trained and num_ctx > trained:
        return Check(
            "warn",
            f"num_ctx {num_ctx} is larger than the model was trained for ({trained})",
            f"set num_ctx to {trained} or less",
        )
    known = f" (model trained for {trained})" if trained else ""
    return Check("ok", f"context window num_ctx {num_ctx}{known}")


def _smoke_check(assistant: Any, kind: str) -> Check:
    """One question about a three-sentence text, answered and verified like any other."""
    from assistant.answer.citations import verify_draft
    from assistant.answer.context import select_sources
    from assistant.answer.llm import answer_prompt
    from assistant.answer.verify import FileTexts
    from assistant.llm.base import model_draft
    from assistant.types import Chunk, Passage

    settings = assistant.settings
    passage = Passage(Chunk("smoke", "smoke.txt", "", 0, len(SMOKE_TEXT), SMOKE_TEXT, 0), 1.0)
    sources = select_sources([passage], lambda texts: [1.0] * len(texts), 200)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        structured = assistant.reply_format(kind) == "json"
        prompt = answer_prompt(SMOKE_QUESTION, sources, structured)
        events = model_draft(
            assistant._chat_model(kind),
            [{"role": "user", "content": prompt}],
            sources,
            SMOKE_QUESTION,
            structured=structured,
            num_predict=settings.num_predict,
            temperature=0.0,
            timings=timings,
            notes=[],
        )
        draft = _drain(events)
    except AssistantError as exc:
        return Check("fail", f"smoke test: {exc.message}", exc.hint)
    seconds = time.perf_counter() - started
    texts = FileTexts({"smoke.txt": SMOKE_TEXT})
    verified = verify_draft(draft, texts, ["smoke.txt"], question=SMOKE_QUESTION)
    first = timings.get("first_token", 0) / 1000
    speed = f"{seconds:.1f} s, first token after {first:.1f} s"
    if verified.abstained:
        lost = len(verified.unsupported) + verified.dropped_quotes
        return Check(
            "fail",
            f"smoke test: {settings.model} gave no verifiable answer to a question its text "
            f"answers ({lost} sentence(s)/quote(s) rejected; {speed})",
            "try a larger or instruction-tuned model with --model, or --llm extractive",
        )
    level: Level = "warn" if verified.unsupported or verified.dropped_quotes else "ok"
    return Check(
        level,
        f"smoke test: {len(verified.citations)} verified quote(s), "
        f"{len(verified.unsupported)} unsupported sentence(s) removed ({speed})",
    )


def _drain(events: Any) -> Any:
    """Run a draft generator to its end (its streamed text is not shown) and return its
    result."""
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value


def _index_checks(assistant: Any) -> Iterator[Check]:
    settings = assistant.settings
    try:
        engine = assistant._current_engine()
    except AssistantError as exc:
        yield Check("fail", f"index: {exc.message}", exc.hint)
        return
    manifest = engine.manifest
    yield Check(
        "ok",
        f"index in {settings.index}: {len(manifest.files)} files, {manifest.chunk_count()} "
        f"chunks, built {manifest.built_at} (chunk table and vector store open and agree)",
    )
    if manifest.skipped:
        listed = sorted(manifest.skipped.items())
        shown = "; ".join(f"{name}: {skip.reason}" for name, skip in listed[:5])
        more = f" (and {len(listed) - 5} more)" if len(listed) > 5 else ""
        yield Check(
            "warn",
            f"{len(listed)} corpus file(s) not indexed: {shown}{more}",
            "fix or remove them; `assistant reindex` lists each with its reason",
        )
    from assistant.index.chunking import ChunkingParams

    wanted = ChunkingParams(settings.chunk_size, settings.chunk_overlap).to_json()
    if manifest.chunking != wanted:
        changed = ", ".join(
            f"{key.replace('_', ' ')} {manifest.chunking.get(key, '—')} → {value}"
            for key, value in wanted.items()
            if manifest.chunking.get(key) != value
        )
        yield Check(
            "warn",
            f"the index's chunks were cut another way than this version cuts them ({changed})",
            "run `assistant reindex` (it rebuilds every file's chunks)",
        )
    if not engine.retriever.table.terms_current():
        yield Check(
            "warn",
            "the index's keyword terms are of an earlier version: keyword search misses words "
            "this version spells another way",
            "run `assistant reindex` (it reads every file again and embeds nothing anew)",
        )
    try:
        changes = assistant.corpus_changes()
    except AssistantError as exc:
        yield Check("fail", f"corpus: {exc.message}", exc.hint)
        return
    if changes:
        shown = ", ".join(changes[:5]) + (" …" if len(changes) > 5 else "")
        yield Check(
            "warn",
            f"{len(changes)} file(s) changed since the last reindex: {shown}",
            "run `assistant reindex`",
        )
    else:
        yield Check("ok", f"corpus {settings.corpus} is as indexed")


def _embedder_check(settings: Settings) -> Check:
    from assistant.embed.minilm import MiniLMEmbedder, local_class
    from assistant.embed.ollama import embedder_for

    chosen = local_class(settings.embedder)
    if chosen is not None:
        try:
            chosen().embed(["Is the embedder working?"])
        except AssistantError as exc:
            return Check("fail", f"embedder {settings.embedder}: {exc.message}", exc.hint)
        return Check(
            "ok", f"embedder {settings.embedder}: {chosen.name} ({chosen.dimensions}-d) loads"
        )
    try:
        embedder = embedder_for(settings, settings.embedder, MiniLMEmbedder).resolve()
    except AssistantError as exc:
        return Check("fail", f"embedder {settings.embedder}: {exc.message}", exc.hint)
    embedder.close()
    return Check(
        "ok",
        f"embedder {settings.embedder} answers at {embedder.host} "
        f"({embedder.dimensions}-d, digest {embedder.model_sha256[:12]})",
    )


def _chroma_check(settings: Settings) -> Check:
    import httpx

    from assistant.config.remote import chroma_server, remote_failure

    try:
        server = chroma_server(settings)
    except AssistantError as exc:
        return Check("fail", exc.message, exc.hint)
    assert server is not None
    try:
        response = httpx.get(
            f"{server.url}/api/v2/heartbeat",
            headers=server.headers,
            verify=server.ssl_context(),
            timeout=3.0,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        problem = remote_failure(exc, server, "Chroma server")
        if problem is not None:
            return Check("fail", problem.message, problem.hint)
        return Check(
            "fail",
            f"Chroma server at {server.url} does not answer ({type(exc).__name__})",
            "start it with `chroma run --path DIR --port PORT`, or unset chroma_url",
        )
    sent = " (token sent)" if server.headers else ""
    return Check("ok", f"Chroma server at {server.url} answers{sent}")
