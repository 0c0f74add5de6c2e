"""Shared pieces of the TUI tests (no tests here): a small real corpus and index, an app that
notifications, and waiting on the pilot."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from assistant.config import Settings, load_settings
from assistant.service import Assistant
from assistant.tui.app import ChatApp
from assistant.tui.widgets import Exchange

REPO = Path(__file__).resolve().parent.parent
SMALL_CORPUS = ("003_0b0806e6b9dc152e.txt", "004_0df83c4d8d2d5346.txt")
FOUNDER_QUESTION = "Who founded DeepSeek?"
MARS_QUESTION = "What is the capital of Mars?"


def copy_small_corpus(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in SMALL_CORPUS:
        shutil.copy(REPO / "corpus" / name, target / name)
    return target


def build_index(corpus: Path, index: Path) -> None:
    Assistant(load_settings(None, corpus=corpus, index=index, llm="extractive")).reindex()


def settings(corpus: Path, index: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"corpus": corpus, "index": index, "llm": "extractive"}
    values.update(overrides)
    return load_settings(None, **values)


class RecordingApp(ChatApp):
    """The chat app, keeping every notification for the test to read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[dict[str, Any]] = []
        self.pushed: list[str] = []

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        self.pushed.append(type(screen).__name__)
        return super().push_screen(screen, *args, **kwargs)

    def notify(
        self, message: str, *, title: str = "", severity: Any = "information", **kwargs: Any
    ) -> None:
        self.notes.append({"message": message, "title": title, "severity": severity})
        super().notify(message, title=title, severity=severity, **kwargs)

    def titles(self) -> list[str]:
        return [note["title"] for note in self.notes]


async def wait_for(
    pilot: Pilot[Any],
    condition: Callable[[], object],
    timeout: float = 30.0,
    what: str = "condition",
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def ask(pilot: Pilot[Any], question: str, wait: bool = True) -> Exchange:
    """Type the question, press Enter, and (by default) wait for its verified answer."""
    app = pilot.app
    assert isinstance(app, ChatApp)
    before = len(app.exchanges)
    box = app.query_one("#question", Input)
    box.focus()
    box.value = question
    await pilot.press("enter")
    await wait_for(pilot, lambda: len(app.exchanges) > before, what="the new exchange")
    exchange = app.exchanges[-1]
    if wait:
        await wait_for(
            pilot, lambda: exchange.answer is not None or not exchange.running, what="the answer"
        )
        await pilot.pause()
    return exchange


async def run_command(pilot: Pilot[Any], search: str) -> None:
    """Open the command palette, search, and run the best match once it is listed."""
    from textual.command import CommandList, CommandPalette

    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*search)

    def listed() -> bool:
        commands = app.screen.query_one(CommandList)
        return commands.option_count > 0 and commands.highlighted is not None

    await wait_for(pilot, listed, what=f"the command {search!r}")
    await pilot.pause()
    await pilot.press("enter")
