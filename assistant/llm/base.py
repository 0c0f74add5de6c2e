"""What the answering service needs of a model server, whichever API it speaks.

A `ChatModel` is one model on one server: it can be probed, asked to stream a chat reply
(constrained to a JSON schema where the server can), and closed. Every failure is an
`LLMError` (errors.py) whose message names the server and model and whose hint says what
to do. `model_draft` drives one answer through any of them.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from assistant.types import AnswerEvent, TextDelta

if TYPE_CHECKING:
    from assistant.answer.citations import Draft

# No repetition penalty, whatever the server's default: an answer copies its quotes, and then
# its sentence restates them. With Ollama's default (1.1 over the last 64 tokens)
# Qwen2.5-Coder-1.5B answered 80 of the 112 NarrativeQA questions right and 94 itself, against
# 89 and 102 without it: the penalised quotes were no longer verbatim, and their sentences
# were removed. (llama-cpp-python's server defaults to 1.1 too.)
REPEAT_PENALTY = 1.0

# What `stream_chat` puts in `stats`: prompt_tokens, reply_tokens, prompt_eval (ms), and
# done_reason ("length" when `num_predict` cut the reply off).
STATS = ("prompt_tokens", "reply_tokens", "prompt_eval", "done_reason")


class ChatModel(Protocol):
    """One model on one server."""

    kind: str  # the backend's name in answers and settings: "ollama", "openai"
    server: str  # for messages: "Ollama", "the OpenAI-compatible server"
    model: str
    probe_timeout: float  # seconds a probe waits before the server counts as not ready

    @property
    def where(self) -> str:
        """The server's URL (no credentials in it)."""
        ...

    def probe(self, timeout: float) -> None:
        """Return when the server answers and has the model; else raise an LLMError."""

    def follows_schemas(self, timeout: float) -> bool:
        """Whether replies can be constrained to a JSON schema on this server."""
        ...

    def stream_chat(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        schema: dict[str, Any] | None = None,
        num_predict: int | None = None,
        stats: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """The reply's text as it arrives; `stats` receives the `STATS` the server gave."""
        ...

    def close(self) -> None:
        """Release the connection pool (safe to call more than once)."""


def model_draft(
    chat: ChatModel,
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
    """Send `messages` (the last asks to answer `question` from `sources`) to `chat`; streams
    the answer text as it is written and returns the parsed draft. The reply is appended to
    `messages`; `share` (the index's term statistics, `terms.Share`) helps tie each sentence
    to the passage sentence that holds it. Records time to first token and token counts in
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
        schema=answer_schema() if structured else None,
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
    timings.update({k: float(v) for k, v in stats.items() if k != "done_reason"})
    messages.append({"role": "assistant", "content": reply})
    if stats.get("done_reason") == "length":
        notes.append(
            f"the model's reply reached num_predict ({num_predict} tokens) and was cut off; "
            "its complete sentences were kept"
        )
    if structured:
        return parse_json_reply(reply, sources, question, share)
    return parse_text_reply(reply, sources, question, share)
