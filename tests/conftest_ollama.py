"""Fixtures for the Ollama stand-in; load with `pytest_plugins = ["tests.conftest_ollama"]`."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.ollama_standin import OllamaStandin


@pytest.fixture
def ollama_standin() -> Iterator[OllamaStandin]:
    """A started stand-in Ollama server (`.url`), with `llama3.2:latest`; stopped afterwards.

    Program it by setting attributes before the request, e.g. `ollama_standin.reply = [...]`,
    `ollama_standin.delay_between = 2`, `ollama_standin.drop_after = 1`.
    """
    standin = OllamaStandin().start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def ollama_url(ollama_standin: OllamaStandin) -> str:
    """The base URL of the started stand-in, e.g. `http://127.0.0.1:54321`."""
    return ollama_standin.url


@pytest.fixture
def dead_ollama_url() -> Iterator[str]:
    """A localhost URL where nothing listens: connecting is refused at once.

    The port stays bound (but not listening) for the test, so nothing else can take it.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
