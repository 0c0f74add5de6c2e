"""Reading the corpus: which files count, and their text exactly as the citations refer to it.

Each file is read by its format (`assistant.readers`, chosen by content, then by suffix): a
plain text's text is its bytes decoded; a web page's, Markdown file's, PDF's or Word
document's is the text a person reads in it, drawn out once by `reindex` and kept in the index
folder (`assistant.readers.cache`). Offsets in citations are character offsets into that text.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from assistant import readers
from assistant.errors import CorpusError
from assistant.readers import cache
from assistant.readers.base import Heading

MAX_FILE_MB = 10.0  # ≈15,000 chunks, about ten minutes of embedding on a laptop CPU


@dataclass(frozen=True)
class Document:
    """One corpus file as read: name relative to the corpus root, text, sha256 of the bytes."""

    name: str
    text: str
    sha256: str
    encoding: str  # how a plain text was decoded; for other formats, the format
    page_starts: tuple[int, ...] = ()  # where each page starts in `text` (paged documents)
    title: str = ""
    warnings: tuple[str, ...] = ()  # what could not be read (pages without a text layer)
    sections: tuple[Heading, ...] = ()  # (where a heading starts, the heading, its level)
    kind: str = "text"  # the format that read it (readers.FORMATS)


@dataclass(frozen=True)
class Candidate:
    """A file that may belong to the corpus, with the stat data used to skip unchanged files."""

    name: str
    path: Path
    size: int
    mtime_ns: int


def check_corpus_dir(root: Path) -> Path:
    """The corpus root resolved, or a CorpusError saying what is wrong with it."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist", "pass --corpus DIR")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder", "pass --corpus DIR")
    if not os.access(root, os.R_OK | os.X_OK):
        raise CorpusError(f"corpus folder {root} is not readable", "check its permissions")
    return root.resolve()


def list_candidates(
    root: Path, max_file_mb: float = MAX_FILE_MB
) -> tuple[list[Candidate], list[tuple[str, str]]]:
    """Every regular file under root that may be text, sorted by name, plus skipped files
    (with the reason) — binaries by type, links leaving the corpus, files over max_file_mb."""
    root = check_corpus_dir(root)
    found: list[Candidate] = []
    skipped: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=None):
        linked = sorted(d for d in dirnames if (Path(dirpath) / d).is_symlink())
        for folder in linked:
            name = (Path(dirpath) / folder).relative_to(root).as_posix()
            skipped.append((name, "symlinked folder (not followed)"))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in linked)
        for filename in sorted(filenames):
            if filename.startswith("."):
                continue
            path = Path(dirpath) / filename
            name = path.relative_to(root).as_posix()
            reason = _unusable(path, root, int(max_file_mb * 1024 * 1024))
            if not reason:
                try:
                    stat = path.stat()
                except OSError as exc:  # deleted or replaced while we looked at it
                    reason = f"vanished while listing ({exc.strerror or exc})"
            if reason:
                skipped.append((name, reason))
                continue
            found.append(Candidate(name, path, stat.st_size, stat.st_mtime_ns))
    found.sort(key=lambda c: c.name)
    return found, skipped


def _unusable(path: Path, root: Path, max_bytes: int) -> str:
    claimed = readers.by_suffix(path.name)
    if claimed is None:
        return f"not a text or document file type ({path.suffix.lower()})"
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken or looping symlink"
    if not real.is_relative_to(root):
        return "symlink points outside the corpus"
    try:
        if not real.is_file():
            return "not a regular file"
        # a PDF's or Word file's bytes are mostly fonts and pictures: it may be larger; the
        # text drawn from it is held to max_file_mb (see text_too_large)
        limit = max_bytes * claimed.size_factor
        if real.stat().st_size > limit:
            return f"larger than {limit / (1024 * 1024):g} MB (raise max_file_mb to index it)"
    except OSError as exc:
        return f"vanished while listing ({exc.strerror or exc})"
    return ""


def text_too_large(document: Document, max_file_mb: float) -> str:
    """Why a document's extracted text is too large to index, or ''."""
    if len(document.text) <= max_file_mb * 1024 * 1024:
        return ""
    return f"its text is larger than {max_file_mb:g} MB (raise max_file_mb to index it)"


def read_document(
    root: Path, name: str, index_dir: Path | None = None, keep_extracted: bool = False
) -> Document:
    """Read one corpus file by its name relative to root; never reads outside root. A file
    that is not plain text is read by its format only if `index_dir` keeps no reading of these
    bytes; with `keep_extracted` (reindex) what is read is kept there. ValueError (the
    reason) for an empty, binary or unreadable file."""
    path = safe_path(root, name)
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    reading = cache.cached(index_dir, sha256)
    if reading is None:
        reading = readers.read(name, data)
        if keep_extracted and index_dir is not None and readers.kept(reading.kind):
            cache.keep(index_dir, sha256, reading)
    return Document(
        name,
        reading.text,
        sha256,
        reading.encoding or reading.kind,
        reading.page_starts,
        reading.title,
        reading.warnings,
        reading.sections,
        reading.kind,
    )


def safe_path(root: Path, name: str) -> Path:
    """The path of `name` under root, or CorpusError if it would leave the corpus."""
    root = root.resolve()
    if not name or Path(name).is_absolute() or "\x00" in name:
        raise CorpusError(f"refusing file name {name!r}", "names are relative to the corpus")
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise CorpusError(f"refusing {name!r}: it points outside the corpus {root}")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_document_or_none(root: Path, name: str, index_dir: Path | None = None) -> Document | None:
    """A corpus file as read (see read_document), or None if it is gone, unreadable or
    binary now."""
    try:
        return read_document(root, name, index_dir)
    except (OSError, ValueError, CorpusError):
        return None


def read_text_or_none(root: Path, name: str, index_dir: Path | None = None) -> str | None:
    """The text of a corpus file, or None if it is gone, unreadable or binary now."""
    document = read_document_or_none(root, name, index_dir)
    return document.text if document else None
