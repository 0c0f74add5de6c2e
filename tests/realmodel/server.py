"""An Ollama-API server backed by real GGUF models through llama-cpp-python (test bed only).

Ollama itself cannot be installed here, so this serves the same HTTP API — the wire format of
`tests/ollama_standin.py` (`/api/tags`, `/api/show`, `/api/version`, `/api/chat` streamed or
not) — but the replies come from real instruction-tuned models, with the options the
assistant sends: `format` ("json" or a JSON schema, which llama.cpp turns into a grammar as
Ollama does), `temperature`, `num_ctx`, `num_predict`, `seed`, `repeat_penalty` and
`repeat_last_n` (Ollama's defaults, 1.1 over the last 64 tokens, when not given). Models are
loaded on first use and answer one request at a time, as a single Ollama runner does.

    python -m tests.realmodel.server --port 11435 [--version 0.12.6]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.ollama_standin import OLLAMA_VERSION, OllamaStandin, _Handler, _now
from tests.realmodel.generate import generate, grammar_for
from tests.realmodel.models import DEFAULT_CACHE, MODELS, model_path

DEFAULT_CTX = 8192


class LlamaModels:
    """The GGUF models found in the cache, each loaded once, used under one lock."""

    def __init__(self, cache: Path, threads: int) -> None:
        self.paths = {name: model_path(name, cache) for name in MODELS}
        self.paths = {name: path for name, path in self.paths.items() if path.exists()}
        self.threads = threads
        self.lock = threading.Lock()
        self._loaded: dict[tuple[str, int], Any] = {}

    def names(self) -> list[str]:
        return sorted(self.paths)

    def get(self, name: str, n_ctx: int) -> Any:
        from llama_cpp import Llama

        key = (_canonical(name, self.paths), n_ctx)
        if key not in self._loaded:
            for old in [k for k in self._loaded if k[0] == key[0]]:
                del self._loaded[old]  # one context size per model at a time
            self._loaded[key] = Llama(
                model_path=str(self.paths[key[0]]),
                n_ctx=n_ctx,
                n_threads=self.threads,
                n_batch=512,
                verbose=False,
            )
        return self._loaded[key]


def _canonical(name: str, paths: dict[str, Path]) -> str:
    tagged = name if ":" in name.rsplit("/", 1)[-1] else name + ":latest"
    for known in paths:
        if known in (name, tagged):
            return known
    raise KeyError(name)


class _RealHandler(_Handler):
    models: LlamaModels
    version: str

    def _version(self, _body: dict[str, Any]) -> None:
        self._send(200, {"version": self.version})

    def _show(self, body: dict[str, Any]) -> None:
        name = str(body.get("model") or body.get("name") or "")
        if not self.standin.has_model(name):
            self._send(404, {"error": f"model '{name}' not found"})
            return
        with self.models.lock:
            llm = self.models.get(name, 512)
            metadata = dict(llm.metadata)
        arch = metadata.get("general.architecture", "llama")
        info: dict[str, Any] = {"general.architecture": arch}
        for key, value in metadata.items():
            if key.endswith((".context_length", ".block_count", ".embedding_length")):
                info[key] = int(value)
        self._send(
            200,
            {
                "modelfile": f"FROM {self.models.paths[_canonical(name, self.models.paths)]}\n",
                "parameters": "",
                "template": metadata.get("tokenizer.chat_template", ""),
                "details": {"format": "gguf", "family": arch, "families": [arch]},
                "model_info": info,
                "capabilities": ["completion"],
                "modified_at": _now(),
            },
        )

    def _chat(self, body: dict[str, Any]) -> None:
        if self._model_checks(body):
            return
        options = body.get("options") or {}
        kwargs: dict[str, Any] = {
            "grammar": grammar_for(body.get("format")),
            "temperature": float(options.get("temperature", 0.8)),
            "max_tokens": int(options["num_predict"]) if options.get("num_predict") else None,
            "seed": options.get("seed"),
            "repeat_penalty": float(options.get("repeat_penalty", 1.1)),
            "repeat_last_n": int(options.get("repeat_last_n", 64)),
        }
        n_ctx = int(options.get("num_ctx") or DEFAULT_CTX)
        model = str(body["model"])
        with self.models.lock:
            llm = self.models.get(model, n_ctx)
            started = time.perf_counter()
            messages = body.get("messages") or []
            pieces, first, reason = self._generate(
                llm, messages, kwargs, body.get("stream", True), model
            )
            total = time.perf_counter() - started
            prompt_tokens = max(0, llm.n_tokens - len(pieces))  # evaluated or reused from cache
        final = {
            "model": model,
            "created_at": _now(),
            "message": {"role": "assistant", "content": ""},
            "done_reason": reason,
            "done": True,
            "total_duration": int(total * 1e9),
            "load_duration": 0,
            "prompt_eval_count": prompt_tokens,
            "prompt_eval_duration": int(first * 1e9),
            "eval_count": len(pieces),
            "eval_duration": int((total - first) * 1e9),
        }
        if os.environ.get("ASSISTANT_TESTBED_LOG"):
            prompt = (body.get("messages") or [{}])[-1].get("content", "")
            print(
                f"--- {model} ({reason}, {len(pieces)} tokens, first after {first:.1f} s)\n"
                f"{prompt[-1500:]}\n>>> {''.join(pieces)}",
                flush=True,
            )
        if body.get("stream", True) is False:
            final["message"]["content"] = "".join(pieces)
            self._send(200, final)
        else:
            self._chunk(json.dumps(final).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    def _generate(
        self,
        llm: Any,
        messages: list[dict[str, str]],
        kwargs: dict[str, Any],
        stream: bool,
        model: str,
    ) -> tuple[list[str], float, str]:
        """Run the model; when streaming, send each piece as it comes. Returns the pieces,
        the seconds to the first piece (prompt processing) and why it stopped."""
        if stream:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
        started = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        reason = "stop"
        for text, stopped in generate(llm, messages, **kwargs):
            if stopped:
                reason = stopped
            if not text:
                continue
            if not pieces:
                first = time.perf_counter() - started
            pieces.append(text)
            if stream:
                self._send_piece(model, text)
        return pieces, first, reason


def serve(port: int, cache: Path, version: str, threads: int) -> ThreadingHTTPServer:
    """A started server (in a background thread) on 127.0.0.1:`port` (0: a free port)."""
    models = LlamaModels(cache, threads)
    if not models.names():
        raise SystemExit(f"no models in {cache}/models: run `python -m tests.realmodel.models`")
    standin = OllamaStandin(models=models.names())
    handler = type(
        "Handler", (_RealHandler,), {"standin": standin, "models": models, "version": version}
    )
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=11435)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--version", default=OLLAMA_VERSION, help="what /api/version says")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    server = serve(args.port, args.cache, args.version, args.threads)
    host, port = server.server_address[:2]
    names = server.RequestHandlerClass.models.names()  # type: ignore[attr-defined]
    print(f"serving {', '.join(names)} on http://{host!s}:{port}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
