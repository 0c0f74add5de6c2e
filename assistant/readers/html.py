"""The article of a saved web page, as a reader sees it, through trafilatura.

trafilatura (Apache-2.0) is the kept library for this job: it finds the main text of real
pages — Wikipedia, news sites, Sphinx and MkDocs output — and drops the navigation, menus,
reference lists, cookie bars and footers around it. Its XML output keeps the structure: each
heading, paragraph, list item, table row and code block becomes one block of the text here
(paragraphs one line each, code with its own lines), and the headings are the document's
sections. The page's `<title>` is its title.

A page trafilatura finds no article in (a bare list of links, a page of one table) keeps all
of its visible text instead, with a warning saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.readers.base import Format, Reading, section_offsets

_SPACE = re.compile(r"\s+")
BLOCK_SEPARATOR = "\n\n"  # blocks stand apart as a browser shows them


@dataclass(frozen=True)
class WebPage:
    title: str
    text: str
    headings: tuple[tuple[str, int], ...] = ()  # (words, level: 1 for <h1> …)
    warnings: tuple[str, ...] = ()


def read_html(data: bytes) -> WebPage:
    """The main text of a page's bytes (any encoding its `<meta>` or bytes say)."""
    import trafilatura
    from lxml import etree

    tree = trafilatura.load_html(data)
    if tree is None:
        return WebPage("", "")
    title = _SPACE.sub(" ", tree.findtext(".//title") or "").strip()
    xml = trafilatura.extract(
        preformatted_as_code(anonymous_paragraphs(without_permalinks(tree))),
        output_format="xml",
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        include_formatting=False,
        favor_recall=True,
        deduplicate=False,
    )
    if not xml:
        text = trafilatura.html2txt(data) or ""
        lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
        kept = BLOCK_SEPARATOR.join(line for line in lines if line)
        why = ("no article found in the page: all of its visible text was kept",)
        return WebPage(title, kept, (), why if kept else ())
    root = etree.fromstring(xml.encode("utf-8"))
    if not title:
        title = _SPACE.sub(" ", root.get("title") or "").strip()
    blocks: list[str] = []
    headings: list[tuple[str, int]] = []
    body = root.find("main")
    _children(body if body is not None else root, blocks, headings)
    if not title and headings:
        title = headings[0][0]
    return WebPage(title, BLOCK_SEPARATOR.join(blocks), tuple(headings))


INLINE_TAGS = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "font", "i",
     "img", "kbd", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time",
     "tt", "u", "var", "wbr"}
)  # fmt: skip
BLOCK_CONTAINERS = ("body", "div", "section", "article", "main", "center", "blockquote", "td")


PERMALINK_MARKS = frozenset({"¶", "§", "#", "🔗", "∞"})


def without_permalinks(tree: Any) -> Any:
    """The page without the permalink anchors that Sphinx, DocBook and many static-site
    builders put after each heading and definition (`<a class="headerlink" href="#…">¶</a>`):
    a browser shows them only on hover, so "intersphinx_cache_limit¶" and a section named
    "Contents¶" are not what a reader sees. An anchor counts as one when it points into the
    page and its text is nothing but such a mark."""
    for anchor in list(tree.iter("a")):
        text = "".join(anchor.itertext()).strip()
        if (anchor.get("href") or "").startswith("#") and text in PERMALINK_MARKS:
            anchor.drop_tree()  # lxml.html: its tail text stays
    return tree


def anonymous_paragraphs(tree: Any) -> Any:
    """The page with each run of loose text and inline elements that shares a container with
    blocks wrapped in a `<p>`, as a browser lays it out (an anonymous block box). Old pages
    write paragraphs as bare text between `<p>`, `<pre>` and headings (zlib's "How to use
    zlib" opens that way), and trafilatura keeps only what stands in a block element."""
    for container in list(tree.iter(*BLOCK_CONTAINERS)):
        if any(_is_block(child) for child in container):
            _lay_out(container)
    return tree


def _lay_out(container: Any) -> None:
    """Wrap the loose runs of one container holding blocks (see anonymous_paragraphs)."""
    from lxml import etree

    laid_out: list[Any] = []
    run: list[Any] = []
    loose = container.text
    container.text = None
    for child in [*container, None]:  # None: the end, which closes the last run
        if child is not None and not _is_block(child):
            container.remove(child)
            run.append(child)  # an inline element keeps its tail text
            continue
        if (loose and loose.strip()) or run:
            paragraph = etree.Element("p")
            paragraph.text = loose
            paragraph.extend(run)
            laid_out.append(paragraph)
        loose, run = None, []
        if child is not None:
            container.remove(child)
            loose, child.tail = child.tail, None
            laid_out.append(child)
    container.extend(laid_out)


def preformatted_as_code(tree: Any) -> Any:
    """The page with each `<pre>` block's text in a `<code>` of its own, its lines kept.
    trafilatura keeps `<pre><code>` as code, line by line, but reads a bare `<pre>` (or one
    whose text is set in `<b>`, as zlib's example is) as a quotation on one line:
    "#include <stdio.h> #include <string.h> …" where the page shows one include a line."""
    from lxml import etree

    for block in list(tree.iter("pre")):
        if block.find(".//code") is not None:
            continue
        text = "".join(block.itertext())
        for child in list(block):
            block.remove(child)
        block.text = None
        etree.SubElement(block, "code").text = text
    return tree


def _is_block(element: Any) -> bool:
    return isinstance(element.tag, str) and element.tag.lower() not in INLINE_TAGS


def _blocks(element: Any, blocks: list[str], headings: list[tuple[str, int]]) -> None:
    """Append the reader-visible blocks of one element of trafilatura's XML."""
    tag = element.tag
    if tag in ("graphic", "lb"):
        return
    if tag == "code":
        code = "".join(element.itertext()).strip("\n")
        if code.strip():
            blocks.append(code)
        return
    if tag == "list":
        _children(element, blocks, headings)
        return
    if tag == "item":
        nested = [child for child in element if child.tag == "list"]
        own = _inline(element, skip=nested)
        if own:
            blocks.append(own)
        for child in nested:
            _blocks(child, blocks, headings)
        return
    if tag == "table":
        for row in element.iter("row"):
            cells = [_inline(cell) for cell in row if cell.tag == "cell"]
            line = " | ".join(cell for cell in cells if cell)
            if line:
                blocks.append(line)
        return
    if tag in ("quote", "div", "main", "section") and any(
        child.tag in ("p", "list", "head", "table", "code", "quote") for child in element
    ):
        _children(element, blocks, headings)
        return
    text = _inline(element)
    if not text:
        return
    if tag == "head":
        headings.append((text, _level(element.get("rend"))))
    blocks.append(text)


def _level(rend: str | None) -> int:
    """A heading's level from trafilatura's `rend` ("h3" → 3); 2 when it does not say."""
    return int(rend[1]) if rend and len(rend) == 2 and rend[0] == "h" and rend[1].isdigit() else 2


def _children(element: Any, blocks: list[str], headings: list[tuple[str, int]]) -> None:
    """The blocks of each child, and the loose text between them (trafilatura leaves the
    words between two code blocks as the first one's tail)."""
    if element.text and element.text.strip():
        blocks.append(_SPACE.sub(" ", element.text).strip())
    for child in element:
        _blocks(child, blocks, headings)
        if child.tail and child.tail.strip():
            blocks.append(_SPACE.sub(" ", child.tail).strip())


def _inline(element: Any, skip: list[Any] | None = None) -> str:
    """An element's text on one line: its words and its inline children's, spaces collapsed."""
    if not skip:
        return _SPACE.sub(" ", "".join(element.itertext())).strip()
    parts = [element.text or ""]
    for child in element:
        if child not in skip:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return _SPACE.sub(" ", "".join(parts)).strip()


_OPENING = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)


def sniff(head: bytes) -> bool:
    """Whether a file's opening bytes are a web page (doctype, `<html`, `<head`, `<body`)."""
    return bool(_OPENING.match(head[:4096]))


def read(data: bytes) -> Reading:
    page = read_html(data)
    sections = section_offsets(page.text, page.headings)
    return Reading(page.text, "html", page.title, sections=sections, warnings=page.warnings)


FORMAT = Format("html", frozenset({".html", ".htm", ".xhtml"}), read, sniff)
