"""The Ollama backend (`llm = "ollama"`): the only module that chats with an Ollama server.

It wraps the official `ollama` client (imported lazily: it pulls in httpx and pydantic, which
start-up does not need) and turns every failure into an `OllamaError` subclass carrying a
message and a hint that name the host and model. No raw httpx/ollama exception escapes.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from assistant.config.remote import Endpoint, remote_failure
from assistant.errors import (
    OllamaBadOutput,
    OllamaError,
    OllamaModelMissing,
    OllamaSettingsError,
    OllamaTimeout,
    OllamaUnavailable,
)
from assistant.llm.base import REPEAT_PENALTY

FALLBACK_HINT = "use --llm extractive to answer without Ollama"


def same_model(wanted: str, available: str) -> bool:
    """Ollama's name equivalence: `llama3.2` is `llama3.2:latest`; case-insensitive."""
    return _with_tag(wanted) == _with_tag(available)


def _with_tag(name: str) -> str:
    name = name.strip().lower()
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


class OllamaChat:
    """Chat with one model on one Ollama server, with errors the user can act on (a
    `ChatModel`, see `assistant/llm/base.py`)."""

    kind = "ollama"
    server = "Ollama"

    def __init__(
        self,
        host: str,
        model: str,
        timeout: float,
        num_ctx: int = 8192,
        temperature: float = 0.0,
        headers: Mapping[str, str] | None = None,
        verify: bool | str = True,
        probe_timeout: float = 1.5,
    ) -> None:
        """`headers` go with every request (a proxy's token: never shown); `verify` is True
        or the path of the CA bundle that https:// certificates are checked against;
        `probe_timeout` is how long a probe waits by default (`auto` falls back after it)."""
        self.host = host
        self.probe_timeout = probe_timeout
        self.model = model
        self.timeout = timeout
        self.num_ctx = num_ctx
        self.temperature = temperature
        self._endpoint = Endpoint(
            host, "ollama_host", dict(headers or {}), verify, "ollama_headers"
        )
        self._client: Any = None
        self._lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    def probe(self, timeout: float) -> None:
        """Check within `timeout` seconds that the server answers and has the model.

        Raises OllamaUnavailable (down, refusing, not an Ollama server), OllamaTimeout (no
        answer in time) or OllamaModelMissing (model not pulled). Returns None when ready.
        """
        client = _new_client(self._endpoint, timeout)
        try:
            listing = client.list()
        except Exception as exc:
            raise self.probe_error(exc, timeout) from None
        finally:
            client.close()
        names = [_listed_name(entry) for entry in getattr(listing, "models", None) or []]
        if not any(same_model(self.model, name) for name in names if name):
            raise self._model_missing(names)

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

        `schema`: a JSON schema the reply must follow (Ollama's `format`, Ollama ≥ 0.5).
        `num_predict` caps the reply in tokens. `stats`, if given, receives the final message's
        counts as `base.STATS` names them (prompt_tokens, reply_tokens, prompt_eval ms,
        done_reason).
        The request is sent when iteration starts. Raises an OllamaError subclass on any
        failure, including a reply that is cut off, malformed or empty.
        """
        client = self.shared_client()
        options: dict[str, Any] = {
            "temperature": self.temperature if temperature is None else temperature,
            "num_ctx": self.num_ctx,
            "repeat_penalty": REPEAT_PENALTY,
        }
        if num_predict:
            options["num_predict"] = num_predict
        extra: dict[str, Any] = {"format": schema} if schema else {}
        started = False
        got_text = False
        try:
            stream = client.chat(
                model=self.model, messages=messages, stream=True, options=options, **extra
            )
            with contextlib.closing(stream):
                for part in stream:
                    started = True
                    delta = _content(part)
                    if delta:
                        got_text = got_text or bool(delta.strip())
                        yield delta
                    if getattr(part, "done", False):
                        if stats is not None:
                            stats.update(_final_stats(part))
                        break
                else:
                    raise self._cut_off("the stream ended without a final `done` message")
        except OllamaError:
            raise
        except Exception as exc:
            raise self.chat_error(exc, started) from None
        if not got_text:
            raise OllamaBadOutput(
                f"Ollama model {self.model} at {self.host} returned an empty answer",
                f"try the question again, choose another model with --model, or {FALLBACK_HINT}",
            )

    @property
    def where(self) -> str:
        return self.host

    def follows_schemas(self, timeout: float) -> bool:
        """Whether replies can be constrained to a JSON schema: Ollama 0.5.0 and later."""
        return supports_schemas(self.version(timeout))

    def version(self, timeout: float | None = None) -> str:
        """The server's version (`/api/version`), e.g. "0.12.6"."""
        import httpx

        try:
            response = httpx.get(
                f"{self.host}/api/version",
                timeout=timeout or self.timeout,
                headers=self._endpoint.headers,
                verify=self._endpoint.ssl_context(),
            )
            response.raise_for_status()
            return str(response.json()["version"])
        except httpx.TimeoutException:
            raise self._timeout(timeout or self.timeout) from None
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            if problem := self.settings_problem(exc):
                raise problem from None
            if isinstance(exc, httpx.ConnectError):
                raise self._unreachable() from None
            status = getattr(getattr(exc, "response", None), "status_code", None)
            raise self._not_ollama(status) from None

    def context_length(self) -> int | None:
        """The model's trained context length, as `/api/show` reports it (None if unknown)."""
        try:
            shown = self.shared_client().show(self.model)
        except Exception as exc:
            raise self.chat_error(exc, started=False) from None
        info = getattr(shown, "modelinfo", None) or getattr(shown, "model_info", None) or {}
        for key, value in dict(info).items():
            if key.endswith(".context_length") and isinstance(value, int):
                return value
        return None

    def shared_client(self) -> Any:
        """One HTTP client (connection pool) for this object's lifetime; httpx's is
        thread-safe, so batch workers share it."""
        with self._lock:
            if self._client is None:
                self._client = _new_client(self._endpoint, self.timeout)
            return self._client

    def close(self) -> None:
        """Release the HTTP connection pool (safe to call more than once)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()

    # -- error translation --------------------------------------------------------------------

    def settings_problem(self, exc: BaseException) -> OllamaSettingsError | None:
        """A refused header or an untrusted certificate, naming the setting to fix."""
        problem = remote_failure(exc, self._endpoint, "Ollama server")
        if problem is None:
            return None
        return OllamaSettingsError(problem.message, problem.hint)

    def probe_error(self, exc: Exception, timeout: float) -> OllamaError:
        import httpx
        import ollama

        if problem := self.settings_problem(exc):
            return problem
        if isinstance(exc, httpx.TimeoutException):
            return self._timeout(timeout)
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            return self._unreachable()
        if isinstance(exc, ollama.ResponseError | ValueError | TypeError | AttributeError):
            return self._not_ollama(getattr(exc, "status_code", None))
        return self._unreachable(f" ({type(exc).__name__})")

    def chat_error(self, exc: Exception, started: bool) -> OllamaError:
        import httpx
        import ollama

        if problem := self.settings_problem(exc):
            return problem
        if isinstance(exc, httpx.TimeoutException):
            return self._timeout(self.timeout, started)
        if isinstance(exc, ConnectionError | httpx.ConnectError):
            return self._unreachable()
        if isinstance(exc, ollama.ResponseError):
            return self._response_error(exc)
        if isinstance(exc, ValueError | TypeError | AttributeError):
            return self._cut_off("it sent a line that is not valid Ollama JSON")
        if isinstance(exc, httpx.TransportError) and started:
            return self._cut_off("the connection closed mid-stream")
        if isinstance(exc, httpx.TransportError):
            return self._unreachable(" (the connection closed before any reply)")
        return OllamaError(
            f"Ollama at {self.host} failed: {type(exc).__name__}: {exc}", FALLBACK_HINT
        )

    def _response_error(self, exc: Any) -> OllamaError:
        status = getattr(exc, "status_code", -1)
        detail = str(getattr(exc, "error", "") or exc).strip()
        if status == 404 and "model" in detail.lower():
            return self._model_missing(None)
        if status == 404:
            return self._not_ollama(status)
        where = f"HTTP {status}" if status and status > 0 else "mid-stream"
        return OllamaError(
            f"Ollama at {self.host} failed ({where}) running {self.model}: {detail}",
            f"check the `ollama serve` log, retry, or {FALLBACK_HINT}",
        )

    def _unreachable(self, why: str = "") -> OllamaUnavailable:
        return OllamaUnavailable(
            f"Ollama is not reachable at {self.host}{why}",
            f"start it with `ollama serve`, set OLLAMA_HOST, or {FALLBACK_HINT}",
        )

    def _not_ollama(self, status: int | None) -> OllamaUnavailable:
        answer = f" (HTTP {status} from /api/tags)" if status and status > 0 else ""
        return OllamaUnavailable(
            f"the server at {self.host} does not answer like Ollama{answer}",
            f"check OLLAMA_HOST / ollama_host points at `ollama serve`, or {FALLBACK_HINT}",
        )

    def _timeout(self, seconds: float, started: bool = False) -> OllamaTimeout:
        what = "stopped answering" if started else "did not answer"
        return OllamaTimeout(
            f"Ollama at {self.host} {what} within {seconds:g} s (model {self.model})",
            "the model may still be loading: raise ollama_timeout "
            f"(ASSISTANT_OLLAMA_TIMEOUT), retry, or {FALLBACK_HINT}",
        )

    def _model_missing(self, available: list[str] | None) -> OllamaModelMissing:
        have = ""
        if available is not None:
            have = f" (it has: {', '.join(available)})" if available else " (it has no models)"
        return OllamaModelMissing(
            f"Ollama at {self.host} does not have the model {self.model}{have}",
            f"run `ollama pull {self.model}` or choose another with --model",
        )

    def _cut_off(self, why: str) -> OllamaBadOutput:
        return OllamaBadOutput(
            f"the answer from Ollama ({self.model} at {self.host}) was cut off: {why}",
            f"retry; if it keeps happening check the `ollama serve` log, or {FALLBACK_HINT}",
        )


def _new_client(endpoint: Endpoint, timeout: float) -> Any:
    """An `ollama.Client` whose connect/read/write/pool timeouts are all `timeout` seconds,
    sending the endpoint's headers and trusting its CA bundle."""
    import ollama

    return ollama.Client(
        host=endpoint.url,
        timeout=timeout,
        headers=dict(endpoint.headers),
        verify=endpoint.ssl_context(),
    )


def _listed_name(entry: Any) -> str:
    return str(getattr(entry, "model", None) or getattr(entry, "name", None) or "")


def supports_schemas(version: str) -> bool:
    """Ollama constrains replies to a JSON schema from 0.5.0 on."""
    parts = [int(p) for p in re.findall(r"\d+", version)[:2]] + [0, 0]
    return (parts[0], parts[1]) >= (0, 5)


def _final_stats(part: Any) -> dict[str, Any]:
    """The final message's counts, under the names `base.STATS` gives them."""
    found: dict[str, Any] = {}
    if (prompt := getattr(part, "prompt_eval_count", None)) is not None:
        found["prompt_tokens"] = float(prompt)
    if (reply := getattr(part, "eval_count", None)) is not None:
        found["reply_tokens"] = float(reply)
    if (nanoseconds := getattr(part, "prompt_eval_duration", None)) is not None:
        found["prompt_eval"] = nanoseconds / 1e6
    if reason := getattr(part, "done_reason", None):
        found["done_reason"] = reason
    return found


def _content(part: Any) -> str:
    message = getattr(part, "message", None)
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else ""
