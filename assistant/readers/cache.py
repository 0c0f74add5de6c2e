"""The index's copy of what was read from files that are not plain text.

A PDF, web page, Word document or Markdown file is read once, by `assistant reindex`; what it
yields — the text, where each page starts, the title, sections, warnings — is kept in the
index folder as `extracted/<sha256 of the file>.x<extractor version>.json`. Chunks, citation
offsets and quote checks all refer to that text, so `ask`, the source viewer and the eval read
the copy and never parse the file again; a file whose bytes changed has another hash, and is
read afresh (as a changed plain-text file is).
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant import readers
from assistant.index.atomicfile import atomic_write
from assistant.readers.base import Reading

EXTRACTED_DIR = "extracted"
# bump when a reader's output changes: cached texts of another version are read again
# 2: formats chosen by content (readers/); HTML by trafilatura; Markdown rendered
# 3: a web page's loose text between blocks is read as the paragraphs a browser shows
# 4: a web page's <pre> blocks keep their lines
# 5: blocks (paragraphs, headings, list items, table rows) stand apart, a blank line between,
#    so no sentence runs from one into the next
# 6: so do a PDF's paragraphs
# 7: sections carry their heading's level, so a citation names the headings above it too
# 8: MyST Markdown read as Sphinx renders it (roles, targets, comments, directive bodies)
# 9: a web page's permalink anchors (Sphinx's "¶" after each heading) are not read
EXTRACTOR_VERSION = 9


def cache_path(index_dir: Path, sha256: str) -> Path:
    return index_dir / EXTRACTED_DIR / f"{sha256}.x{EXTRACTOR_VERSION}.json"


def is_kept(index_dir: Path, kind: str, sha256: str) -> bool:
    """Whether a file read as `kind` needs no new reading: plain text (read from disk each
    time), or a reading this version of the readers drew from these bytes is kept."""
    return not readers.kept(kind) or cache_path(index_dir, sha256).is_file()


def to_json(reading: Reading) -> dict[str, object]:
    return {
        "extractor_version": EXTRACTOR_VERSION,
        "kind": reading.kind,
        "title": reading.title,
        "page_starts": list(reading.page_starts),
        "warnings": list(reading.warnings),
        "sections": [list(section) for section in reading.sections],
        "encoding": reading.encoding,
        "text": reading.text,
    }


def cached(index_dir: Path | None, sha256: str) -> Reading | None:
    """The reading kept for these bytes, if there is a usable one."""
    if index_dir is None:
        return None
    try:
        data = json.loads(cache_path(index_dir, sha256).read_text("utf-8"))
        if data.get("extractor_version") != EXTRACTOR_VERSION:
            return None
        return Reading(
            text=str(data["text"]),
            kind=str(data.get("kind", "")),
            title=str(data.get("title", "")),
            page_starts=tuple(int(n) for n in data["page_starts"]),
            sections=tuple(
                (int(at), str(name), int(level)) for at, name, level in data.get("sections", ())
            ),
            warnings=tuple(str(w) for w in data.get("warnings", ())),
            encoding=str(data.get("encoding", "")),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def keep(index_dir: Path, sha256: str, reading: Reading) -> None:
    path = cache_path(index_dir, sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(to_json(reading), ensure_ascii=False).encode("utf-8"))


def drop_unused(index_dir: Path, wanted: set[str]) -> None:
    """Delete kept readings of file hashes no generation in use lists."""
    folder = index_dir / EXTRACTED_DIR
    if not folder.is_dir():
        return
    for path in folder.glob("*.json"):
        if path.name.split(".")[0] not in wanted or path != cache_path(
            index_dir, path.name.split(".")[0]
        ):
            path.unlink(missing_ok=True)
