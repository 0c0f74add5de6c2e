"""Prompt templates are files in `prompts/`; each one's variables are checked when loaded.

Installed, `prompts/` is the package `assistant.prompt_templates` (pyproject.toml maps it), so
the templates are read with importlib.resources from a checkout, a wheel or a zip alike.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from assistant.errors import AssistantError

TEMPLATES_PACKAGE = "assistant.prompt_templates"
_VARIABLE = re.compile(r"\{(\w+)\}")
EXPECTED = {
    "answer": {"sources", "question", "cannot_answer", "absent"},
    "answer_json": {"sources", "question", "absent"},
    "condense": {"history", "question"},
    "judge": {"evidence", "claim"},
}


def template_file(filename: str, directory: Traversable | None = None) -> str:
    """A file of `prompts/` (a template, or e.g. a JSON schema) as the installed package has it.
    `directory`: where to look instead of the installed package."""
    try:
        return ((directory or files(TEMPLATES_PACKAGE)) / filename).read_text("utf-8")
    except (OSError, ModuleNotFoundError) as exc:
        raise AssistantError(
            f"prompt template {filename} is missing from the installed assistant",
            "reinstall the assistant",
        ) from exc


@cache
def load_prompt(name: str, directory: Traversable | None = None) -> str:
    """The template text, after checking it uses exactly the variables the code fills in."""
    path = f"{name}.md"
    text = template_file(path, directory)
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
