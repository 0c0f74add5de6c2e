"""Markdown as a reader sees it rendered, through markdown-it-py (CommonMark, tables on).

The index keeps the text a person reads on the rendered page, not the syntax: link text
without its URL, no emphasis markers, no heading hashes, no HTML comments or tags, images
left out (a badge's alt text is not prose), YAML front matter left out. Each block is one
line — a heading, a paragraph (its soft line breaks become spaces), a list item, a table row
(cells joined by " | "), a quoted paragraph — and code blocks keep their own lines verbatim.
Headings are the document's sections; the first top-level heading (else a heading the file
opens with) is its title. Quotes and offsets refer to this text, and the source viewer shows it.

MyST, the Markdown of Sphinx projects (pip's, setuptools', many more), is read too, with
mdit-py-plugins' own rules: a role shows its text ({ref}`pip freeze` → "pip freeze",
{ref}`--no-deps <install>` → "--no-deps"); targets `(label)=`, `%` comments and `+++` breaks
are not prose; a directive's body (```{note}, ````{admonition} Example) is Markdown read as
such — its sentences whole, not hard-wrapped code lines — unless the directive holds code
(```{code-block}, {math}, …), which stays verbatim.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from assistant.readers.base import Format, Reading, section_offsets
from assistant.readers.plain import decode

_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_DIRECTIVE = re.compile(r"\{([\w:.+-]+)\}\s*(.*)")  # a fence's info: {note}, {admonition} Title
# directives whose body is code or data, kept verbatim; any other directive's body is Markdown
_CODE_DIRECTIVES = frozenset(
    {"code", "code-block", "code-cell", "sourcecode", "literalinclude", "math", "eval-rst"}
    | {"raw", "mermaid", "graphviz", "csv-table", "toctree", "include", "autodoc"}
)
_OPTION = re.compile(r":[\w-]+:.*")  # a directive's `:class: tip` option line
_ROLE_TARGET = re.compile(r"(.+?)\s*<[^<>]+>", re.S)  # {ref}`text <target>`


def read(data: bytes) -> Reading:
    source, encoding = decode(data)
    text, headings, title = render(source)
    sections = section_offsets(text, headings)
    return Reading(text, "markdown", title, sections=sections, encoding=encoding)


def render(source: str) -> tuple[str, list[tuple[str, int]], str]:
    """The reader-visible text of a Markdown source, its headings (words, level), and its
    title."""
    blocks, headings = _blocks(source)
    top = [words for tag, words in headings if tag == "h1"]
    opening = [words for _, words in headings[:1] if blocks and blocks[0] == words]
    title = (top or opening or [""])[0]
    return "\n\n".join(blocks), [(words, int(tag[1:])) for tag, words in headings], title


@cache
def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin
    from mdit_py_plugins.myst_blocks import myst_block_plugin
    from mdit_py_plugins.myst_role import myst_role_plugin

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    # front matter, MyST targets, comments and breaks: tokens of their own, skipped below
    return parser.use(front_matter_plugin).use(myst_block_plugin).use(myst_role_plugin)


def _blocks(source: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The blocks a reader sees, one per line, and the headings (h1..h6, words)."""
    tokens = _parser().parse(source)
    blocks: list[str] = []
    headings: list[tuple[str, str]] = []
    cells: list[str] | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            words = _inline(token.children or [])
            opener = tokens[index - 1] if index else None
            if cells is not None:
                cells.append(words)
            elif words:
                blocks.append(words)
                if opener is not None and opener.type == "heading_open":
                    headings.append((opener.tag, words))
        elif kind in ("fence", "code_block"):
            directive = _DIRECTIVE.fullmatch(token.info.strip()) if kind == "fence" else None
            body = _directive_body(token.content) if directive else token.content
            if directive and directive[1].lower() not in _CODE_DIRECTIVES:
                if directive[2].strip():
                    blocks.append(_SPACE.sub(" ", directive[2]).strip())  # its title
                inner, inner_headings = _blocks(body)
                blocks.extend(inner)
                headings.extend(inner_headings)
            elif body.strip():
                blocks.append(body.rstrip("\n"))
        elif kind == "html_block":
            blocks.extend(_html_lines(token.content))
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            row = " | ".join(cell for cell in cells if cell)
            if row:
                blocks.append(row)
            cells = None
    return blocks, headings


def _directive_body(content: str) -> str:
    """A MyST directive's body without its options (`:key: value` lines, or a `---` YAML
    block, at its top)."""
    lines = content.split("\n")
    if lines and lines[0].strip() == "---" and "---" in (line.strip() for line in lines[1:]):
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
        return "\n".join(lines[end + 1 :])
    start = 0
    while start < len(lines) and _OPTION.fullmatch(lines[start].strip()):
        start += 1
    return "\n".join(lines[start:])


def _inline(children: list[Any]) -> str:
    """An inline run's words on one line: text and code, no markup, no images, no tags."""
    parts: list[str] = []
    for child in children:
        kind = child.type  # an image's alt text is its children: not shown, so not kept
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "myst_role":  # {ref}`text <target>` shows "text"
            shown = _ROLE_TARGET.fullmatch(child.content.strip())
            parts.append((shown[1] if shown else child.content).lstrip("~!"))
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
    return _SPACE.sub(" ", "".join(parts)).strip()


def _html_lines(html: str) -> list[str]:
    """The visible words of a raw HTML block in Markdown (`<p align="center">…</p>`), a
    line for each of its source lines; tags, comments and images dropped (lxml)."""
    import lxml.etree
    import lxml.html

    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    text = "".join(root.itertext())
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return [line for line in lines if line]


FORMAT = Format("markdown", frozenset({".md", ".markdown"}), read)
