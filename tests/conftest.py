"""Shared fixtures: small real corpora and real indexes (real Chroma, real embedder)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.config import Settings, load_settings
from assistant.service import Assistant

pytest_plugins = ["tests.conftest_ollama"]

REPO = Path(__file__).resolve().parent.parent
BUNDLED_CORPUS = REPO / "corpus"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests (each builds an index or starts processes) first: pytest-xdist hands tests
    out in collection order, so a 40-second test collected last keeps one worker busy after
    the other has finished. Otherwise the collected order stands."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No stray settings from the developer's shell or working directory."""
    for name in (
        "OLLAMA_HOST",
        "ASSISTANT_CONFIG",
        "ASSISTANT_LLM",
        "ASSISTANT_CORPUS",
        "ASSISTANT_INDEX",
        "ASSISTANT_MODEL",
        "ASSISTANT_OLLAMA_HOST",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_HISTORY_DIR", str(tmp_path / "history"))


def write_corpus(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def settings_for(corpus: Path, index: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"corpus": corpus, "index": index, "llm": "extractive"}
    values.update(overrides)
    return load_settings(None, **values)


@pytest.fixture(scope="session")
def bundled_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled corpus copied to a temp folder and indexed once for the session."""
    base = tmp_path_factory.mktemp("bundled")
    corpus = base / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    index = base / "index"
    Assistant(settings_for(corpus, index)).reindex()
    return corpus, index


@pytest.fixture(scope="session")
def bundled_assistant(bundled_index: tuple[Path, Path]) -> Assistant:
    corpus, index = bundled_index
    return Assistant(settings_for(corpus, index))


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    def make(files: dict[str, str]) -> Path:
        return write_corpus(tmp_path / "corpus", files)

    return make
