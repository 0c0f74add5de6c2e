"""Prompt templates are files in `prompts/`; each one's variables are checked when loaded."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from assistant.errors import AssistantError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_VARIABLE = re.compile(r"\{(\w+)\}")
EXPECTED = {
    "answer": {"sources", "question", "cannot_answer"},
    "answer_json": {"sources", "question"},
    "answer_schema": set(),
    "condense": {"history", "question"},
}


@cache
def load_prompt(name: str, directory: Path = PROMPTS_DIR, suffix: str = ".md") -> str:
    """The template text, after checking it uses exactly the variables the code fills in."""
    path = directory / f"{name}{suffix}"
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise AssistantError(
            f"prompt template {path} is missing", "reinstall the assistant"
        ) from exc
    found = set(_VARIABLE.findall(text))
    expected = EXPECTED.get(name, found)
    if found != expected:
        raise AssistantError(
            f"prompt template {path} uses variables {sorted(found)}, expected {sorted(expected)}",
            "fix the template's {placeholders}",
        )
    return text


def render(name: str, **values: str) -> str:
    """Fill a template; values are inserted literally (braces in them are left alone)."""
    template = load_prompt(name)
    return _VARIABLE.sub(lambda m: values[m.group(1)], template)
