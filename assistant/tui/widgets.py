"""The chat's widgets: one exchange (question + streamed answer), the citations panel, the
status bar. They only display; the app feeds them events from the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.markdown import MarkdownStream
from textual.widgets.option_list import Option

from assistant.answer.messages import message
from assistant.types import Answer, Citation


class Exchange(Vertical):
    """One question and its answer: streamed text first, then the verified answer."""

    DEFAULT_CSS = """
    Exchange { height: auto; margin: 0 0 1 0; }
    Exchange > .question { text-style: bold; color: $text; padding: 0 1;
        border-left: outer $primary; background: $boost; }
    Exchange > .status { color: $text-muted; text-style: italic; padding: 0 1; }
    Exchange > .answer { border: round $primary 40%; padding: 0 1; margin: 0;
        border-title-color: $text-primary; border-subtitle-color: $text-muted; }
    Exchange.-selected > .answer { border: round $primary; }
    Exchange.-abstained > .answer { border: round $warning 70%; background: $warning 8%;
        border-title-color: $text-warning; }
    Exchange.-abstained.-selected > .answer { border: heavy $warning; }
    Exchange.-abstained > .answer > MarkdownParagraph { color: $text-warning; }
    Exchange.-failed > .answer { border: round $error; border-title-color: $text-error; }
    Exchange > .answer > MarkdownParagraph { margin: 0; }
    """

    class Clicked(Message):
        def __init__(self, exchange: Exchange) -> None:
            super().__init__()
            self.exchange = exchange

    def __init__(self, number: int, question: str, show_timings: bool = True) -> None:
        super().__init__(id=f"exchange-{number}")
        self.number = number
        self.question = question
        self.answer: Answer | None = None
        self.show_timings = show_timings
        self._stream: MarkdownStream | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(f"{self.number}. {self.question}"), classes="question")
        yield Static("", classes="status")
        answer = Markdown("", classes="answer")
        answer.border_title = "…"
        yield answer

    @property
    def markdown(self) -> Markdown:
        return self.query_one(".answer", Markdown)

    @property
    def running(self) -> bool:
        return self.answer is None and not (
            self.has_class("-failed") or self.has_class("-cancelled")
        )

    def on_click(self) -> None:
        self.post_message(self.Clicked(self))

    def set_status(self, message: str) -> None:
        self.query_one(".status", Static).update(Text(message))

    async def add_text(self, text: str) -> None:
        if self._stream is None:
            self.markdown.border_title = "Answer (streaming, not yet verified)"
            self._stream = Markdown.get_stream(self.markdown)
        await self._stream.write(text)

    async def _stop_stream(self) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None

    async def finish(self, answer: Answer) -> None:
        """Replace whatever streamed with the verified answer."""
        await self._stop_stream()
        self.answer = answer
        self.set_class(answer.abstained, "-abstained")
        status = self.query_one(".status", Static)
        lines = [f"⚠ {w}" for w in answer.warnings] + removed_lines(answer)
        status.update(Text("\n".join(lines)))
        status.display = bool(lines)
        markdown = self.markdown
        if answer.abstained:
            markdown.border_title = "⚠ Not in the corpus"
            related = f"\n\n{answer.related_note}" if answer.related else ""
            hint = message("abstain_hint", self.question)  # in the question's language
            await markdown.update(f"{answer.answer}{related}\n\n*{hint}*")
        else:
            cited = len(answer.citations)
            markdown.border_title = f"Answer · {cited} citation{'s' if cited != 1 else ''}"
            await markdown.update(answer.answer)
        markdown.border_subtitle = self._subtitle(answer)

    def _subtitle(self, answer: Answer) -> str:
        backend = answer.backend.llm + (f" {answer.backend.model}" if answer.backend.model else "")
        if self.show_timings and "total" in answer.timings_ms:
            return f"{backend} · {answer.timings_ms['total'] / 1000:.1f} s"
        return backend

    async def fail(self, message: str) -> None:
        await self._stop_stream()
        self.add_class("-failed")
        self.markdown.border_title = "No answer"
        self.query_one(".status", Static).display = False
        await self.markdown.update(message)

    async def cancel(self) -> None:
        await self._stop_stream()
        self.add_class("-cancelled")
        self.markdown.border_title = "Cancelled"
        self.query_one(".status", Static).display = False
        streamed = self.markdown.source
        await self.markdown.update((streamed + "\n\n" if streamed else "") + "*Cancelled.*")


def shown_citations(answer: Answer) -> tuple[Citation, ...]:
    """What the citations panel lists: the answer's citations, or when it abstained the
    passage related to the question (`Answer.related`), which is not an answer."""
    return answer.related if answer.abstained else answer.citations


def citation_prompt(answer: Answer, index: int) -> Text:
    citation = shown_citations(answer)[index]
    prompt = Text.assemble((f"[{citation.n}] ", "bold"), (citation.where(), "bold underline"))
    prompt.append("\n“" + " ".join(citation.quote.split()) + "”", "italic")
    if citation.corroborating:
        prompt.append("\nalso in: " + ", ".join(citation.corroborating), "dim")
    return prompt


class CitationsPanel(Vertical):
    """The citations of the selected answer; choosing one opens its source."""

    DEFAULT_CSS = """
    CitationsPanel { border-left: tall $panel-lighten-1; padding: 0 0 0 1; }
    CitationsPanel > #citations-title { text-style: bold; color: $text-accent; height: auto; }
    CitationsPanel > #citations-hint { color: $text-muted; height: auto; }
    CitationsPanel > OptionList { height: 1fr; border: none; padding: 0; }
    CitationsPanel > OptionList > .option-list--option { padding: 0 0 1 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Citations", id="citations-title")
        yield Static(
            "Ask a question; the quotes behind its answer appear here.", id="citations-hint"
        )
        yield OptionList(id="citations")

    def show(self, number: int, answer: Answer | None) -> None:
        title = self.query_one("#citations-title", Static)
        hint = self.query_one("#citations-hint", Static)
        options = self.query_one(OptionList)
        options.clear_options()
        if answer is None:
            title.update("Citations")
            hint.update("Waiting for the answer…")
            return
        cited = shown_citations(answer)
        title.update(f"Citations of answer {number}")
        if answer.abstained and cited:
            title.update(f"Related to question {number}, not an answer")
            hint.update("The corpus does not say; this is the nearest passage. Enter opens it.")
        elif answer.abstained:
            hint.update("None: the corpus does not say.")
        elif not answer.citations:
            hint.update("This answer cites nothing.")
        else:
            hint.update("Enter or click opens the source at the quote.")
        options.add_options(
            Option(citation_prompt(answer, i), id=str(i)) for i in range(len(cited))
        )
        if cited:
            options.highlighted = 0


@dataclass
class IndexInfo:
    files: int
    chunks: int
    built_at: str


def age(built_at: str, now: datetime | None = None) -> str:
    """'3 min ago' style age of an ISO time; '' if it cannot be read."""
    try:
        built = datetime.fromisoformat(built_at)
    except ValueError:
        return ""
    now = now or (datetime.now(built.tzinfo) if built.tzinfo else datetime.now())
    seconds = max(0, int((now - built).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


class StatusBar(Static):
    """Backend and why, model, index size and age, last answer's time."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def __init__(self, show_timings: bool = True, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.show_timings = show_timings
        self.backend = "checking backend…"
        self.reason = ""
        self.model = ""
        self.index: IndexInfo | None = None
        self.last_ms: float | None = None

    def refresh_text(self) -> None:
        backend = Text.assemble(("● ", "green"), (self.backend, "bold"))
        if self.model and self.backend.startswith(("ollama", "openai")):
            backend.append(f" {self.model}")
        parts = [backend]
        if self.index is None:
            parts.append(Text("no index"))
        else:
            index = Text(f"{self.index.files} files, {self.index.chunks} chunks")
            if self.show_timings and age(self.index.built_at):
                index.append(f", built {age(self.index.built_at)}")
            parts.append(index)
        if self.show_timings and self.last_ms is not None:
            parts.append(Text(f"last answer {self.last_ms / 1000:.1f} s"))
        if self.reason:
            parts.append(Text(self.reason, "italic"))
        self.update(Text(" │ ").join(parts))
        self.tooltip = self.reason or None


def removed_lines(answer: Answer, most: int = 3, width: int = 140) -> list[str]:
    """The sentences verification removed, each with why, for the line under the answer."""
    lines = []
    for sentence, reason in answer.removed()[:most]:
        text = sentence if len(sentence) <= width else sentence[: width - 1] + "…"
        lines.append(f"✂ removed: {text}" + (f" ({reason})" if reason else ""))
    if len(answer.unsupported_sentences) > most:
        lines.append(f"✂ … and {len(answer.unsupported_sentences) - most} more")
    return lines
