"""The chat's entries in the command palette (Ctrl+P)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from assistant.llm import choices

if TYPE_CHECKING:
    from assistant.tui.app import ChatApp


def chat_commands(app: ChatApp) -> list[tuple[str, str, Callable[[], Any]]]:
    """(name, help, callback) of every palette command."""
    backends = [
        (
            f"Backend: {name}",
            help_text,
            partial(app.set_backend, name),
        )
        for name, help_text in (
            ("auto", "Ollama when it answers, otherwise extractive"),
            ("ollama", "always Ollama; an error if it is down"),
            ("openai", "an OpenAI-compatible server (openai_url); an error if it is down"),
            ("extractive", "quotes from the corpus only, no language model"),
        )
        if name in choices(app.settings)
    ]
    return [
        (
            "Reindex the corpus",
            "bring the index in step with the corpus (Ctrl+R)",
            app.action_reindex,
        ),
        *backends,
        ("Set the Ollama model…", f"currently {app.settings.model}", app.action_choose_model),
        (
            "New conversation",
            "forget the conversation so far (Ctrl+N)",
            app.action_new_conversation,
        ),
        (
            "Export conversation to Markdown",
            "to a dated file in the current folder (Ctrl+S)",
            app.action_export,
        ),
        (
            "Export conversation to a chosen file…",
            "type the file or folder to write",
            app.action_export_to,
        ),
        (
            "Copy the selected answer",
            "with its sources, as Markdown (Ctrl+Y)",
            app.action_copy_answer,
        ),
        ("Past conversations…", "reopen a saved conversation (Ctrl+O)", app.action_history),
        ("Help", "how answers and citations work; the keys (F1)", app.action_help),
    ]


class ChatCommands(Provider):
    """Reindex, backend and model, conversation, export, copy, history, help."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from assistant.tui.app import ChatApp

        app = self.app
        return chat_commands(app) if isinstance(app, ChatApp) else []

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, text=name, help=help_text)
