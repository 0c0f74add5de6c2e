"""The source viewer: a corpus file with the cited span highlighted and scrolled into view."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Static

from assistant.answer.verify import FileTexts, locate_in
from assistant.tui.sourcetext import display_text, layout_rows, row_of
from assistant.types import Citation

HIGHLIGHT = Style(color="black", bgcolor="yellow", bold=True)


def locate_quote(citation: Citation, text: str) -> Citation | None:
    """The citation with offsets that hold its quote in `text` (the file as it is now):
    unchanged if they still do, else moved to the occurrence nearest them, found the way
    `ask` verifies quotes (white space, curly quotes and dashes folded); None if it is gone."""
    if text[citation.start : citation.end] == citation.quote:
        return citation
    found = locate_in(
        FileTexts({citation.file: text}), citation.file, citation.quote, citation.start
    )
    if found is None:
        return None
    return replace(citation, start=found.start, end=found.end, quote=found.quote)


class SourceView(ScrollView, can_focus=True):
    """A whole file, word-wrapped, with one span highlighted (offsets into the file text)."""

    DEFAULT_CSS = """
    SourceView { padding: 0 1; background: $surface; scrollbar-gutter: stable; }
    """

    def __init__(self, text: str, start: int, end: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.text = Text(display_text(text), end="")
        self.text.stylize(HIGHLIGHT, start, end)
        self.span = (start, end)
        self.rows: list[tuple[int, int]] = []
        self._width = 0

    @property
    def highlighted(self) -> str:
        """The characters shown with the highlight style."""
        return "".join(
            self.text.plain[s.start : s.end] for s in self.text.spans if s.style == HIGHLIGHT
        )

    @property
    def quote_row(self) -> int:
        return row_of(self.rows, self.span[0])

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width != self._width and width > 0:
            self._width = width
            self.rows = layout_rows(self.text.plain, width)
            self.virtual_size = Size(width, len(self.rows))
            self.refresh()
            self.call_after_refresh(self.show_quote)

    def show_quote(self) -> None:
        """Scroll so the quote starts a few rows below the top."""
        self.scroll_to(y=max(0, self.quote_row - 3), animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        start, end = self.rows[index]
        piece = self.text[start:end]
        piece.rstrip()
        segments = [
            Segment(s.text, self.rich_style + s.style if s.style else self.rich_style)
            for s in piece.render(self.app.console)
        ]
        return Strip(segments).crop_extend(0, width, self.rich_style)


class SourceScreen(Screen[None]):
    """One citation's file, opened at its quote."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("n", "show_quote", "Jump to quote"),
    ]

    DEFAULT_CSS = """
    SourceScreen #source-header {
        height: auto; padding: 0 1; background: $panel; color: $text;
    }
    SourceScreen SourceView { height: 1fr; }
    """

    def __init__(self, citation: Citation, text: str) -> None:
        super().__init__()
        self.citation = citation
        self.file_text = text

    def compose(self) -> ComposeResult:
        c = self.citation
        header = Text.assemble(
            (f"[{c.n}] ", "bold"),
            (c.file, "bold"),
            (f"  page {c.page}" if c.page is not None else "", "bold"),
            (f"  {c.title}" if c.title else "", "italic"),
            (f" › {c.section}" if c.section else "", "italic"),
            (f"  characters {c.start}–{c.end}", "dim"),
        )
        if c.corroborating:
            header.append("\nAlso in: ", "italic")
            header.append(", ".join(c.corroborating))
        with Vertical():
            yield Static(header, id="source-header")
            yield SourceView(self.file_text, c.start, c.end, id="source")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(SourceView).focus()

    def action_show_quote(self) -> None:
        self.query_one(SourceView).show_quote()
