"""Every relative link and image in README.md and docs/ points at a file that exists, and a
link to a heading (`page.md#anchor`) at a heading that page has (GitHub's anchors)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _tokens(page: Path) -> list[Token]:
    flat: list[Token] = []
    for token in MarkdownIt("commonmark").enable("table").parse(page.read_text()):
        flat.append(token)
        flat.extend(token.children or [])
    return flat


def _targets(page: Path) -> list[str]:
    found = []
    for token in _tokens(page):
        if token.type == "link_open":
            found.append(str(token.attrs.get("href", "")))
        elif token.type == "image":
            found.append(str(token.attrs.get("src", "")))
    return [t for t in found if t and not re.match(r"[a-z][a-z0-9+.-]*:", t)]  # not http:, mailto:


@cache
def anchors(page: Path) -> frozenset[str]:
    """GitHub's anchor of each heading: lower case, punctuation dropped, spaces as hyphens."""
    tokens = _tokens(page)
    titles = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    return frozenset(re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-") for title in titles)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in _targets(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT)}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, f"{page.name}: " + "; ".join(broken)


def test_the_readme_is_one_screenful_of_reading_and_docs_hold_the_rest() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= 200
    linked = {Path(t.partition("#")[0]).name for t in _targets(ROOT / "README.md")}
    assert {p.name for p in PAGES[1:]} <= linked  # every docs page is reachable from it
