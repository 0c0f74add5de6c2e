"""What the CLI prints: the answer with its numbered citations, and reindex progress."""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from assistant.errors import AssistantError
from assistant.types import Answer, AnswerEvent, Done, Status, TextDelta


def stream_answer(events: Iterator[AnswerEvent], show_progress: bool) -> Answer:
    """Consume answer events; streamed text and status notes go to stderr on a terminal."""
    live = show_progress and sys.stderr.isatty()
    streamed = False
    for event in events:
        if isinstance(event, Status) and live:
            print(f"\033[2m[{shown(event.message)}]\033[0m", file=sys.stderr)
        elif isinstance(event, TextDelta) and live:
            print(f"\033[2m{shown(event.text)}\033[0m", end="", file=sys.stderr, flush=True)
            streamed = True
        elif isinstance(event, Done):
            if streamed:
                print("\n\033[2m[verified answer below]\033[0m", file=sys.stderr)
            return event.answer
    raise AssistantError("the answer stream ended without an answer")


def print_answer(answer: Answer, width: int = 100) -> None:
    text = shown(answer.answer)
    print(textwrap.fill(text, width) if answer.abstained else _wrap(text, width))
    if answer.related_note:
        print(textwrap.fill(shown(answer.related_note), width))
    kinds = (("Sources", answer.citations), ("Related, not an answer", answer.related))
    for heading, cited in kinds:
        if not cited:
            continue
        print(f"\n{heading}:")
        for c in cited:
            quote = " ".join(shown(c.quote).split())
            how = {"aligned": "; the model's quote had slips", "attributed": "; found for it"}
            place = " › ".join(shown(h) for h in (c.title, c.section) if h)
            title = f" — {place}" if place else ""
            chars = f"chars {c.start}–{c.end}{how.get(c.match, '')}"
            print(f"  [{c.n}] {shown(c.where())}{title} ({chars})")
            quoted = quote if quote[:1] in "\"“‘'" else f"“{quote}”"
            print(textwrap.indent(textwrap.fill(quoted, width - 6), "      "))
            if c.corroborating:
                print(f"      also in: {shown(', '.join(c.corroborating))}")
    for warning in answer.warnings:
        print(f"warning: {shown(warning)}", file=sys.stderr)
    for sentence, reason in answer.removed():
        print(f"  removed: {shown(sentence)}" + (f" ({reason})" if reason else ""), file=sys.stderr)
    backend = answer.backend.llm + (f" ({answer.backend.model})" if answer.backend.model else "")
    print(
        f"\n[{backend}; {shown(answer.backend.reason)}; index {answer.index['version']}; "
        f"{answer.timings_ms['total']:.0f} ms]",
        file=sys.stderr,
    )


_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """Text safe to print on a terminal: control characters (escape sequences that could
    clear the screen or rewrite lines) and bidirectional overrides (which reorder what is
    shown) from a document are made visible as \\xNN / \\uNNNN instead of obeyed."""
    return _UNSAFE.sub(lambda m: _escape(m.group(0)), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(p, width) for p in text.split("\n"))


class ReindexProgress:
    """A Rich progress bar on a terminal; silence otherwise."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._tasks: dict[str, object] = {}

    def __enter__(self) -> ReindexProgress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(console=Console(stderr=True), transient=True)
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress:
            self._progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        if not self._progress:
            return
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)

    def message(self, text: str) -> None:
        print(text, file=sys.stderr)
