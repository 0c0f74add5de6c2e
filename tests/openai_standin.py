"""A stand-in OpenAI-compatible server for tests: a threaded `http.server` speaking the
chat-completions API as llama.cpp's server, vLLM and LM Studio do.

* `GET /v1/models` → `{"object": "list", "data": [{"id", "object", "created", "owned_by"}]}`
* `POST /v1/chat/completions` → with `"stream": true`, server-sent events
  (`text/event-stream`): `data: {chat.completion.chunk}` lines whose `choices[0].delta`
  carries the text, a last chunk with `finish_reason`, a usage chunk (`choices: []`) when
  `stream_options.include_usage` is set, then `data: [DONE]`; without it, one
  `chat.completion` object with `message` and `usage`
* errors as OpenAI sends them: `{"error": {"message", "type", "param", "code"}}` — 401 for a
  wrong key, 404 `model_not_found`, 400 for a `response_format` type it does not take (or
  `dialect_status`: llama-cpp-python's server answers its validation errors with 500)

Programmable per test through attributes (see `OpenAIStandin`); it records every request.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class OpenAIStandin:
    """The server's behaviour; change the attributes in a test before making requests.

    models:          ids `/v1/models` lists; a chat naming another model gets 404.
    reply:           the assistant text; a str is streamed in word-sized chunks, a list chunk
                     by chunk as given.
    replies:         replies for the next chat requests, one each; `reply` once used up.
    formats:         `response_format` types it takes ("json_schema", "json_object"); any
                     other gets `dialect_status` (400; 500 like llama-cpp-python).
    api_key:         the key every request must bear (401 otherwise); "" takes any.
    delay_before:    seconds before answering a chat (a slow start, or a timeout).
    drop_after:      close the socket after this many content chunks (no [DONE]).
    finish_reason:   the last chunk's ("stop", or "length" for a reply cut by max_tokens).
    fail_status:     answer chats with this status (and `fail_message`).
    usage:           whether it reports usage when asked (llama-cpp-python does not).
    """

    models: list[str] = field(default_factory=lambda: ["qwen2.5-coder:1.5b"])
    reply: str | list[str] = "The sky is blue because of Rayleigh scattering [1]."
    replies: list[str | list[str]] = field(default_factory=list)
    formats: tuple[str, ...] = ("json_schema", "json_object")
    dialect_status: int = 400
    api_key: str = ""
    delay_before: float = 0.0
    drop_after: int | None = None
    finish_reason: str = "stop"
    fail_status: int | None = None
    fail_message: str = "the model crashed"
    usage: bool = True
    strict: bool = False  # refuses fields beyond the API (as api.openai.com does)
    requests: list[tuple[str, str, Any, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def start(self) -> OpenAIStandin:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OpenAIStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API's base URL, as a user gives it to `--openai-url`."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def chat_bodies(self) -> list[Any]:
        return [body for _m, path, body, _h in self.requests if path.endswith("/completions")]

    def next_reply(self) -> list[str]:
        with self._lock:
            reply = self.replies.pop(0) if self.replies else self.reply
        if isinstance(reply, list):
            return list(reply)
        words = reply.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def _refusal(wanted: str, status: int) -> str:
    if status == 500:  # llama-cpp-python 0.3.36, word for word
        return (
            "1 validation error: {'type': 'literal_error', 'loc': ('body', 'response_format', "
            f"'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': '{wanted}'}}"
        )
    return f"response_format type {wanted!r} is not supported"


def _error(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _Handler(BaseHTTPRequestHandler):
    standin: OpenAIStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        self._dispatch(body)

    def _dispatch(self, body: Any) -> None:
        s = self.standin
        s.requests.append((self.command, self.path, body, dict(self.headers.items())))
        if s.api_key and self.headers.get("Authorization") != f"Bearer {s.api_key}":
            self._send(
                401,
                _error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
            )
            return
        if (self.command, self.path) == ("GET", "/v1/models"):
            data = [
                {"id": m, "object": "model", "created": 1733000000, "owned_by": "standin"}
                for m in s.models
            ]
            self._send(200, {"object": "list", "data": data})
        elif (self.command, self.path) == ("POST", "/v1/chat/completions"):
            self._chat(body if isinstance(body, dict) else {})
        else:
            self._send(404, _error(f"Unknown path {self.path}", "not_found_error"))

    def _chat(self, body: dict[str, Any]) -> None:
        s = self.standin
        model = str(body.get("model", ""))
        if model not in s.models:
            self._send(
                404,
                _error(
                    f"The model `{model}` does not exist.",
                    "invalid_request_error",
                    "model_not_found",
                ),
            )
            return
        extra = next((k for k in ("stream_options", "repeat_penalty") if k in body), None)
        if s.strict and extra:
            message = f"Unrecognized request argument supplied: {extra}"
            self._send(400, _error(message, "invalid_request_error"))
            return
        wanted = (body.get("response_format") or {}).get("type")
        if wanted not in (None, "text", *s.formats):
            refusal = _refusal(str(wanted), s.dialect_status)
            self._send(s.dialect_status, _error(refusal, "invalid_request_error"))
            return
        if s.fail_status is not None:
            self._send(s.fail_status, _error(s.fail_message, "server_error"))
            return
        if s.delay_before:
            time.sleep(s.delay_before)
        chunks = s.next_reply()
        if body.get("max_tokens") == 1:
            chunks = chunks[:1]
        if not body.get("stream"):
            self._send(
                200,
                {
                    "id": "chatcmpl-standin",
                    "object": "chat.completion",
                    "created": 1733000000,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": "".join(chunks)},
                            "finish_reason": s.finish_reason,
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 26,
                        "completion_tokens": len(chunks),
                        "total_tokens": 26 + len(chunks),
                    },
                },
            )
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, text in enumerate(chunks):
            if s.drop_after is not None and i >= s.drop_after:
                self._drop()
                return
            self._event(self._chunk(model, {"content": text}, None))
        self._event(self._chunk(model, {}, s.finish_reason))
        if s.usage and (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": 26,
                "completion_tokens": len(chunks),
                "total_tokens": 26 + len(chunks),
            }
            self._event({**self._chunk(model, {}, None), "choices": [], "usage": usage})
        self._write(b"data: [DONE]\n\n")
        self._write(b"")

    @staticmethod
    def _chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-standin",
            "object": "chat.completion.chunk",
            "created": 1733000000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _event(self, payload: dict[str, Any]) -> None:
        self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")

    def _write(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _drop(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
