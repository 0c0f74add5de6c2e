"""Reading the corpus: which files count, and their text exactly as the citations refer to it.

A text file's text is its bytes decoded (UTF-8, a UTF-8/UTF-16 byte-order mark honoured,
otherwise Windows-1252/Latin-1 with a warning); a PDF's, web page's or Word document's is the
text extracted from it (`assistant.documents`), kept in the index folder. Offsets in citations
are character offsets into that text.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from assistant import documents
from assistant.errors import CorpusError

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".rst", ".text"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
SNIFF_BYTES = 8192
MAX_FILE_MB = 10.0  # ≈15,000 chunks, about ten minutes of embedding on a laptop CPU
# A PDF's or Word file's bytes are mostly fonts and pictures: such files may be this many times
# max_file_mb; the text extracted from them is held to max_file_mb (see text_too_large).
DOCUMENT_SIZE_FACTOR = 20


@dataclass(frozen=True)
class Document:
    """One corpus file as read: name relative to the corpus root, text, sha256 of the bytes."""

    name: str
    text: str
    sha256: str
    encoding: str
    page_starts: tuple[int, ...] = ()  # where each page starts in `text` (paged documents)
    title: str = ""
    warnings: tuple[str, ...] = ()  # what could not be read (pages without a text layer)
    sections: tuple[tuple[int, str], ...] = ()  # (where a heading starts, the heading)


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
    suffix = path.suffix.lower()
    if suffix and suffix not in TEXT_SUFFIXES and suffix not in documents.DOCUMENT_SUFFIXES:
        return f"not a text or document file type ({suffix})"
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken or looping symlink"
    if not real.is_relative_to(root):
        return "symlink points outside the corpus"
    try:
        if not real.is_file():
            return "not a regular file"
        limit = max_bytes * (DOCUMENT_SIZE_FACTOR if documents.is_document(path.name) else 1)
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


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name of a file's bytes; raises ValueError for binary data."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:SNIFF_BYTES]:
        raise ValueError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace") if _is_cp1252(data) else data.decode("latin-1")
    if _mostly_control(text):
        raise ValueError("binary file (mostly control characters)")
    return text, "cp1252" if _is_cp1252(data) else "latin-1"


def _is_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _mostly_control(text: str) -> bool:
    sample = text[:SNIFF_BYTES]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return bool(sample) and bad / len(sample) > 0.1


def read_document(
    root: Path, name: str, index_dir: Path | None = None, keep_extracted: bool = False
) -> Document:
    """Read one corpus file by its name relative to root; never reads outside root. A PDF,
    web page or Word document is parsed only if `index_dir` keeps no text extracted from
    these bytes; with `keep_extracted` (reindex) what is parsed is kept there."""
    path = safe_path(root, name)
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    if not documents.is_document(name):
        text, encoding = decode(data)
        if path.suffix.lower() not in MARKDOWN_SUFFIXES:
            return Document(name, text, sha256, encoding)
        sections = markdown_sections(text)
        title = sections[0][1] if sections else ""
        return Document(name, text, sha256, encoding, title=title, sections=sections)
    extracted = documents.cached(index_dir, sha256)
    if extracted is None:
        extracted = documents.extract(path)
        if keep_extracted and index_dir is not None:
            documents.keep(index_dir, sha256, extracted)
    return Document(
        name,
        extracted.text,
        sha256,
        extracted.kind,
        extracted.page_starts,
        extracted.title,
        extracted.warnings,
        extracted.sections,
    )


def markdown_sections(text: str) -> tuple[tuple[int, str], ...]:
    """A Markdown file's headings (`# Title`, `## Part`) and where their lines start."""
    return tuple((m.start(), m.group(1).strip()) for m in _ATX_HEADING.finditer(text))


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
