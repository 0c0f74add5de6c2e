"""The model servers answers can be written by, behind one interface (`base.ChatModel`).

One module per API: `ollama.py` (Ollama's own) and `openai.py` (the OpenAI chat-completions
API that llama.cpp's server, vLLM, LM Studio and LocalAI speak). `chat_model` picks one from
the settings; nothing else names a server's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.config import LLM_CHOICES
from assistant.errors import ConfigError, LLMSettingsError, OllamaSettingsError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.llm.base import ChatModel

MODEL_BACKENDS = ("ollama", "openai")  # the `llm` settings that answer with a model
OPENAI_PROBE_SECONDS = 10.0  # most a probe of the OpenAI-compatible server waits
AUTO_BACKEND = "ollama"  # what `auto` answers with when its server is ready (else extractive)


def choices(settings: Settings) -> tuple[str, ...]:
    """The `llm` settings worth offering: `openai` only when a server is set for it."""
    from assistant.config.remote import openai_url

    openai_set = bool(openai_url(settings))
    return tuple(c for c in LLM_CHOICES if c != "openai" or openai_set or settings.llm == c)


def chat_model(settings: Settings, kind: str) -> ChatModel:
    """The model `settings` name on the server of backend `kind` (nothing is sent yet)."""
    from assistant.config.remote import ollama_server, openai_key, openai_server

    if kind == "ollama":
        from assistant.llm.ollama import OllamaChat

        try:
            server = ollama_server(settings)
        except ConfigError as exc:  # `auto` falls back with the reason
            raise OllamaSettingsError(exc.message, exc.hint) from None
        return OllamaChat(
            host=server.url,
            model=settings.model,
            timeout=settings.ollama_timeout,
            num_ctx=settings.num_ctx,
            temperature=settings.temperature,
            headers=server.headers,
            verify=server.verify,
            probe_timeout=settings.ollama_probe_timeout,
        )
    if kind == "openai":
        from assistant.llm.openai import SERVER, OpenAIChat

        try:
            api = openai_server(settings)
        except ConfigError as exc:
            raise LLMSettingsError(exc.message, exc.hint, SERVER) from None
        return OpenAIChat(
            url=api.url,
            model=settings.model,
            timeout=settings.openai_timeout,
            api_key=openai_key(),
            temperature=settings.temperature,
            verify=api.verify,
            probe_timeout=min(OPENAI_PROBE_SECONDS, settings.openai_timeout),
        )
    raise ConfigError(f"no model backend is called {kind!r}", f"use one of {MODEL_BACKENDS}")
