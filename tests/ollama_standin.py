"""A stand-in Ollama server for tests: a threaded `http.server` speaking Ollama's HTTP API.

It answers like `ollama serve` does (checked against the Ollama API docs and server source):

* `GET /` → `Ollama is running`; `GET /api/version` → `{"version": ...}`
* `GET /api/tags` → `{"models": [{"name", "model", "modified_at", "size", "digest", "details"}]}`
* `POST /api/chat` → streamed NDJSON (chunked transfer encoding, `application/x-ndjson`):
  `{"model","created_at","message":{"role":"assistant","content":...},"done":false}` lines, then
  a `done: true` line with `done_reason` and the duration/eval counts; `"stream": false` gives one
  JSON object instead
* `POST /api/embed` → `{"model","embeddings":[[...]],"total_duration",...}`
* `POST /api/show` → `{"modelfile","parameters","template","details","model_info",...}`
* an unknown model → 404 `{"error":"model \\"x\\" not found, try pulling it first"}`
  (`/api/show`: `{"error":"model 'x' not found"}`)

Programmable per test through attributes (see `OllamaStandin`), and it records every request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OLLAMA_VERSION = "0.12.6"
HOLD_LIMIT = 30.0  # seconds a held chat waits for its release before going on regardless


@dataclass
class RecordedRequest:
    """One request the stand-in received."""

    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class OllamaStandin:
    """The server's behaviour; change the attributes in a test before making requests.

    models:         names `/api/tags` lists; `x` and `x:latest` are the same model.
    reply:          the assistant text; a str is split into word-sized chunks, a list is
                    streamed chunk by chunk as given (use "" or [] for an empty reply).
    replies:        replies for the next `/api/chat` requests, one each, first first; `reply`
                    answers once they are used up.
    delay_before:   seconds to wait before answering any request (simulates a slow start).
    delay_between:  seconds to wait between streamed chunks (simulates a stall).
    drop_after:     close the socket abruptly after this many content chunks (no final chunk).
    malformed_after: send a broken JSON line after this many content chunks.
    omit_done:      end the stream cleanly but without the `done: true` line.
    error_after:    (n, message): send Ollama's mid-stream `{"error": message}` line after n chunks.
    fail_status:    answer /api/chat, /api/embed and /api/generate with this status, e.g. 500.
    fail_message:   the `error` text sent with `fail_status`.
    impostor:       answer every path with a plain-text 404, like a server that is not Ollama.
    done_reason:    `done_reason` in the final line ("stop", or "length" for a truncated reply).
    embedding_dim:  length of the vectors `/api/embed` returns.
    version:        what `/api/version` answers (structured replies need 0.5 or later).
    max_in_flight:  (read) the most `/api/chat` requests it was answering at once.

    Synchronisation, instead of delays, for tests about concurrency and streaming:
    `hold_chats(after=n)` makes every `/api/chat` stream stop after n content chunks until
    `release_chats()`; `wait_for_chats(n)` blocks until n chats are being answered at once;
    `hold_expired` counts holds that ended by `HOLD_LIMIT` instead of a release (a test that
    expected its release to come first asserts it is 0).
    """

    models: list[str] = field(default_factory=lambda: ["llama3.2:latest"])
    reply: str | list[str] = "The sky is blue because of Rayleigh scattering [1]."
    delay_before: float = 0.0
    delay_between: float = 0.0
    drop_after: int | None = None
    malformed_after: int | None = None
    omit_done: bool = False
    error_after: tuple[int, str] | None = None
    fail_status: int | None = None
    fail_message: str = "llama runner process has terminated: exit status 2"
    impostor: bool = False
    done_reason: str = "stop"
    embedding_dim: int = 8
    version: str = OLLAMA_VERSION
    replies: list[str | list[str]] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    max_in_flight: int = 0

    hold_expired: int = 0

    def __post_init__(self) -> None:
        self._in_flight = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # in-flight count changed
        self._hold_after: int | None = None
        self._released = threading.Event()

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> OllamaStandin:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wake any handler that is sleeping in a delay."""
        self._stopping.set()
        self._released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> OllamaStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stand-in not started"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321`."""
        return f"http://127.0.0.1:{self.port}"

    # -- inspection -----------------------------------------------------------------------------

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests for one path, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    @property
    def chat_bodies(self) -> list[Any]:
        """The JSON bodies of every `/api/chat` request, oldest first."""
        return [r.body for r in self.requests_to("/api/chat")]

    # -- behaviour helpers used by the handler ------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds` unless the stand-in stops first; True if it is stopping."""
        if seconds > 0:
            self._stopping.wait(seconds)
        return self._stopping.is_set()

    def chat_started(self) -> None:
        with self._changed:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            self._changed.notify_all()

    def chat_ended(self) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()

    # -- synchronisation with the test ----------------------------------------------------------

    def hold_chats(self, after: int = 0) -> None:
        """From now on, `/api/chat` streams stop after `after` content chunks until
        `release_chats()` (or `HOLD_LIMIT` seconds, counted in `hold_expired`)."""
        self._released.clear()
        self._hold_after = after

    def release_chats(self) -> None:
        """Let every held stream (and every later one) go on."""
        self._hold_after = None
        self._released.set()

    def wait_for_chats(self, n: int, timeout: float = HOLD_LIMIT) -> bool:
        """Block until `n` `/api/chat` requests are being answered at once; False if they
        were not within `timeout` seconds (a deadline for a failing test, not a delay)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._in_flight >= n, timeout)

    def hold(self, sent: int) -> None:
        """Called by a streaming handler after `sent` chunks: wait here if held there."""
        if self._hold_after is None or sent != self._hold_after:
            return
        if not self._released.wait(HOLD_LIMIT):
            with self._lock:
                self.hold_expired += 1

    def has_model(self, name: str) -> bool:
        return any(_tagged(name) == _tagged(m) for m in self.models)

    def chunks(self) -> list[str]:
        """The next reply's chunks (from `replies` while it lasts, else `reply`)."""
        with self._lock:
            reply = self.replies.pop(0) if self.replies else self.reply
        if isinstance(reply, list):
            return list(reply)
        return re.findall(r"\s*\S+", reply) or [reply]


def _tagged(name: str) -> str:
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _details() -> dict[str, Any]:
    return {
        "parent_model": "",
        "format": "gguf",
        "family": "llama",
        "families": ["llama"],
        "parameter_size": "3.2B",
        "quantization_level": "Q4_K_M",
    }


def _vector(text: str, dim: int) -> list[float]:
    seed = hashlib.sha256(text.encode()).digest()
    raw = [(seed[i % len(seed)] - 127.5) / 127.5 for i in range(dim)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


class _Handler(BaseHTTPRequestHandler):
    """Routes requests to Ollama-shaped answers according to `standin`'s settings."""

    standin: OllamaStandin
    protocol_version = "HTTP/1.1"
    server_version = "ollama-standin"

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def handle_one_request(self) -> None:
        """A client that hangs up (e.g. after its timeout) is normal here, not an error."""
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    # -- plumbing -------------------------------------------------------------------------------

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if content_type == "application/json":
            content_type = "application/json; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _send_piece(self, model: str, text: str) -> None:
        """One streamed NDJSON line of a chat reply, as `ollama serve` sends it."""
        line = {
            "model": model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": text},
            "done": False,
        }
        self._chunk(json.dumps(line).encode() + b"\n")

    def _drop(self) -> None:
        """Close the TCP connection without finishing the chunked body."""
        self.wfile.flush()
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # -- dispatch -------------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self._dispatch(None)

    def do_POST(self) -> None:
        self._dispatch(self._body())

    def _dispatch(self, body: Any) -> None:
        s = self.standin
        s.record(RecordedRequest(self.command, self.path, body, dict(self.headers.items())))
        if s.sleep(s.delay_before):
            self.close_connection = True
            return
        if s.impostor:
            self._send(404, b"404 page not found", "text/plain; charset=utf-8")
            return
        routes = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): self._version,
            ("GET", "/api/tags"): self._tags,
            ("POST", "/api/chat"): self._chat,
            ("POST", "/api/embed"): self._embed,
            ("POST", "/api/show"): self._show,
        }
        route = routes.get((self.command, self.path))
        if route is None:
            self._send(404, b"404 page not found", "text/plain; charset=utf-8")
            return
        route(body if isinstance(body, dict) else {})

    # -- endpoints ------------------------------------------------------------------------------

    def _root(self, _body: dict[str, Any]) -> None:
        self._send(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self, _body: dict[str, Any]) -> None:
        self._send(200, {"version": self.standin.version})

    def _tags(self, _body: dict[str, Any]) -> None:
        models = [
            {
                "name": name,
                "model": name,
                "modified_at": "2025-10-03T23:34:03.409490317-07:00",
                "size": 2019393189,
                "digest": _digest(name),
                "details": _details(),
            }
            for name in self.standin.models
        ]
        self._send(200, {"models": models})

    def _model_checks(self, body: dict[str, Any]) -> bool:
        """Send the error Ollama sends for a bad request; True when one was sent."""
        s = self.standin
        name = body.get("model")
        if not name:
            self._send(400, {"error": "model is required"})
            return True
        if not s.has_model(str(name)):
            self._send(404, {"error": f"model {json.dumps(name)} not found, try pulling it first"})
            return True
        if s.fail_status is not None:
            self._send(s.fail_status, {"error": s.fail_message})
            return True
        return False

    def _chat(self, body: dict[str, Any]) -> None:
        if self._model_checks(body):
            return
        self.standin.chat_started()
        try:
            if body.get("stream", True) is False:
                self._chat_whole(body)
            else:
                self._chat_stream(body)
        finally:
            self.standin.chat_ended()

    def _final(self, model: str, content: str, n_chunks: int) -> dict[str, Any]:
        return {
            "model": model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": content},
            "done_reason": self.standin.done_reason,
            "done": True,
            "total_duration": 4353619900,
            "load_duration": 63915300,
            "prompt_eval_count": 26,
            "prompt_eval_duration": 246847000,
            "eval_count": n_chunks,
            "eval_duration": 4032296000,
        }

    def _chat_whole(self, body: dict[str, Any]) -> None:
        chunks = self.standin.chunks()
        self._send(200, self._final(str(body["model"]), "".join(chunks), len(chunks)))

    def _chat_stream(self, body: dict[str, Any]) -> None:
        s = self.standin
        model = str(body["model"])
        chunks = s.chunks()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i, text in enumerate(chunks):
            s.hold(i)
            if self._interrupt(i):
                return
            if i and s.sleep(s.delay_between):
                self._drop()
                return
            self._send_piece(model, text)
        if self._interrupt(len(chunks)) or s.sleep(s.delay_between):
            return
        if not s.omit_done:
            self._chunk(json.dumps(self._final(model, "", len(chunks))).encode() + b"\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _interrupt(self, sent: int) -> bool:
        """Apply drop/malformed/error settings once `sent` chunks went out; True if it ended."""
        s = self.standin
        if s.drop_after is not None and sent >= s.drop_after:
            self._drop()
            return True
        if s.malformed_after is not None and sent >= s.malformed_after:
            self._chunk(b'{"model":"' + str(sent).encode() + b'","message":{"role":\n')
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return True
        if s.error_after is not None and sent >= s.error_after[0]:
            self._chunk(json.dumps({"error": s.error_after[1]}).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
            return True
        return False

    def _embed(self, body: dict[str, Any]) -> None:
        if self._model_checks(body):
            return
        given = body.get("input", "")
        texts = [given] if isinstance(given, str) else [str(t) for t in given]
        self._send(
            200,
            {
                "model": body["model"],
                "embeddings": [_vector(t, self.standin.embedding_dim) for t in texts],
                "total_duration": 14143917,
                "load_duration": 1019500,
                "prompt_eval_count": sum(len(t.split()) for t in texts),
            },
        )

    def _show(self, body: dict[str, Any]) -> None:
        name = str(body.get("model") or body.get("name") or "")
        if not self.standin.has_model(name):
            self._send(404, {"error": f"model '{name}' not found"})
            return
        self._send(
            200,
            {
                "modelfile": f'# Modelfile generated by "ollama show"\nFROM {name}\n',
                "parameters": 'stop "<|eot_id|>"',
                "template": "{{ .Prompt }}",
                "details": _details(),
                "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
                "capabilities": ["completion", "tools"],
                "modified_at": "2025-10-03T23:34:03.409490317-07:00",
            },
        )


def wait_until_listening(url: str, timeout: float = 5.0) -> None:
    """Block until something accepts TCP connections at `url` (host:port)."""
    hostport = url.split("://", 1)[-1].split("/", 1)[0]
    host, port = hostport.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, int(port)), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)
