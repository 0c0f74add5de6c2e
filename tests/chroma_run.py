"""A real `chroma run` server on localhost for tests (the chromadb package ships the command)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@contextmanager
def chroma_server(workdir: Path) -> Iterator[str]:
    """`chroma run` with its data in `workdir`; yields its http://127.0.0.1:PORT URL."""
    if not CHROMA.exists():
        pytest.skip(f"no `chroma` command next to {sys.executable}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = workdir / "chroma.log"
    with log_path.open("wb") as log:
        argv = [str(CHROMA), "run", "--path", str(workdir / "chroma-data")]
        server = subprocess.Popen(
            [*argv, "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while not _heartbeat(url):
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not come up: {log_path.read_text()}")
                time.sleep(0.1)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
