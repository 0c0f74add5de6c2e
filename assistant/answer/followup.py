"""Follow-up questions: resolving "he", "it", "that" from the previous turn (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.english import QUESTION_OPENERS, REFERENCE
from assistant.types import Turn

_CONTINUATION = re.compile(r"^\s*(and|also|what about|how about|why|so)\b", re.IGNORECASE)
_WORD = r"[A-Z](?:[\w’'-]|\.(?=[A-Za-z]))*"  # "U.S." is one name, "Inc." loses its dot
_ENTITY = re.compile(rf"\b({_WORD}(?:\s+{_WORD})*)")
_POSSESSIVE = re.compile(r"['’]s?$")  # "DeepSeek's", "Jones’": not the "s" of "Jones"


def needs_context(question: str) -> bool:
    return bool(REFERENCE.search(question) or _CONTINUATION.search(question))


def entities(text: str) -> list[str]:
    """Capitalised names in a text, in order, without sentence openers."""
    found = []
    for match in _ENTITY.finditer(text):
        words = [w for w in match.group(1).split() if w not in QUESTION_OPENERS]
        name = _POSSESSIVE.sub("", " ".join(words)).strip()
        if name and name not in found:
            found.append(name)
    return found


def carry_entities(question: str, history: Sequence[Turn]) -> str:
    """For the extractive backend: the question with the previous question's names, and
    the first full name in the previous answer, added when it refers back ("and what did he
    say about China?")."""
    if not history or not needs_context(question):
        return question
    last = history[-1]
    own = set(entities(question))
    carried = [e for e in entities(last.question) if e not in own]
    if not last.answer.abstained:
        # "he" is often someone the answer named: its first full name ("Liang Wenfeng").
        people = [e for e in entities(last.answer.answer) if len(e.split()) >= 2]
        carried += [p for p in people[:1] if p not in own and p not in carried]
    if not carried:
        return question
    return f"{question} ({', '.join(carried)})"


def history_text(history: Sequence[Turn], turns: int = 3) -> str:
    lines = []
    for turn in history[-turns:]:
        lines.append(f"Researcher: {turn.question}")
        lines.append(f"Assistant: {turn.answer.answer}")
    return "\n".join(lines)


_CONJOINED = re.compile(
    r",?\s+(?:and|but)\s+(?=(?:what|who|whom|whose|how|why|when|where|which|did|does|do|is|are|"
    r"was|were|has|have|can)\b)",
    re.IGNORECASE,
)


def split_question(question: str) -> list[str]:
    """ "Who founded X, and what did it do?" → two questions; the later ones carry the first
    one's names when they refer back to it. A simple question comes back as it is, and so
    does one whose later part refers back to a first part that names nothing: "Is there a
    variable that turns the loader off, and what is it called?" is one question."""
    parts = [p.strip(" ,;?") for p in _CONJOINED.split(question)]
    parts = [p + "?" for p in parts if len(p.split()) >= 2]
    if len(parts) < 2:
        return [question]
    names = entities(parts[0])
    if not names and any(needs_context(part) for part in parts[1:]):
        return [question]
    resolved = [parts[0]]
    for part in parts[1:]:
        carried = [n for n in names if n not in part]
        resolved.append(
            f"{part} ({', '.join(carried)})" if carried and needs_context(part) else part
        )
    return resolved
