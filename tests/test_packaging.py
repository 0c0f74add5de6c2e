"""What the installed package carries: every subpackage and the prompt templates.
(tests/test_install.py installs a built wheel and runs it; these are the quick checks.)"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from assistant.answer.prompts import TEMPLATES_PACKAGE, load_prompt, template_file
from assistant.errors import AssistantError

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))


def test_every_package_of_the_checkout_is_listed_for_the_build() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "assistant").rglob("__init__.py")
    }
    data_only = {"assistant.models"}  # the tokenizer files, no Python
    assert found | {TEMPLATES_PACKAGE} | data_only == listed


def test_the_prompt_templates_are_read_as_package_resources() -> None:
    shipped = {entry.name for entry in files(TEMPLATES_PACKAGE).iterdir()}
    in_checkout = {path.name for path in (REPO / "prompts").iterdir() if path.suffix != ".pyc"}
    assert in_checkout - {"__pycache__"} <= shipped
    assert "{question}" in load_prompt("answer")


def test_a_missing_template_file_is_an_error_that_says_to_reinstall(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text("{}")
    assert template_file("schema.json", tmp_path) == "{}"
    with pytest.raises(AssistantError, match=r"answer\.md is missing") as caught:
        load_prompt("answer", tmp_path)
    assert caught.value.hint == "reinstall the assistant"
