"""Documents whose text must be extracted (PDF, web pages, Word), and the index's copy of it.

A PDF, an HTML page or a DOCX is parsed once, by `assistant reindex`; what it yields — the
text, where each page starts, the title, warnings — is kept in the index folder as
`extracted/<sha256 of the file>.x<extractor version>.json`. Chunks, citation offsets and quote
checks all refer to that text, so `ask`, the source viewer and the eval read the copy and never
parse the file again; a file whose bytes changed has another hash, and is parsed afresh (as a
changed text file is read afresh).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.atomicfile import atomic_write

EXTRACTED_DIR = "extracted"
EXTRACTOR_VERSION = 1  # bump when extraction changes: cached texts of another version are redone


@dataclass(frozen=True)
class Extracted:
    """A document's text as the index reads it. `page_starts[i]` is where page i+1 begins
    (empty for documents without pages); `warnings` name what could not be read."""

    text: str
    page_starts: tuple[int, ...] = ()
    title: str = ""
    warnings: tuple[str, ...] = ()
    kind: str = "pdf"
    sections: tuple[tuple[int, str], ...] = ()  # (where a heading's line starts, the heading)

    def to_json(self) -> dict[str, object]:
        return {
            "extractor_version": EXTRACTOR_VERSION,
            "kind": self.kind,
            "title": self.title,
            "page_starts": list(self.page_starts),
            "warnings": list(self.warnings),
            "sections": [list(section) for section in self.sections],
            "text": self.text,
        }


def _pdf(path: Path) -> Extracted:
    from assistant.pagetext import numbered_headings
    from assistant.pdftext import read_pdf

    pdf = read_pdf(path)
    warnings: tuple[str, ...] = ()
    if pdf.empty_pages:
        pages = ", ".join(str(n) for n in pdf.empty_pages)
        warnings = (f"no text layer on page(s) {pages} (scanned? run OCR on them)",)
    sections = numbered_headings(pdf.text)
    return Extracted(pdf.text, pdf.page_starts, pdf.title, warnings, "pdf", sections)


def _html(path: Path) -> Extracted:
    from assistant.htmltext import read_html

    page = read_html(path.read_bytes())
    sections = section_offsets(page.text, page.headings)
    return Extracted(page.text, (), page.title, (), "html", sections)


def _docx(path: Path) -> Extracted:
    from assistant.docxtext import read_docx

    document = read_docx(path)
    sections = section_offsets(document.text, document.headings)
    return Extracted(document.text, (), document.title, (), "docx", sections)


def section_offsets(text: str, headings: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """Where each heading's line stands in `text`, looked for in order as whole lines."""
    found: list[tuple[int, str]] = []
    at = 0
    for heading in headings:
        index = text.find(heading, at)
        while index >= 0 and not _whole_line(text, index, index + len(heading)):
            index = text.find(heading, index + 1)
        if index >= 0:
            found.append((index, heading))
            at = index + len(heading)
    return tuple(found)


def _whole_line(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")


def section_at(sections: tuple[tuple[int, str], ...], offset: int) -> str:
    """The heading of the section holding character `offset`, or ''."""
    name = ""
    for at, heading in sections:
        if at > offset:
            break
        name = heading
    return name


EXTRACTORS: dict[str, Callable[[Path], Extracted]] = {
    ".pdf": _pdf,
    ".html": _html,
    ".htm": _html,
    ".xhtml": _html,
    ".docx": _docx,
}
DOCUMENT_SUFFIXES = frozenset(EXTRACTORS)


def is_document(name: str) -> bool:
    return Path(name).suffix.lower() in DOCUMENT_SUFFIXES


def extract(path: Path) -> Extracted:
    """Parse a document; ValueError (with the reason) if it has no usable text."""
    extracted = EXTRACTORS[path.suffix.lower()](path)
    if not extracted.text.strip():
        raise ValueError(f"no text in this {extracted.kind.upper()} file")
    return extracted


def cache_path(index_dir: Path, sha256: str) -> Path:
    return index_dir / EXTRACTED_DIR / f"{sha256}.x{EXTRACTOR_VERSION}.json"


def is_kept(index_dir: Path, name: str, sha256: str) -> bool:
    """Whether a file needs no new extraction: a text file, or a document whose text this
    version of the extractor drew from these bytes is kept."""
    return not is_document(name) or cache_path(index_dir, sha256).is_file()


def cached(index_dir: Path | None, sha256: str) -> Extracted | None:
    """The extraction kept for these bytes, if there is a usable one."""
    if index_dir is None:
        return None
    try:
        data = json.loads(cache_path(index_dir, sha256).read_text("utf-8"))
        if data.get("extractor_version") != EXTRACTOR_VERSION:
            return None
        return Extracted(
            text=str(data["text"]),
            page_starts=tuple(int(n) for n in data["page_starts"]),
            title=str(data.get("title", "")),
            warnings=tuple(str(w) for w in data.get("warnings", ())),
            kind=str(data.get("kind", "")),
            sections=tuple((int(at), str(name)) for at, name in data.get("sections", ())),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(index_dir: Path, sha256: str, extracted: Extracted) -> None:
    path = cache_path(index_dir, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(extracted.to_json(), ensure_ascii=False).encode("utf-8"))


def drop_unused(index_dir: Path, wanted: set[str]) -> None:
    """Delete kept extractions of file hashes no generation in use lists."""
    folder = index_dir / EXTRACTED_DIR
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        if path.name.split(".")[0] not in wanted or path != cache_path(
            index_dir, path.name.split(".")[0]
        ):
            path.unlink(missing_ok=True)
