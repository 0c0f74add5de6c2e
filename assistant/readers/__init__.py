"""Reading corpus files as a person reads them: one module per format, chosen by content first.

A file's format is found from its opening bytes where the format has a signature (a web page
saved as `.txt`, a PDF under any name), else from its suffix; each format's module reads the
file's bytes into a `Reading` (text, title, sections, page starts, warnings). A new format is
one new module with a `FORMAT` and one line in `FORMATS`.

    plain     .txt .text .rst, no suffix   the bytes decoded
    markdown  .md .markdown                the rendered text (markdown-it-py)
    html      .html .htm .xhtml, or sniffed the article (trafilatura)
    pdf       .pdf, or sniffed              the text layer (PDFium)
    docx      .docx                         the body's paragraphs and tables
"""

from __future__ import annotations

from pathlib import PurePath

from assistant.readers import docx, html, markdown, pdf, plain
from assistant.readers.base import Format, Heading, Reading, section_offsets, section_path

FORMATS: tuple[Format, ...] = (pdf.FORMAT, html.FORMAT, docx.FORMAT, markdown.FORMAT, plain.FORMAT)
SNIFF_BYTES = 4096  # how much of a file `format_for` needs to see

__all__ = [
    "FORMATS",
    "SNIFF_BYTES",
    "Format",
    "Heading",
    "Reading",
    "by_suffix",
    "format_for",
    "has_chrome",
    "kept",
    "read",
    "section_offsets",
    "section_path",
]


def by_suffix(name: str) -> Format | None:
    """The format a file name claims, or None for a type that is not read (.png, .zip)."""
    suffix = PurePath(name).suffix.lower()
    return next((f for f in FORMATS if suffix in f.suffixes), None)


def kept(kind: str) -> bool:
    """Whether what a format reads is kept in the index (every format but plain text)."""
    return next((f.kept for f in FORMATS if f.kind == kind), True)


def has_chrome(kind: str) -> bool:
    """Whether a format's text may still hold page chrome for chunking to drop."""
    return next((f.chrome for f in FORMATS if f.kind == kind), True)


def format_for(name: str, head: bytes) -> Format | None:
    """The format of a file: what its opening bytes are, else what its name says."""
    for candidate in FORMATS:
        if candidate.sniff is not None and candidate.sniff(head):
            return candidate
    return by_suffix(name)


def read(name: str, data: bytes) -> Reading:
    """A file's reading; ValueError with the reason when it is empty, binary or unreadable."""
    chosen = format_for(name, data[:SNIFF_BYTES])
    if chosen is None:
        raise ValueError(f"not a text or document file type ({PurePath(name).suffix})")
    if not data.strip():
        raise ValueError("empty file")
    reading = chosen.read(data)
    if not reading.text.strip():
        raise ValueError(f"no text in this {chosen.kind.upper()} file")
    return reading
