"""Start the real-model test bed server, prove it answers, and notice when it dies.

The server (`tests.realmodel.server`) runs in its own process with its output in a log file,
so a crash of llama.cpp inside it ends that process, not the caller. Right after start-up a
smoke check asks for one short completion of several tokens: a llama-cpp-python built
natively on a CPU with AMX answers a one-token prompt and dies on the first longer one, and
that must stop the run at once with the cause and the fix, not surface later as a hundred
"Ollama is not reachable" answers. `run_watched` runs a command (an eval) while watching the
server, and stops both the moment the server dies.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SMOKE_PROMPT = "Write one short sentence about the sea."
SMOKE_TOKENS = 8
PREFERRED = ("qwen2.5-coder:1.5b", "smollm2:135m")


class TestbedDied(SystemExit):
    """The test bed server process ended; the message names the cause and the fix."""

    __test__ = False  # not a pytest test class


@dataclass
class Testbed:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    __test__ = False

    def died(self) -> TestbedDied | None:
        """Why the server is gone, or None while it runs."""
        code = self.process.poll()
        return None if code is None else TestbedDied(explain(code, self.log))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def explain(returncode: int, log: Path, lines: int = 15) -> str:
    """What a person reads when the server process ended with `returncode`."""
    tail = ""
    if log.exists():
        kept = log.read_text("utf-8", errors="replace").splitlines()[-lines:]
        tail = "\n".join("    " + line for line in kept)
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        how = f"was killed by {name}"
    else:
        how = f"exited with status {returncode}"
    message = f"the test bed server (llama-cpp-python) {how}."
    if returncode in (-signal.SIGSEGV, -signal.SIGILL, -signal.SIGBUS):
        message += (
            "\n  A crash in llama.cpp itself. On CPUs with AMX (`grep amx /proc/cpuinfo`) a "
            "natively built llama-cpp-python segfaults on the first prompt longer than one "
            "token; a wheel built on another CPU dies with SIGILL."
            "\n  Fix: reinstall the portable build, `.venv/bin/pip uninstall -y "
            "llama-cpp-python && rm -f .venv/.llama-cpp && make test-llm` "
            "(tests/realmodel/build.py: GGML_NATIVE=OFF, AMX off, 3-10 minutes once); "
            "`python -m tests.realmodel.build --check` tells whether the installed one has AMX."
        )
    if tail:
        message += f"\n  Its last output ({log}):\n{tail}"
    return message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(cache: Path) -> Callable[[int], list[str]]:
    """The real server's command line for a port."""
    return lambda port: [
        sys.executable, "-m", "tests.realmodel.server", "--port", str(port), "--cache", str(cache)
    ]  # fmt: skip


def openai_server_command(cache: Path, model: str) -> Callable[[int], list[str]]:
    """llama-cpp-python's own OpenAI-compatible server (its `[server]` extra) serving `model`
    of the test bed under its Ollama-style name, with the context the Ollama path uses."""
    from tests.realmodel.models import model_path

    path = model_path(model, cache)
    return lambda port: [
        sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", model,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192",
        "--n_threads", str(os.cpu_count() or 2),
    ]  # fmt: skip


def start(command: Callable[[int], Sequence[str]], log: Path, timeout: float = 60.0) -> Testbed:
    """Start the server on a free port and wait until it listens (or dies)."""
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command(port)), cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    testbed = Testbed(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (dead := testbed.died()) is not None:
            raise dead
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return testbed
        except OSError:
            time.sleep(0.1)
    testbed.stop()
    raise TestbedDied(f"the test bed server did not listen within {timeout:.0f} s; see {log}")


def _post(url: str, body: dict[str, object], timeout: float) -> dict[str, object]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return dict(json.loads(reply.read()))


def smoke(testbed: Testbed, model: str | None = None, timeout: float = 300.0) -> str:
    """One short real completion of several tokens; its text. Raises TestbedDied with the
    cause when the server dies on it (llama.cpp's AMX crash), or a plain error otherwise."""
    try:
        with urllib.request.urlopen(testbed.url + "/api/tags", timeout=30) as reply:
            names = [m["name"] for m in json.loads(reply.read())["models"]]
        model = model or next((m for m in PREFERRED if m in names), names[0] if names else "")
        reply_body = _post(
            testbed.url + "/api/chat",
            {
                "model": model,
                "messages": [{"role": "user", "content": SMOKE_PROMPT}],
                "stream": False,
                "options": {"temperature": 0, "num_predict": SMOKE_TOKENS},
            },
            timeout,
        )
    except (OSError, urllib.error.URLError, ValueError) as error:
        time.sleep(0.5)  # let a dying process finish dying
        if (dead := testbed.died()) is not None:
            raise TestbedDied(f"smoke check ({model}): {dead.code}") from None
        raise TestbedDied(f"smoke check ({model}) failed: {error}; see {testbed.log}") from None
    message = reply_body.get("message")
    text = str(message.get("content", "")) if isinstance(message, dict) else ""
    if not text.strip():
        raise TestbedDied(f"smoke check ({model}): the model replied nothing; see {testbed.log}")
    return text


def smoke_openai(testbed: Testbed, model: str, timeout: float = 300.0) -> str:
    """`smoke` through the OpenAI chat-completions API (`testbed.url` + /v1)."""
    try:
        reply = _post(
            testbed.url + "/v1/chat/completions",
            {
                "model": model,
                "messages": [{"role": "user", "content": SMOKE_PROMPT}],
                "max_tokens": SMOKE_TOKENS,
                "temperature": 0,
            },
            timeout,
        )
    except (OSError, urllib.error.URLError, ValueError) as error:
        time.sleep(0.5)
        if (dead := testbed.died()) is not None:
            raise TestbedDied(f"smoke check ({model}): {dead.code}") from None
        raise TestbedDied(f"smoke check ({model}) failed: {error}; see {testbed.log}") from None
    choices = reply.get("choices")
    first = choices[0] if isinstance(choices, list) and choices else {}
    text = str((first.get("message") or {}).get("content", "")) if isinstance(first, dict) else ""
    if not text.strip():
        raise TestbedDied(f"smoke check ({model}): the model replied nothing; see {testbed.log}")
    return text


def run_watched(
    testbed: Testbed, command: Sequence[str], env: dict[str, str] | None = None
) -> None:
    """Run `command` to its end, unless the server dies first: then stop it and raise."""
    process = subprocess.Popen(list(command), cwd=REPO, env={**os.environ, **(env or {})})
    try:
        while process.poll() is None:
            if (dead := testbed.died()) is not None:
                process.terminate()
                raise dead
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    if (dead := testbed.died()) is not None:
        raise dead  # the command may have ended because the server did
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, list(command))
