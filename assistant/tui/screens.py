"""Modal screens: building the index, past conversations, a one-line prompt, help."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option

from assistant.errors import AssistantError
from assistant.tui.history import ConversationInfo
from assistant.types import ReindexSummary

Progress = Callable[[str, int, int], None]
Message_ = Callable[[str], None]
Reindexer = Callable[[Progress, Message_], ReindexSummary]

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 84; max-width: 95%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 1 2; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} .muted {{ color: $text-muted; }}
{name} Horizontal {{ height: auto; margin-top: 1; align-horizontal: right; }}
{name} Button {{ margin-left: 2; }}
"""


@dataclass
class ReindexResult:
    summary: ReindexSummary | None
    error: AssistantError | None = None


class ReindexScreen(ModalScreen[ReindexResult | None]):
    """Builds or refreshes the index with a progress bar; `offer` asks first."""

    DEFAULT_CSS = MODAL_CSS.format(name="ReindexScreen")
    AUTO_FOCUS = "#build"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "decline", "Not now", show=False)]

    def __init__(self, reindex: Reindexer, offer: str = "") -> None:
        super().__init__()
        self.reindex = reindex
        self.offer = offer
        self._building = False

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.offer:
                yield Static("No usable index", classes="title")
                yield Static(Text(self.offer))
                yield Static(
                    "Build it now from the corpus? It is needed before any question.",
                    classes="muted",
                )
                with Horizontal(id="offer-buttons"):
                    yield Button("Not now", id="decline")
                    yield Button("Build the index", id="build", variant="primary")
            else:
                yield Static("Reindexing the corpus", classes="title")
            yield Label("", id="stage")
            progress = ProgressBar(id="progress", show_eta=False)
            progress.display = not self.offer
            yield progress
            yield Static("", id="messages", classes="muted")

    def on_mount(self) -> None:
        if not self.offer:
            self.call_after_refresh(self.start)

    @on(Button.Pressed, "#build")
    def start(self) -> None:
        if self._building:
            return
        self._building = True
        if self.offer:
            self.query_one("#offer-buttons").display = False
        self.query_one("#progress").display = True
        self.query_one("#stage", Label).update("starting…")
        self._run()

    @on(Button.Pressed, "#decline")
    def action_decline(self) -> None:
        if not self._building:
            self.dismiss(None)

    @work(thread=True, exclusive=True, group="reindex")
    def _run(self) -> None:
        def progress(stage: str, done: int, total: int) -> None:
            self.app.call_from_thread(self._show_progress, stage, done, total)

        def message(text: str) -> None:
            self.app.call_from_thread(self._show_message, text)

        try:
            result = ReindexResult(self.reindex(progress, message))
        except AssistantError as exc:
            result = ReindexResult(None, exc)
        self.app.call_from_thread(self.dismiss, result)

    def _show_progress(self, stage: str, done: int, total: int) -> None:
        self.query_one("#stage", Label).update(f"{stage}: {done}/{total}")
        self.query_one("#progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _show_message(self, text: str) -> None:
        self.query_one("#messages", Static).update(Text(text))


class HistoryScreen(ModalScreen["ConversationInfo | None"]):
    """Past conversations, newest first; Enter reopens one."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="HistoryScreen")
        + """
    HistoryScreen OptionList { height: auto; max-height: 20; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Close")]

    def __init__(self, conversations: list[ConversationInfo]) -> None:
        super().__init__()
        self.conversations = conversations

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Past conversations", classes="title")
            if not self.conversations:
                yield Static("None saved yet.", classes="muted")
            options = [
                Option(
                    Text.assemble(
                        (info.started_at.replace("T", " "), "dim"),
                        f"  {info.title}",
                        (f"  ({info.turns} question{'s' if info.turns != 1 else ''})", "dim"),
                    ),
                    id=str(i),
                )
                for i, info in enumerate(self.conversations)
            ]
            yield OptionList(*options)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.conversations[event.option_index])

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text (a file path, a model name)."""

    DEFAULT_CSS = MODAL_CSS.format(name="PromptScreen")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="title")
            yield Input(self.value, placeholder=self.placeholder)
            yield Static("Enter to confirm, Escape to cancel.", classes="muted")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


HELP = """\
# Help

Ask a question about the corpus and press **Enter**. Every answer is checked against the
files: each `[n]` marker names a citation — a file and a verbatim quote — listed in the
panel beside the chat. Claims the quotes do not support are removed before you see the
final answer. When nothing in the corpus supports an answer, the assistant says
**"The corpus does not say."** in an amber box instead of guessing.

Follow-up questions ("when was it founded?") use the conversation so far.

| Key | Does |
| --- | --- |
| Enter | send the question |
| Escape | cancel the running answer |
| Tab | move between the question box and the citations |
| Enter on a citation | open its file at the quote (Escape goes back) |
| Ctrl+↑ / Ctrl+↓ | select the previous / next answer |
| Ctrl+N | new conversation |
| Ctrl+O | reopen a past conversation |
| Ctrl+S | export the conversation to Markdown |
| Ctrl+Y | copy the selected answer with its sources |
| Ctrl+B | switch backend (auto → Ollama → OpenAI-compatible → extractive) |
| Ctrl+R | reindex the corpus |
| Ctrl+P | all commands (set the model, export to a path, …) |
| Ctrl+Q | quit |

The status bar shows the backend in use and why, the index size and age, and how long the
last answer took. Conversations are saved automatically (`$ASSISTANT_HISTORY_DIR`).
"""


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = (
        MODAL_CSS.format(name="HelpScreen")
        + """
    HelpScreen > Vertical { height: 90%; }
    HelpScreen VerticalScroll { height: 1fr; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q", "dismiss_none", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(), VerticalScroll():
            yield Markdown(HELP)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
