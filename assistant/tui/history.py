"""Past conversations on disk: one JSON file per conversation, written after every answer.

The folder is `$ASSISTANT_HISTORY_DIR`, or `conversations/` in the platform's user data folder.
Serialisation is plain functions so it can be tested without the app.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.index.atomicfile import atomic_write
from assistant.types import Answer, Backend, Citation, Turn

HISTORY_ENV = "ASSISTANT_HISTORY_DIR"
FORMAT_VERSION = 1


def history_dir() -> Path:
    """Where conversations are kept: `$ASSISTANT_HISTORY_DIR` or the user data folder."""
    override = os.environ.get(HISTORY_ENV)
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("assistant")) / "conversations"


def new_conversation_id(now: datetime | None = None) -> str:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


@dataclass
class Conversation:
    """The turns of one chat, with when it started and which corpus it asked."""

    id: str = field(default_factory=new_conversation_id)
    started_at: str = field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    corpus: str = ""
    turns: list[Turn] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.turns[0].question if self.turns else "(empty conversation)"


@dataclass(frozen=True)
class ConversationInfo:
    """One line of the history list."""

    path: Path
    started_at: str
    title: str
    turns: int


def citation_from_json(data: dict[str, Any]) -> Citation:
    return Citation(
        n=int(data["n"]),
        file=str(data["file"]),
        quote=str(data["quote"]),
        start=int(data["start"]),
        end=int(data["end"]),
        corroborating=tuple(data.get("corroborating", ())),
        match=str(data.get("match", "exact")),
        page=int(data["page"]) if data.get("page") is not None else None,
        title=str(data.get("title", "")),
        section=str(data.get("section", "")),
    )


def answer_from_json(data: dict[str, Any]) -> Answer:
    """The inverse of `Answer.to_json()`."""
    backend = data.get("backend") or {}
    return Answer(
        id=data.get("id"),
        question=str(data["question"]),
        answer=str(data["answer"]),
        abstained=bool(data["abstained"]),
        citations=tuple(citation_from_json(c) for c in data.get("citations", ())),
        backend=Backend(
            backend.get("llm", "extractive"),
            backend.get("model"),
            backend.get("embedder", ""),
            backend.get("reason", ""),
        ),
        index=dict(data.get("index") or {}),
        timings_ms={k: float(v) for k, v in (data.get("timings_ms") or {}).items()},
        dropped_quotes=int(data.get("dropped_quotes", 0)),
        warnings=tuple(data.get("warnings", ())),
        unsupported_sentences=tuple(data.get("removed_sentences", ())),
        removed_why=tuple(data.get("removed_why", ())),
        related=tuple(citation_from_json(c) for c in data.get("related", ())),
        related_note=str(data.get("related_note", "")),
    )


def conversation_to_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "id": conversation.id,
        "started_at": conversation.started_at,
        "corpus": conversation.corpus,
        "turns": [
            {"question": turn.question, "answer": turn.answer.to_json()}
            for turn in conversation.turns
        ],
    }


def conversation_from_json(data: dict[str, Any]) -> Conversation:
    return Conversation(
        id=str(data["id"]),
        started_at=str(data.get("started_at", "")),
        corpus=str(data.get("corpus", "")),
        turns=[
            Turn(str(t["question"]), answer_from_json(t["answer"])) for t in data.get("turns", ())
        ],
    )


def conversation_path(directory: Path, conversation: Conversation) -> Path:
    return directory / f"{conversation.id}.json"


def save_conversation(conversation: Conversation, directory: Path) -> Path:
    """Write the conversation atomically (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = conversation_path(directory, conversation)
    payload = json.dumps(conversation_to_json(conversation), ensure_ascii=False, indent=1)
    atomic_write(path, payload.encode("utf-8"), mode=0o600)  # private, as the user's own notes
    return path


def load_conversation(path: Path) -> Conversation:
    """Raises OSError or ValueError (incl. KeyError/TypeError as ValueError) for a bad file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return conversation_from_json(data)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path.name} is not a saved conversation ({exc})") from exc


def list_conversations(directory: Path) -> list[ConversationInfo]:
    """Saved conversations, newest first; unreadable files are left out."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.glob("*.json"):
        try:
            conversation = load_conversation(path)
        except (OSError, ValueError):
            continue
        found.append(
            ConversationInfo(
                path, conversation.started_at, conversation.title, len(conversation.turns)
            )
        )
    return sorted(found, key=lambda info: (info.started_at, info.path.name), reverse=True)
