"""A test bed server that dies the way llama.cpp's AMX bug kills it (tests only, no model).

It speaks Ollama's API (the stand-in's) on the given port and answers `--answers` chats; on
the next it kills itself with SIGSEGV, as llama-cpp-python built natively on a CPU with AMX
does on its first prompt longer than one token. `--exit-at-start N` instead exits with status
N before listening (a server that cannot load its models).

    python -m tests.testbed_crasher --port P [--answers N] [--exit-at-start N]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from tests.ollama_standin import OllamaStandin, _Handler


class _Crashing(_Handler):
    answers_left: list[int]

    def _chat(self, body: dict[str, Any]) -> None:
        if self.answers_left[0] <= 0:
            print("llama_decode: ggml_backend_amx_mul_mat ...", flush=True)
            os.kill(os.getpid(), signal.SIGSEGV)
            time.sleep(30)  # the signal arrives asynchronously: do not answer meanwhile
        self.answers_left[0] -= 1
        super()._chat(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--answers", type=int, default=0)
    parser.add_argument("--exit-at-start", type=int)
    args = parser.parse_args(argv)
    if args.exit_at_start is not None:
        print("failed to load model", flush=True)
        return int(args.exit_at_start)
    standin = OllamaStandin(models=["qwen2.5-coder:1.5b"], reply="The sea is wide and deep.")
    handler = type("Handler", (_Crashing,), {"standin": standin, "answers_left": [args.answers]})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    print(f"serving on {args.port}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
