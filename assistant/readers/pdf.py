"""Reading a PDF's text layer with PDFium (pypdfium2: Apache-2.0 / BSD-3-Clause), page by page.

The only module that imports pypdfium2. Reading order: PDFium gives characters in the order
the page draws them, which is the reading order for most documents; a page set in two columns
(a gutter in the middle that no line crosses) is read as the full-width lines above the
columns, the left column, the right column, then what is below them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.readers.base import Format, Reading
from assistant.readers.pages import join_pages, numbered_headings, page_lines, page_texts

_PDFIUM = threading.Lock()  # PDFium is not thread-safe: `batch --workers` may read two at once
GUTTER_RANGE = (0.3, 0.7)  # where on the page (share of its width) a column gutter may be
COLUMN_SHARE = 0.25  # each column holds at least this share of the page's text boxes
SPANNING_SHARE = 0.15  # at most this share of the boxes may span the gutter (titles, feet)


@dataclass(frozen=True)
class PdfText:
    text: str
    page_starts: tuple[int, ...]
    title: str
    empty_pages: tuple[int, ...]  # 1-based pages without a text layer


class PdfError(ValueError):
    """The PDF cannot be read: damaged, encrypted, or no text on any page."""


def read_pdf(path: Path | bytes) -> PdfText:
    """A PDF's text (from its path or bytes), page by page, cleaned (readers.pages);
    PdfError (a ValueError) with the reason if it is damaged, encrypted or has no text layer
    on any page."""
    with _PDFIUM:
        raw, title = _read_pages(path)
    texts = page_texts(raw)
    empty = tuple(n for n, text in enumerate(texts, 1) if not text.strip())
    if len(empty) == len(texts):
        raise PdfError("no text layer on any page (a scan? run OCR on it first)")
    text, starts = join_pages(texts)
    if not title:  # the first line printed (a running head repeating it is dropped)
        title = next((lines[0] for lines in map(page_lines, raw) if lines), "")[:200]
    return PdfText(text, starts, " ".join(title.split()), empty)


def _read_pages(path: Path | bytes) -> tuple[list[str], str]:
    """Each page's text layer in reading order, and the metadata title."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(path if isinstance(path, bytes) else str(path))
    except pdfium.PdfiumError as exc:
        raise PdfError(_why(str(exc))) from exc
    try:
        raw = [_page_text(document, index) for index in range(len(document))]
        return raw, str(document.get_metadata_value("Title") or "").strip()
    finally:
        document.close()


def _why(message: str) -> str:
    lowered = message.lower()
    if "password" in lowered or "security" in lowered:
        return "encrypted PDF (a password is needed to read it)"
    return f"damaged or not a PDF ({message})"


def _page_text(document: Any, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return _in_reading_order(page, textpage)
        finally:
            textpage.close()
    except Exception:  # one unreadable page: it counts as a page without text
        return ""
    finally:
        page.close()


def _in_reading_order(page: Any, textpage: Any) -> str:
    boxes = [textpage.get_rect(i) for i in range(textpage.count_rects())]
    width, height = page.get_size()
    gutter = find_gutter(boxes, width)
    if gutter is None:
        return str(textpage.get_text_range())
    columns = [b for b in boxes if b[2] <= gutter or b[0] >= gutter]
    top = max(b[3] for b in columns)
    bottom = min(b[1] for b in columns)
    regions = [
        (0, top, width, height),
        (0, bottom, gutter, top),
        (gutter, bottom, width, top),
        (0, 0, width, bottom),
    ]
    parts = [textpage.get_text_bounded(*region) for region in regions if region[3] > region[1]]
    return "\n".join(part for part in parts if part.strip())


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF units


def find_gutter(boxes: list[Box], width: float) -> float | None:
    """The x of a column gutter: a vertical line near the middle of the page that few text
    boxes cross, with enough boxes on each side of it; None for a one-column page."""
    if len(boxes) < 8:
        return None
    best: tuple[int, float] | None = None
    low, high = (int(width * share) for share in GUTTER_RANGE)
    for x in range(low, high, 4):
        crossing = sum(1 for b in boxes if b[0] < x < b[2])
        if best is None or crossing < best[0]:
            best = (crossing, float(x))
    if best is None or best[0] > len(boxes) * SPANNING_SHARE:
        return None
    gutter = best[1]
    left = sum(1 for b in boxes if b[2] <= gutter)
    right = sum(1 for b in boxes if b[0] >= gutter)
    if min(left, right) < len(boxes) * COLUMN_SHARE:
        return None
    return gutter


def read(data: bytes) -> Reading:
    pdf = read_pdf(data)
    warnings: tuple[str, ...] = ()
    if pdf.empty_pages:
        pages = ", ".join(str(n) for n in pdf.empty_pages)
        warnings = (f"no text layer on page(s) {pages} (scanned? run OCR on them)",)
    sections = numbered_headings(pdf.text)
    return Reading(pdf.text, "pdf", pdf.title, pdf.page_starts, sections, warnings)


def sniff(head: bytes) -> bool:
    """PDF's signature, which the format allows anywhere in the first 1,024 bytes."""
    return b"%PDF-" in head[:1024]


FORMAT = Format("pdf", frozenset({".pdf"}), read, sniff, size_factor=20)
