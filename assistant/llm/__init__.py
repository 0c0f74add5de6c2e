"""The model servers answers can be written by, behind one interface (`base.ChatModel`).

One module per API: `ollama.py` (Ollama's own) and `openai.py` (the OpenAI chat-completions
API that llama.cpp's server, vLLM, LM Studio and LocalAI speak). `chat_model` picks one from
the settings; nothing else names a server's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.errors import ConfigError, OllamaSettingsError

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.llm.base import ChatModel

MODEL_BACKENDS = ("ollama",)  # the `llm` settings that answer with a model
AUTO_BACKEND = "ollama"  # what `auto` answers with when its server is ready (else extractive)


def chat_model(settings: Settings, kind: str) -> ChatModel:
    """The model `settings` name on the server of backend `kind` (nothing is sent yet)."""
    from assistant.remote import ollama_server

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
    raise ConfigError(f"no model backend is called {kind!r}", f"use one of {MODEL_BACKENDS}")
