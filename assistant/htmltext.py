"""The article of a saved web page, not the site around it (standard library only).

The page's `<main>` or `<article>` elements when it has them, else its `<body>`; inside, the
parts that are never the article are dropped — navigation, header, footer, asides, forms,
scripts, styles, and elements whose role, id or class says they are menus, sidebars, cookie
bars or share buttons. Each block (paragraph, heading, list item, table row) becomes one
line; `<pre>` keeps its lines. The `<title>` is kept as the document's title.

trafilatura was weighed: Apache-2.0, but it brings lxml and half a dozen other packages; this
is the small part of it the corpus needs.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from html.parser import HTMLParser

SKIPPED_TAGS = frozenset(
    {"nav", "header", "footer", "aside", "script", "style", "noscript", "form", "template",
     "svg", "button", "select", "iframe", "object", "head", "dialog", "menu"}
)  # fmt: skip
SKIPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
_CHROME_NAME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|sidebar|breadcrumbs?|cookie|consent|share|"
    r"social|related|advert|ads?|banner|skip-link|footer|header|toc)(?:$|[\s_-])",
    re.IGNORECASE,
)
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "li", "dt", "dd", "tr", "table", "ul", "ol",
     "dl", "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br",
     "hr", "pre", "address", "caption", "body", "td", "th"}
)  # fmt: skip
VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "source", "col"})
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass(frozen=True)
class WebPage:
    title: str
    text: str
    headings: tuple[str, ...] = ()


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.in_title = False
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped from here down)
        self.blocks: dict[str, list[list[str]]] = {"main": [], "body": []}
        self.current: dict[str, list[str]] = {"main": [], "body": []}
        self.main_depth = 0
        self.pre_depth = 0
        self.headings: dict[str, list[str]] = {"main": [], "body": []}

    def _skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in VOID_TAGS:
            if tag in BLOCK_TAGS:
                self._break()
            return
        values = dict(attrs)
        names = f"{values.get('id') or ''} {values.get('class') or ''}"
        skip = (
            self._skipping()
            or tag in SKIPPED_TAGS
            or (values.get("role") or "") in SKIPPED_ROLES
            or (tag not in {"main", "article", "body"} and bool(_CHROME_NAME.search(names)))
            or values.get("hidden") is not None
            or (values.get("aria-hidden") or "") == "true"
        )
        self.stack.append((tag, skip))
        if tag in BLOCK_TAGS:
            self._break()
        if tag in {"main", "article"} and not skip:
            self.main_depth += 1
        if tag == "pre":
            self.pre_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in VOID_TAGS or not any(t == tag for t, _ in self.stack):
            return
        while self.stack:
            open_tag, skip = self.stack.pop()
            if open_tag in HEADING_TAGS and not skip:
                self._heading()
            if open_tag in BLOCK_TAGS:
                self._break()
            if open_tag in {"main", "article"} and not skip:
                self.main_depth -= 1
            if open_tag == "pre":
                self.pre_depth -= 1
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self._skipping() or (self.stack and self.stack[-1][0] == "head"):
            return
        if self.pre_depth:
            lines = data.split("\n")
            for index, line in enumerate(lines):
                if index:
                    self._break()
                self._add(line)
        else:
            self._add(data)

    def _add(self, data: str) -> None:
        for where in ("body", "main") if self.main_depth else ("body",):
            self.current[where].append(data)

    def _heading(self) -> None:
        for where, parts in self.current.items():
            text = " ".join("".join(parts).split())
            if text:
                self.headings[where].append(text)

    def _break(self) -> None:
        for where, parts in self.current.items():
            if parts:
                self.blocks[where].append(parts)
                self.current[where] = []

    def result(self) -> tuple[list[str], list[str]]:
        """The chosen region's lines and headings."""
        self._break()
        where = "main" if self.blocks["main"] else "body"
        lines = (" ".join("".join(parts).split()) for parts in self.blocks[where])
        return [line for line in lines if line], self.headings[where]


def decode_html(data: bytes) -> str:
    """The page's characters: a byte-order mark, else a `<meta charset>`, else UTF-8, else
    Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    declared = _CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_html(data: bytes) -> WebPage:
    parser = _Extractor()
    parser.feed(decode_html(data))
    parser.close()
    lines, headings = parser.result()
    return WebPage(" ".join(parser.title.split()), "\n".join(lines), tuple(headings))
