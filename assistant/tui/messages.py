"""Messages the answer worker posts to the app, and titles for error notifications."""

from __future__ import annotations

from textual.message import Message

from assistant.errors import (
    AssistantError,
    CorpusError,
    IndexBusyError,
    IndexMissingError,
    InputError,
    LLMError,
)
from assistant.types import AnswerEvent


def error_title(exc: AssistantError) -> str:
    if isinstance(exc, LLMError):
        return f"{exc.server[:1].upper()}{exc.server[1:]} failed"
    titles: list[tuple[type[AssistantError], str]] = [
        (IndexMissingError, "No usable index"),
        (IndexBusyError, "Index busy"),
        (CorpusError, "Corpus problem"),
        (InputError, "Question not usable"),
    ]
    return next((title for kind, title in titles if isinstance(exc, kind)), "Error")


class AnswerPosted(Message):
    """An event from the service for exchange `number`."""

    def __init__(self, number: int, event: AnswerEvent) -> None:
        super().__init__()
        self.number = number
        self.event = event


class AnswerFailed(Message):
    def __init__(self, number: int, error: AssistantError) -> None:
        super().__init__()
        self.number = number
        self.error = error
