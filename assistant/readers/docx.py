"""The text of a Word document (.docx), headings kept, with the standard library only.

A .docx is a zip of XML (ECMA-376). Its body's paragraphs become one line each, in order,
table cells included; a paragraph whose style is a heading (the style's name is "heading N"
or "Title", whatever the style id in the document's language) is kept as its own line and
the first one is the title unless the document's properties name one. python-docx reads the
same parts but brings lxml; this is the part of it the index needs.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from assistant.readers.base import Format, Reading, section_offsets

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DC = "{http://purl.org/dc/elements/1.1/}"
MAX_XML_BYTES = 64 * 1024 * 1024  # a zip bomb is refused, not unpacked


@dataclass(frozen=True)
class WordDocument:
    title: str
    text: str
    headings: tuple[tuple[str, int], ...]  # (words, level: 0 for the Title style, N for Heading N)


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise ValueError(f"{name} in the .docx is larger than {MAX_XML_BYTES >> 20} MB")
    return ElementTree.fromstring(archive.read(info))


def _heading_styles(styles: ElementTree.Element | None) -> dict[str, int]:
    """The paragraph styles named "heading N" or "Title", by id, with their level (a
    heading without a number is 1; the title 0)."""
    found: dict[str, int] = {"Title": 0, **{f"Heading{n}": n for n in range(1, 10)}}
    for style in styles.iter(f"{W}style") if styles is not None else ():
        name = style.find(f"{W}name")
        label = (name.get(f"{W}val") or "").lower() if name is not None else ""
        if label == "title" or label.startswith("heading"):
            digits = "".join(c for c in label if c.isdigit())
            level = 0 if label == "title" else int(digits) if digits else 1
            found[style.get(f"{W}styleId") or ""] = level
    return found


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == f"{W}t" and node.text:
            parts.append(node.text)
        elif node.tag in {f"{W}tab", f"{W}br", f"{W}cr"}:
            parts.append(" ")
    return " ".join("".join(parts).split())


def read_docx(path: Path | bytes) -> WordDocument:
    """A Word document's text and headings, from its path or bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as archive:
            body = _xml(archive, "word/document.xml")
            styles = _xml(archive, "word/styles.xml")
            core = _xml(archive, "docProps/core.xml")
    except (zipfile.BadZipFile, ElementTree.ParseError, OSError) as exc:
        raise ValueError(f"damaged or not a .docx file ({exc})") from exc
    if body is None:
        raise ValueError("not a Word document (no word/document.xml)")
    heading_ids = _heading_styles(styles)
    lines: list[str] = []
    headings: list[tuple[str, int]] = []
    for paragraph in body.iter(f"{W}p"):
        text = _paragraph_text(paragraph)
        if not text:
            continue
        style = paragraph.find(f"{W}pPr/{W}pStyle")
        level = heading_ids.get(style.get(f"{W}val") or "") if style is not None else None
        if level is not None:
            headings.append((text, level))
        lines.append(text)
    title_node = core.find(f"{DC}title") if core is not None else None
    title = (title_node.text or "").strip() if title_node is not None else ""
    return WordDocument(
        title or (headings[0][0] if headings else ""), "\n\n".join(lines), tuple(headings)
    )


def read(data: bytes) -> Reading:
    document = read_docx(data)
    sections = section_offsets(document.text, document.headings)
    return Reading(document.text, "docx", document.title, sections=sections)


FORMAT = Format("docx", frozenset({".docx"}), read, size_factor=20)
