"""One family of errors, each carrying what went wrong and what to do about it."""

from __future__ import annotations


class AssistantError(Exception):
    """An expected failure, shown as a one-line message and a hint, never a traceback."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(AssistantError):
    """The configuration file, environment or flags are wrong."""

    exit_code = 2


class CorpusError(AssistantError):
    """The corpus folder is missing, empty or unreadable."""

    exit_code = 3


REINDEX_HINT = "run `assistant reindex`"


class IndexMissingError(AssistantError):
    """There is no usable index; the fix is always `assistant reindex` (REINDEX_HINT)."""

    exit_code = 4


class IndexBusyError(AssistantError):
    """Another reindex holds the index lock."""

    exit_code = 5


class OllamaError(AssistantError):
    """The Ollama server is unreachable, too slow, or lacks the model."""

    exit_code = 6


class OllamaUnavailable(OllamaError):
    """The server does not answer at the configured host."""


class OllamaModelMissing(OllamaError):
    """The server answers but the configured model is not pulled."""


class OllamaTimeout(OllamaError):
    """The server stopped answering within the configured timeout."""


class OllamaBadOutput(OllamaError):
    """The server answered with empty or malformed output."""


class InputError(AssistantError):
    """A question or batch file the assistant cannot use."""

    exit_code = 2
