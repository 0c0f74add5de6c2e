"""What the installed package carries: every subpackage and the prompt templates.
(tests/test_install.py installs a built wheel and runs it; these are the quick checks.)"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

from assistant.prompts import TEMPLATES_PACKAGE, load_prompt

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))


def test_every_package_of_the_checkout_is_listed_for_the_build() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "assistant").rglob("__init__.py")
    }
    assert found | {TEMPLATES_PACKAGE} == listed


def test_the_prompt_templates_are_read_as_package_resources() -> None:
    shipped = {entry.name for entry in files(TEMPLATES_PACKAGE).iterdir()}
    in_checkout = {path.name for path in (REPO / "prompts").iterdir() if path.suffix != ".pyc"}
    assert in_checkout - {"__pycache__"} <= shipped
    assert "{question}" in load_prompt("answer")
