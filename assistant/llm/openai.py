"""The OpenAI-compatible backend (`llm = "openai"`): llama.cpp's `llama-server` and
llama-cpp-python's server, vLLM, LM Studio, LocalAI — anything serving the chat-completions
API — through the official `openai` client (imported lazily, like `ollama`).

Replies stream. Where the server can constrain decoding to a JSON schema, it is asked in the
first dialect it accepts: OpenAI's `{"type": "json_schema", …}` (vLLM, LM Studio,
llama-server), else `{"type": "json_object", "schema": …}` (llama-cpp-python); one request
of one token finds out, once. The API key (`OPENAI_API_KEY`) is sent as a bearer token and
never shown. Every failure is an `LLMError` naming the server and model, with a hint.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from assistant.config.remote import Endpoint, remote_failure
from assistant.errors import (
    LLMBadOutput,
    LLMError,
    LLMModelMissing,
    LLMSettingsError,
    LLMTimeout,
    LLMUnavailable,
)
from assistant.llm.base import REPEAT_PENALTY

SERVER = "the OpenAI-compatible server"
# `repeat_penalty` (base.REPEAT_PENALTY) goes in the body: servers that do not know the field
# ignore it; one that refuses it is asked again without it.
FALLBACK_HINT = "use --llm extractive to answer without a model"
EXTRA_FIELDS = ("stream_options", "include_usage", "repeat_penalty")
# The response_format dialects tried for a schema, in this order (see the module docstring).
SCHEMA_DIALECTS = ("json_schema", "json_object")
PROBE_MESSAGES = [{"role": "user", "content": 'Reply with {"ok": true}'}]
PROBE_SCHEMA = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}},
    "required": ["ok"],
}


def response_format(dialect: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The `response_format` asking for replies that follow `schema` in `dialect`."""
    if dialect == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}
    return {"type": "json_object", "schema": schema}


class OpenAIChat:
    """Chat with one model on one OpenAI-compatible server (a `ChatModel`)."""

    kind = "openai"
    server = SERVER

    def __init__(
        self,
        url: str,
        model: str,
        timeout: float,
        api_key: str = "",
        temperature: float = 0.0,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        probe_timeout: float = 5.0,
    ) -> None:
        """`url`: the API's base URL (`http://host:8000/v1`); `api_key` goes as a bearer token
        (local servers need none); `verify` is True or a CA bundle's path."""
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.temperature = temperature
        self.probe_timeout = probe_timeout
        self._key = api_key
        self._headers = dict(headers or {})
        self._endpoint = Endpoint(self.url, "openai_url", self._headers, verify, "OPENAI_API_KEY")
        self._client: Any = None
        self._dialect: str | None = None  # the schema dialect the server accepted
        self._plain = False  # the server refused fields beyond the core API
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return self.url

    # -- public API ---------------------------------------------------------------------------

    def probe(self, timeout: float) -> None:
        """Return when the server answers `/models` within `timeout` s and lists the model."""
        client = self._new_client(timeout)
        try:
            listing = client.models.list()
            names = [str(getattr(entry, "id", "")) for entry in getattr(listing, "data", [])]
        except Exception as exc:
            raise self._error(exc, started=False, timeout=timeout, path="/models") from None
        finally:
            client.close()
        if self.model not in names:
            raise self._model_missing(names)

    def follows_schemas(self, timeout: float) -> bool:
        """Whether the server takes a JSON schema in a dialect it knows: each is tried with a
        one-token request until one is accepted (remembered for this object's lifetime)."""
        import openai

        if self._dialect is not None:
            return True
        client = self.shared_client()
        for dialect in SCHEMA_DIALECTS:
            try:
                client.with_options(timeout=max(timeout, self.timeout)).chat.completions.create(
                    model=self.model,
                    messages=PROBE_MESSAGES,
                    max_tokens=1,
                    temperature=0.0,
                    response_format=response_format(dialect, PROBE_SCHEMA),
                )
            except openai.APIStatusError as exc:
                if _refuses_format(exc):
                    continue  # this dialect is not understood here
                raise self._error(exc, started=False, timeout=timeout) from None
            except Exception as exc:
                raise self._error(exc, started=False, timeout=timeout) from None
            self._dialect = dialect
            return True
        return False

    def stream_chat(
        self,
        messages: list[dict[str, str]],
        *,
        temperature: float | None = None,
        schema: dict[str, Any] | None = None,
        num_predict: int | None = None,
        stats: dict[str, Any] | None = None,
    ) -> Iterator[str]:
        """Stream the reply to `messages`, yielding content deltas as they arrive.

        `schema`: a JSON schema the reply must follow (in the dialect `follows_schemas`
        found; OpenAI's if it was not asked). `num_predict` caps the reply (`max_tokens`).
        `stats` receives prompt_tokens / reply_tokens when the server reports usage, and
        done_reason ("length" when cut off by `num_predict`). Raises an LLMError on any
        failure, including a reply that is cut off, malformed or empty."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "temperature": self.temperature if temperature is None else temperature,
        }
        if not self._plain:  # fields beyond the OpenAI API's core, dropped if refused
            request["stream_options"] = {"include_usage": True}
            request["extra_body"] = {"repeat_penalty": REPEAT_PENALTY}
        if num_predict:
            request["max_tokens"] = num_predict
        if schema:
            request["response_format"] = response_format(self._dialect or "json_schema", schema)
        started = False
        got_text = False
        finished = ""
        try:
            stream = self._create(request)
            with contextlib.closing(stream):
                for chunk in stream:
                    started = True
                    if (usage := getattr(chunk, "usage", None)) and stats is not None:
                        stats.update(_usage(usage))
                    for choice in getattr(chunk, "choices", None) or []:
                        delta = getattr(getattr(choice, "delta", None), "content", None)
                        if isinstance(delta, str) and delta:
                            got_text = got_text or bool(delta.strip())
                            yield delta
                        finished = getattr(choice, "finish_reason", None) or finished
        except LLMError:
            raise
        except Exception as exc:
            raise self._error(exc, started, self.timeout) from None
        if not finished:
            raise self._cut_off("the stream ended without a finish_reason")
        if stats is not None:
            stats["done_reason"] = finished
        if not got_text:
            raise LLMBadOutput(
                f"{self.model} at {self.url} returned an empty answer",
                f"try the question again, choose another model with --model, or {FALLBACK_HINT}",
                SERVER,
            )

    def _create(self, request: dict[str, Any]) -> Any:
        """The streamed reply to `request`. A server that refuses the fields beyond the core
        API (`stream_options`, `repeat_penalty`) is asked again without them, and from then
        on never sent them."""
        import openai

        try:
            return self.shared_client().chat.completions.create(**request)
        except openai.APIStatusError as exc:
            named = any(field in _detail(exc) for field in EXTRA_FIELDS)
            if self._plain or exc.status_code not in (400, 422) or not named:
                raise
            self._plain = True
            plain = {k: v for k, v in request.items() if k not in ("stream_options", "extra_body")}
            return self.shared_client().chat.completions.create(**plain)

    def shared_client(self) -> Any:
        """One client (connection pool) for this object's lifetime; batch workers share it."""
        with self._lock:
            if self._client is None:
                self._client = self._new_client(self.timeout)
            return self._client

    def close(self) -> None:
        """Release the connection pool (safe to call more than once)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    # -- plumbing -----------------------------------------------------------------------------

    def _new_client(self, timeout: float) -> Any:
        """An `openai.OpenAI` with no retries (a failure is reported, not hidden for
        minutes), connect and read timeouts of `timeout` s, the CA bundle trusted."""
        import openai

        return openai.OpenAI(
            base_url=self.url,
            api_key=self._key or "no-key",  # the client insists on one; local servers ignore it
            timeout=timeout,
            max_retries=0,
            default_headers=self._headers,
            http_client=openai.DefaultHttpxClient(verify=self._endpoint.ssl_context()),
        )

    def _error(
        self, exc: Exception, started: bool, timeout: float, path: str = "/chat/completions"
    ) -> LLMError:
        import openai

        status = getattr(exc, "status_code", None)
        if status in (401, 403):
            sent = "was refused" if self._key else "is missing (none was sent)"
            return LLMSettingsError(
                f"{SERVER} at {self.url} refused the request (HTTP {status}): the API key {sent}",
                "set OPENAI_API_KEY to a key the server accepts",
                SERVER,
            )
        if problem := remote_failure(exc, self._endpoint, SERVER):
            return LLMSettingsError(problem.message, problem.hint, SERVER)
        if isinstance(exc, openai.APITimeoutError) or _is(exc, "TimeoutException"):
            what = "stopped answering" if started else "did not answer"
            return LLMTimeout(
                f"{SERVER} at {self.url} {what} within {timeout:g} s (model {self.model})",
                "the model may still be loading: raise openai_timeout "
                f"(ASSISTANT_OPENAI_TIMEOUT), retry, or {FALLBACK_HINT}",
                SERVER,
            )
        broken = isinstance(exc, openai.APIConnectionError) or _is(exc, "TransportError")
        if broken and started:
            return self._cut_off("the connection closed mid-stream")
        if broken:
            return LLMUnavailable(
                f"{SERVER} is not reachable at {self.url}",
                "start it (e.g. `python -m llama_cpp.server --model M.gguf`, `vllm serve M`), "
                f"set --openai-url / OPENAI_BASE_URL, or {FALLBACK_HINT}",
                SERVER,
            )
        if status == 404 and path != "/models" and _about_the_model(exc):
            return self._model_missing(None)
        if status == 404:
            v1 = "" if self.url.endswith("/v1") else f" (it is usually under {self.url}/v1)"
            return LLMUnavailable(
                f"the server at {self.url} does not answer like the OpenAI API (HTTP 404 "
                f"from {path}){v1}",
                f"check --openai-url / OPENAI_BASE_URL, or {FALLBACK_HINT}",
                SERVER,
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMError(
                f"{SERVER} at {self.url} failed (HTTP {status}) running {self.model}: "
                f"{_detail(exc)}",
                f"check the server's log, retry, or {FALLBACK_HINT}",
                SERVER,
            )
        malformed = ValueError | TypeError | AttributeError | openai.APIResponseValidationError
        if isinstance(exc, malformed):
            return self._cut_off("it sent something that is not the OpenAI API's JSON")
        return LLMError(
            f"{SERVER} at {self.url} failed: {type(exc).__name__}: {exc}", FALLBACK_HINT, SERVER
        )

    def _model_missing(self, available: list[str] | None) -> LLMModelMissing:
        have = ""
        if available is not None:
            have = f" (it serves: {', '.join(available)})" if available else " (it lists none)"
        return LLMModelMissing(
            f"{SERVER} at {self.url} does not serve the model {self.model}{have}",
            "choose one it serves with --model (ASSISTANT_MODEL), or load it on the server",
            SERVER,
        )

    def _cut_off(self, why: str) -> LLMBadOutput:
        return LLMBadOutput(
            f"the answer from {SERVER} ({self.model} at {self.url}) was cut off: {why}",
            f"retry; if it keeps happening check the server's log, or {FALLBACK_HINT}",
            SERVER,
        )


def _is(exc: BaseException, name: str) -> bool:
    """Whether `exc` is an httpx error of class `name` (the client's httpx, whichever it is)."""
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def _usage(usage: Any) -> dict[str, float]:
    found = {}
    if (prompt := getattr(usage, "prompt_tokens", None)) is not None:
        found["prompt_tokens"] = float(prompt)
    if (reply := getattr(usage, "completion_tokens", None)) is not None:
        found["reply_tokens"] = float(reply)
    return found


def _detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return " ".join(str(message).split())[:300]
    return " ".join(str(getattr(exc, "message", "") or exc).split())[:300]


def _refuses_format(exc: Any) -> bool:
    """A refused `response_format`: 400 or 422, or (llama-cpp-python answers its request
    validation errors with 500) any status whose message names it."""
    status = getattr(exc, "status_code", None)
    return status in (400, 422) or "response_format" in _detail(exc)


def _about_the_model(exc: Any) -> bool:
    return "model" in _detail(exc).lower()
