"""Markdown as a reader sees it rendered, through markdown-it-py (CommonMark, tables on).

The index keeps the text a person reads on the rendered page, not the syntax: link text
without its URL, no emphasis markers, no heading hashes, no HTML comments or tags, images
left out (a badge's alt text is not prose), YAML front matter left out. Each block is one
line — a heading, a paragraph (its soft line breaks become spaces), a list item, a table row
(cells joined by " | "), a quoted paragraph — and code blocks keep their own lines verbatim.
Headings are the document's sections; the first top-level heading (else a heading the file
opens with) is its title. Quotes and offsets refer to this text, and the source viewer shows it.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.readers.base import Format, Reading, section_offsets
from assistant.readers.plain import decode

_SPACE = re.compile(r"[ \t\r\n\f\v]+")


def read(data: bytes) -> Reading:
    source, encoding = decode(data)
    text, headings, title = render(source)
    sections = section_offsets(text, headings)
    return Reading(text, "markdown", title, sections=sections, encoding=encoding)


def render(source: str) -> tuple[str, list[tuple[str, int]], str]:
    """The reader-visible text of a Markdown source, its headings (words, level), and its
    title."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.front_matter import front_matter_plugin

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    tokens = parser.use(front_matter_plugin).parse(source)  # front matter: a token, skipped
    blocks: list[str] = []
    headings: list[tuple[str, str]] = []  # (h1..h6, words)
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
            code = token.content.rstrip("\n")
            if code.strip():
                blocks.append(code)
        elif kind == "html_block":
            blocks.extend(_html_lines(token.content))
        elif kind == "tr_open":
            cells = []
        elif kind == "tr_close" and cells is not None:
            row = " | ".join(cell for cell in cells if cell)
            if row:
                blocks.append(row)
            cells = None
    top = [words for tag, words in headings if tag == "h1"]
    opening = [words for _, words in headings[:1] if blocks and blocks[0] == words]
    title = (top or opening or [""])[0]
    return "\n\n".join(blocks), [(words, int(tag[1:])) for tag, words in headings], title


def _inline(children: list[Any]) -> str:
    """An inline run's words on one line: text and code, no markup, no images, no tags."""
    parts: list[str] = []
    for child in children:
        kind = child.type  # an image's alt text is its children: not shown, so not kept
        if kind in ("text", "code_inline"):
            parts.append(child.content)
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
