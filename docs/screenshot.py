"""Redraw docs/chat.svg, the README's picture of the chat, with Textual's own screenshot.

    make demo && .venv/bin/python docs/screenshot.py

The bundled corpus and its index (`make demo` builds them), the extractive backend (no model
server needed, so the picture is the same on every machine), one question asked and answered.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.widgets import Input

from assistant.config import Settings
from assistant.tui.app import ChatApp
from assistant.tui.widgets import StatusBar

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "What did Feroot Security's CEO say about DeepSeek?"
SIZE = (110, 30)


async def main() -> None:
    settings = Settings(corpus=ROOT / "corpus", index=ROOT / "index", llm="extractive")
    app = ChatApp(settings, show_timings=False)
    async with app.run_test(size=SIZE) as pilot:

        async def until(condition: object, what: str) -> None:
            deadline = time.monotonic() + 60
            while not condition():  # type: ignore[operator]
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out waiting for {what}")
                await pilot.pause(0.1)

        await until(lambda: app.query_one(StatusBar).index is not None, "the index")
        box = app.query_one("#question", Input)
        box.focus()
        box.value = QUESTION
        await pilot.press("enter")
        await until(lambda: app.exchanges and app.exchanges[-1].answer is not None, "the answer")
        await pilot.pause(0.5)
        path = app.save_screenshot(filename="chat.svg", path=str(Path(__file__).parent))
        print(f"wrote {path}")


if __name__ == "__main__":
    asyncio.run(main())
