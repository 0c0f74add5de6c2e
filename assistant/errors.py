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


class LLMError(AssistantError):
    """The model server is unreachable, too slow, refuses us, or lacks the model. `server`
    names it for messages ("Ollama", "the OpenAI-compatible server at …")."""

    exit_code = 6
    server = "the model server"

    def __init__(self, message: str, hint: str = "", server: str = "") -> None:
        super().__init__(message, hint)
        if server:
            self.server = server


class LLMUnavailable(LLMError):
    """The server does not answer at the configured address."""


class LLMSettingsError(LLMUnavailable):
    """The server cannot be used as configured: a refused header or key, an untrusted
    certificate, plain http:// to another machine. `auto` falls back; a backend asked for by
    name exits as a settings error."""

    exit_code = 2


class LLMModelMissing(LLMError):
    """The server answers but does not have the configured model."""


class LLMTimeout(LLMError):
    """The server stopped answering within the configured timeout."""


class LLMBadOutput(LLMError):
    """The server answered with empty, cut-off or malformed output."""


class OllamaError(LLMError):
    """The Ollama server is unreachable, too slow, or lacks the model."""

    server = "Ollama"


class OllamaUnavailable(OllamaError, LLMUnavailable):
    """The server does not answer at the configured host."""


class OllamaSettingsError(OllamaUnavailable, LLMSettingsError):
    """Ollama cannot be used as configured: a refused header, an untrusted certificate, plain
    http:// to another machine. `auto` falls back; `--llm ollama` exits as a settings error."""

    exit_code = 2


class OllamaModelMissing(OllamaError, LLMModelMissing):
    """The server answers but the configured model is not pulled."""


class OllamaTimeout(OllamaError, LLMTimeout):
    """The server stopped answering within the configured timeout."""


class OllamaBadOutput(OllamaError, LLMBadOutput):
    """The server answered with empty or malformed output."""


class InputError(AssistantError):
    """A question or batch file the assistant cannot use."""

    exit_code = 2
