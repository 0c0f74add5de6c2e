"""Snapshots of the chat's screens (pytest-textual-snapshot). Review the SVGs in
tests/__snapshots__/ before updating them with `pytest --snapshot-update`.

Deterministic: a fixed terminal size, timings and index age hidden (`show_timings=False`),
the extractive backend, and a corpus copied to a folder whose name does not vary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from assistant.tui.app import ChatApp
from assistant.tui.viewer import SourceScreen
from assistant.tui.widgets import StatusBar
from tests.test_tui_support import (
    FOUNDER_QUESTION,
    MARS_QUESTION,
    ask,
    build_index,
    copy_small_corpus,
    settings,
    wait_for,
)

SIZE = (110, 32)


@pytest.fixture(scope="module")
def snapshot_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("tui-snapshots")
    corpus = copy_small_corpus(base / "corpus")
    build_index(corpus, base / "index")
    return corpus, base / "index"


def chat(index: tuple[Path, Path]) -> ChatApp:
    return ChatApp(settings(*index), show_timings=False)


async def ready(pilot: Pilot[Any]) -> None:
    pilot.app.query_one(Input).cursor_blink = False
    bar = pilot.app.query_one(StatusBar)
    await wait_for(pilot, lambda: bar.index is not None and bar.reason, what="the status bar")


def test_answer_with_citations(snap_compare: Any, snapshot_index: tuple[Path, Path]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await ask(pilot, FOUNDER_QUESTION)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(chat(snapshot_index), terminal_size=SIZE, run_before=run_before)


def test_abstention(snap_compare: Any, snapshot_index: tuple[Path, Path]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await ask(pilot, MARS_QUESTION)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(chat(snapshot_index), terminal_size=SIZE, run_before=run_before)


def test_source_viewer_highlights_the_quote(
    snap_compare: Any, snapshot_index: tuple[Path, Path]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        await ask(pilot, FOUNDER_QUESTION)
        await pilot.press("tab", "enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SourceScreen), what="viewer")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(chat(snapshot_index), terminal_size=SIZE, run_before=run_before)
