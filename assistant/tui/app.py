"""The chat app: questions in, streamed answers out, every answer with its evidence beside it.

It talks to `Assistant` only. Answers run in a thread worker (the service's `ask()` is a
blocking generator) that posts each event to the app; the app updates the widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Input, OptionList, Static
from textual.worker import get_current_worker

from assistant.config import Settings
from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexMissingError,
    LLMError,
)
from assistant.index.corpus import read_document
from assistant.llm import choices
from assistant.service import Assistant
from assistant.tui.commands import ChatCommands
from assistant.tui.export import answer_markdown, default_export_path, write_export
from assistant.tui.history import (
    Conversation,
    ConversationInfo,
    history_dir,
    list_conversations,
    load_conversation,
    save_conversation,
)
from assistant.tui.messages import AnswerFailed, AnswerPosted, error_title
from assistant.tui.screens import (
    HelpScreen,
    HistoryScreen,
    Progress,
    PromptScreen,
    ReindexResult,
    ReindexScreen,
)
from assistant.tui.viewer import SourceScreen, locate_quote
from assistant.tui.widgets import CitationsPanel, Exchange, IndexInfo, StatusBar, shown_citations
from assistant.types import (
    Citation,
    Done,
    ReindexSummary,
    Status,
    TextDelta,
    Turn,
)

CHAT_ACTIONS = frozenset(
    {
        "cancel",
        "new_conversation",
        "export",
        "copy_answer",
        "history",
        "switch_backend",
        "reindex",
        "select_answer",
    }
)

WELCOME = (
    "Ask a question about the documents and press Enter. Answers cite the corpus: "
    "each [n] is a verbatim quote, listed in the citations panel. "
    "F1 help · Ctrl+P all commands."
)


class ChatApp(App[None]):
    """`assistant chat`: the terminal chat over the configured corpus and index."""

    TITLE = "assistant"
    COMMANDS: ClassVar = App.COMMANDS | {ChatCommands}
    CSS = """
    #body { height: 1fr; }
    #conversation { width: 3fr; padding: 0 1; scrollbar-size-vertical: 1; }
    CitationsPanel { width: 2fr; min-width: 28; max-width: 70; }
    #welcome { color: $text-muted; margin: 1 0; }
    #question { margin: 0; border: tall $primary; }
    .-short #question { border: none; height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+n", "new_conversation", "New"),
        Binding("ctrl+s", "export", "Export"),
        Binding("ctrl+y", "copy_answer", "Copy"),
        Binding("ctrl+o", "history", "History"),
        Binding("ctrl+b", "switch_backend", "Backend"),
        Binding("ctrl+r", "reindex", "Reindex"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+up", "select_answer(-1)", "Previous answer", show=False),
        Binding("ctrl+down", "select_answer(1)", "Next answer", show=False),
    ]

    def __init__(self, settings: Settings, show_timings: bool = True) -> None:
        super().__init__()
        self.settings = settings
        self.service = Assistant(settings)
        self.llm: str = settings.llm
        self.show_timings = show_timings
        self.history_directory = history_dir()
        self.conversation = Conversation(corpus=str(settings.corpus))
        self.running: Exchange | None = None
        self.selected: Exchange | None = None
        self._numbers = 0

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with VerticalScroll(id="conversation", can_focus=False):
                yield Static(Text(WELCOME), id="welcome")
            yield CitationsPanel()
        yield Input(
            placeholder="Ask a question about the corpus…", id="question", select_on_focus=False
        )
        yield StatusBar(self.show_timings, id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#question", Input).focus()
        self._refresh_status()
        self._check_index()

    def on_unmount(self) -> None:
        self.service.close()

    def on_resize(self) -> None:
        self.set_class(self.size.height < 30, "-short")

    def on_key(self, event: events.Key) -> None:
        """Typing anywhere on the chat screen goes to the question box."""
        question = self.query_one("#question", Input)
        if (
            event.is_printable
            and event.character
            and len(self.screen_stack) == 1
            and self.focused is not question
        ):
            question.focus()
            question.insert_text_at_cursor(event.character)
            event.stop()

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def exchanges(self) -> list[Exchange]:
        return list(self.query(Exchange))

    @property
    def turns(self) -> list[Turn]:
        return self.conversation.turns

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHAT_ACTIONS and len(self.screen_stack) > 1:
            return False
        if action == "cancel":
            return self.running is not None
        return True

    # --- start-up: index and backend -----------------------------------------------------

    @work(thread=True, group="startup")
    def _check_index(self, offer: bool = True) -> None:
        """Show the index in the status bar (offering to build a missing one), then which
        backend answers."""
        try:
            manifest = self.service.manifest()
        except IndexMissingError as exc:
            if offer:
                self.call_from_thread(self._offer_index, exc)
            else:
                self.call_from_thread(self._show_index, None)
                self._probe_backend()
            return
        info = IndexInfo(
            len(manifest.files), sum(e.chunks for e in manifest.files.values()), manifest.built_at
        )
        self.call_from_thread(self._show_index, info)
        try:
            changes = self.service.corpus_changes()
        except AssistantError as exc:
            self.call_from_thread(self.notify_error, exc)
            changes = []
        if changes:
            self.call_from_thread(self._warn_corpus_changed, changes)
        self._probe_backend()

    def _show_index(self, info: IndexInfo | None) -> None:
        self.status_bar.index = info
        self._refresh_status()

    def _offer_index(self, exc: IndexMissingError) -> None:
        self._show_index(None)
        offer = f"{exc.message}."
        self.push_screen(ReindexScreen(self._reindex, offer=offer), self._reindexed)

    def _warn_corpus_changed(self, changes: Sequence[str]) -> None:
        listed = "\n".join(changes[:5]) + ("\n…" if len(changes) > 5 else "")
        self.notify(
            f"{len(changes)} file(s) differ from the index:\n{listed}\n"
            "Answers may quote old text — press Ctrl+R to reindex.",
            title="Corpus changed since indexing",
            severity="warning",
            timeout=15,
        )

    def _probe_backend(self, tell: bool = True) -> None:
        """Run in a thread: ask the service which backend answers now, and why."""
        try:
            kind, reason = self.service.choose_backend(self.llm)
        except AssistantError as exc:
            self.call_from_thread(self._show_backend, f"{self.llm} (unavailable)", exc.message)
            if tell:
                self.call_from_thread(self.notify_error, exc)
            return
        self.call_from_thread(self._show_backend, kind, reason)

    @work(thread=True, exclusive=True, group="backend")
    def _probe_backend_worker(self, tell: bool = True) -> None:
        self._probe_backend(tell)

    def _show_backend(self, kind: str, reason: str) -> None:
        self.status_bar.backend = kind
        self.status_bar.reason = reason
        self._refresh_status()

    def _refresh_status(self) -> None:
        self.status_bar.model = self.settings.model
        self.status_bar.refresh_text()

    # --- asking --------------------------------------------------------------------------

    @on(Input.Submitted, "#question")
    async def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.clear()
        await self.action_cancel()
        self._numbers += 1
        exchange = Exchange(self._numbers, question, show_timings=self.show_timings)
        await self.query_one("#conversation").mount(exchange)
        exchange.set_status("looking through the corpus…")
        self.running = exchange
        self.select(exchange)
        self.refresh_bindings()
        self.query_one("#conversation").scroll_end(animate=False)
        self._answer(exchange.number, question, tuple(self.turns), self.llm)

    @work(thread=True, exclusive=True, group="answer", exit_on_error=False)
    def _answer(self, number: int, question: str, history: tuple[Turn, ...], llm: str) -> None:
        worker = get_current_worker()
        events = self.service.ask(question, history=history, llm=llm)
        try:
            for event in events:
                if worker.is_cancelled:
                    return
                self.post_message(AnswerPosted(number, event))
        except AssistantError as exc:
            self.post_message(AnswerFailed(number, exc))
        except Exception as exc:  # a bug, not an expected failure: keep the app usable
            error = AssistantError(f"unexpected error: {exc!r}", "please report it")
            self.post_message(AnswerFailed(number, error))
        finally:
            if isinstance(events, Generator):
                events.close()

    def _current(self, number: int) -> Exchange | None:
        running = self.running
        return running if running is not None and running.number == number else None

    @on(AnswerPosted)
    async def _on_answer_event(self, message: AnswerPosted) -> None:
        exchange = self._current(message.number)
        if exchange is None:
            return
        event = message.event
        if isinstance(event, Status):
            exchange.set_status(event.message)
        elif isinstance(event, TextDelta):
            await exchange.add_text(event.text)
            self._follow(exchange)
        elif isinstance(event, Done):
            await self._finish(exchange, event)

    async def _finish(self, exchange: Exchange, event: Done) -> None:
        answer = event.answer
        await exchange.finish(answer)
        self.running = None
        self.refresh_bindings()
        self.turns.append(Turn(exchange.question, answer))
        self._save_conversation()
        self._show_backend(answer.backend.llm, answer.backend.reason)
        self.status_bar.last_ms = answer.timings_ms.get("total")
        self._refresh_status()
        if self.selected is exchange:
            self.select(exchange)
        self._follow(exchange)

    @on(AnswerFailed)
    async def _on_answer_failed(self, message: AnswerFailed) -> None:
        exchange = self._current(message.number)
        if exchange is None:
            return
        self.running = None
        self.refresh_bindings()
        error = message.error
        await exchange.fail(error.message + (f"\n\n{error.hint}" if error.hint else ""))
        self.notify_error(error)
        if isinstance(error, LLMError):
            self._probe_backend_worker(tell=False)

    def _follow(self, exchange: Exchange) -> None:
        conversation = self.query_one("#conversation", VerticalScroll)
        if exchange is self.exchanges[-1]:
            conversation.scroll_end(animate=False)

    async def action_cancel(self) -> None:
        exchange = self.running
        if exchange is None:
            return
        self.running = None
        self.workers.cancel_group(self, "answer")
        await exchange.cancel()
        self.refresh_bindings()

    def notify_error(self, exc: AssistantError) -> None:
        text = exc.message + (f"\n{exc.hint}" if exc.hint else "")
        self.notify(text, title=error_title(exc), severity="error", timeout=12)

    # --- selecting answers and citations -------------------------------------------------

    def select(self, exchange: Exchange) -> None:
        for other in self.exchanges:
            other.set_class(other is exchange, "-selected")
        self.selected = exchange
        self.query_one(CitationsPanel).show(exchange.number, exchange.answer)

    @on(Exchange.Clicked)
    def _clicked(self, message: Exchange.Clicked) -> None:
        self.select(message.exchange)

    def action_select_answer(self, step: int) -> None:
        exchanges = self.exchanges
        if not exchanges:
            return
        index = exchanges.index(self.selected) if self.selected in exchanges else len(exchanges)
        chosen = exchanges[max(0, min(len(exchanges) - 1, index + step))]
        self.select(chosen)
        chosen.scroll_visible(animate=False)

    @on(OptionList.OptionSelected, "#citations")
    def _citation_chosen(self, event: OptionList.OptionSelected) -> None:
        if self.selected is not None and self.selected.answer is not None:
            self.open_citation(shown_citations(self.selected.answer)[event.option_index])

    def open_citation(self, citation: Citation) -> None:
        """Open the cited file at the quote (found again if the file moved the text)."""
        try:
            text = read_document(self.settings.corpus, citation.file, self.settings.index).text
        except (OSError, ValueError, CorpusError) as exc:
            error = exc if isinstance(exc, AssistantError) else CorpusError(str(exc))
            self.notify(error.message, title=f"Cannot open {citation.file}", severity="error")
            return
        located = locate_quote(citation, text)
        if located is None:
            self.notify(
                "The quote is no longer in the file; showing the old position.",
                title="File changed since the answer",
                severity="warning",
            )
        citation = located or citation
        self.push_screen(SourceScreen(citation, text))

    # --- conversation: new, history, export, copy ----------------------------------------

    async def _clear(self) -> None:
        await self.action_cancel()
        await self.query(Exchange).remove()
        self.selected = None
        self._numbers = 0
        self.query_one(CitationsPanel).show(0, None)
        self.query_one("#citations-title", Static).update("Citations")

    async def action_new_conversation(self) -> None:
        await self._clear()
        self.conversation = Conversation(corpus=str(self.settings.corpus))
        self.notify("Follow-up questions start from scratch.", title="New conversation")
        self.query_one("#question", Input).focus()

    def _save_conversation(self) -> None:
        try:
            save_conversation(self.conversation, self.history_directory)
        except OSError as exc:
            self.notify(
                f"{exc}\nSet ASSISTANT_HISTORY_DIR to a writable folder.",
                title="Conversation not saved",
                severity="warning",
            )

    def action_history(self) -> None:
        self.push_screen(HistoryScreen(list_conversations(self.history_directory)), self._reopen)

    async def _reopen(self, info: ConversationInfo | None) -> None:
        if info is None:
            return
        try:
            conversation = load_conversation(info.path)
        except (OSError, ValueError) as exc:
            self.notify(str(exc), title="Cannot reopen the conversation", severity="error")
            return
        await self._clear()
        self.conversation = conversation
        container = self.query_one("#conversation")
        for turn in conversation.turns:
            self._numbers += 1
            exchange = Exchange(self._numbers, turn.question, show_timings=self.show_timings)
            await container.mount(exchange)
            await exchange.finish(turn.answer)
        if self.exchanges:
            self.select(self.exchanges[-1])
        container.scroll_end(animate=False)
        self.notify(f"{info.title}", title="Conversation reopened")

    def action_export(self, path: str | None = None) -> None:
        if not self.turns:
            self.notify("Ask something first.", title="Nothing to export", severity="warning")
            return
        target = Path(path) if path else default_export_path(Path.cwd())
        try:
            written = write_export(
                self.turns,
                target,
                f"Conversation of {self.conversation.started_at}",
                str(self.settings.corpus),
            )
        except OSError as exc:
            self.notify(str(exc), title="Export failed", severity="error")
            return
        self.notify(str(written), title="Conversation exported")

    def action_export_to(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.action_export(path)

        suggestion = str(default_export_path(Path.cwd()))
        self.push_screen(
            PromptScreen("Export the conversation to (file or folder):", suggestion), chosen
        )

    def action_copy_answer(self) -> None:
        exchange = self.selected
        if exchange is None or exchange.answer is None:
            self.notify(
                "Select a finished answer first.", title="Nothing to copy", severity="warning"
            )
            return
        text = f"**{exchange.question}**\n\n{answer_markdown(exchange.answer)}\n"
        self.copy_to_clipboard(text)
        self.notify(f"Answer {exchange.number} with its sources.", title="Copied")

    # --- backend, model, index, help -----------------------------------------------------

    def action_switch_backend(self) -> None:
        offered = choices(self.settings)
        at = offered.index(self.llm) if self.llm in offered else -1
        following = offered[(at + 1) % len(offered)]
        self.set_backend(following)

    def set_backend(self, name: str) -> None:
        self.llm = name
        self._show_backend(f"{name}: checking…", "")
        self.notify(f"Backend set to {name}.", title="Backend")
        self._probe_backend_worker()

    def action_choose_model(self) -> None:
        def chosen(model: str | None) -> None:
            if model and model != self.settings.model:
                self.settings = self.settings.model_copy(update={"model": model})
                self.service.close()
                self.service = Assistant(self.settings)
                self._refresh_status()
                self.notify(f"Ollama model set to {model}.", title="Model")
                self._probe_backend_worker()

        self.push_screen(PromptScreen("Ollama model:", self.settings.model), chosen)

    async def action_reindex(self) -> None:
        await self.action_cancel()
        self.push_screen(ReindexScreen(self._reindex), self._reindexed)

    def _reindex(self, progress: Progress, message: Callable[[str], None]) -> ReindexSummary:
        return self.service.reindex(progress=progress, on_message=message)

    def _reindexed(self, result: ReindexResult | None) -> None:
        if result is None:
            self.notify(
                "Press Ctrl+R to build it when you are ready.",
                title="No index yet",
                severity="warning",
            )
        elif result.error is not None:
            self.notify_error(result.error)
        elif result.summary is not None:
            self.notify(result.summary.line(), title="Index up to date")
        self._check_index(offer=result is not None and result.error is None)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


def run_chat(settings: Settings) -> int:
    """Open the chat; returns the exit status for the CLI."""
    ChatApp(settings).run()
    return 0
