"""Fixtures for the real-model tests: the test bed server with real GGUF models.

These tests run with `make test-llm` (`pytest -m realmodel`); `make test` deselects them
(pytest reports them as deselected). When they are selected and the test bed is not set up,
they fail with what to run: nothing is skipped silently.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from tests.realmodel.launch import (
    TestbedDied,
    openai_server_command,
    server_command,
    smoke,
    smoke_openai,
    start,
)
from tests.realmodel.models import DEFAULT_CACHE, MODELS, model_path

QWEN = "qwen2.5-coder:1.5b"
SMOL = "smollm2:135m"


@pytest.fixture(scope="session")
def real_ollama() -> Iterator[str]:
    """The URL of an Ollama-API server answering with real models (started for the session)."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python is not installed: run `make test-llm`")
    missing = [name for name in MODELS if not model_path(name).exists()]
    if missing:
        pytest.fail(f"models {missing} are not in {DEFAULT_CACHE}: run `make test-llm`")
    testbed = start(server_command(DEFAULT_CACHE), DEFAULT_CACHE / "server-pytest.log")
    try:
        smoke(testbed)
    except TestbedDied as died:
        testbed.stop()
        pytest.fail(str(died.code), pytrace=False)
    try:
        yield testbed.url
    finally:
        testbed.stop()


@pytest.fixture(scope="session")
def real_openai() -> Iterator[str]:
    """The API URL (…/v1) of llama-cpp-python's own OpenAI-compatible server answering with
    the test bed's Qwen (started for the session)."""
    if importlib.util.find_spec("llama_cpp") is None or not model_path(QWEN).exists():
        pytest.fail("the test bed is not set up: run `make test-llm`")
    if importlib.util.find_spec("fastapi") is None:
        pytest.fail("llama-cpp-python's [server] extra is missing: run `make test-llm`")
    command = openai_server_command(DEFAULT_CACHE, QWEN)
    testbed = start(command, DEFAULT_CACHE / "openai-server-pytest.log")
    try:
        smoke_openai(testbed, QWEN)
    except TestbedDied as died:
        testbed.stop()
        pytest.fail(str(died.code), pytrace=False)
    try:
        yield testbed.url + "/v1"
    finally:
        testbed.stop()
