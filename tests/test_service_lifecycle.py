"""The engine loads once however many threads ask at once; one Ollama client per Assistant."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from assistant.service import Assistant
from tests.conftest import settings_for
from tests.ollama_standin import OllamaStandin


def test_threads_asking_at_once_load_the_engine_once(
    bundled_index: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = Assistant(settings_for(*bundled_index))
    loads = []
    original = Assistant._load_engine

    def counting(self: Assistant, signature: Any) -> Any:
        loads.append(threading.get_ident())
        return original(self, signature)

    monkeypatch.setattr(Assistant, "_load_engine", counting)
    start = threading.Barrier(6)
    engines: list[Any] = []

    def ask() -> None:
        start.wait()
        engines.append(assistant._current_engine())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(engines) == 6 and all(e is engines[0] for e in engines)


def test_one_ollama_client_per_assistant_closed_with_it(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = "The corpus does not say."
    settings = settings_for(
        *bundled_index, llm="ollama", ollama_host=ollama_standin.url, reply_format="text"
    )
    with Assistant(settings) as assistant:
        assistant.answer("Who founded DeepSeek?")
        chat = assistant._chats["ollama"]
        assistant.answer("What did it cost?")
        assert assistant._chats["ollama"] is chat and chat._client is not None
    assert not assistant._chats and chat._client is None
