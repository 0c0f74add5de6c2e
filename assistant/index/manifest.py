"""The index manifest: what the index holds and how it was built (schema, embedder, chunking,
per-file hashes), written atomically so a reader always sees one consistent generation."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.embed.minilm import DIMENSIONS, EMBEDDER_NAME, MODEL_SHA256
from assistant.errors import REINDEX_HINT, IndexMissingError
from assistant.index.atomicfile import atomic_write

# 2: vectors live in a per-generation store named by `store`;
# 3: the chunk table is a per-generation SQLite file with a BM25 index (assistant.index.chunkstore)
# 4: a chunk's BM25 terms include its document's title; hard-wrapped lines are joined, and
#    the lines of a chunk are separated by a blank line
# 5: files are read by format, chosen by content (assistant.readers): a web page saved as .txt
#    is read as HTML, Markdown as rendered; each file entry names the format it was read as
SCHEMA_VERSION = 5
MANIFEST = "manifest.json"
_CHUNK_TABLE = re.compile(r"^chunks-g[0-9a-f]{8,32}\.sqlite3$")
_STORE = re.compile(r"^g[0-9a-f]{8,32}$")
DAMAGED = "damaged"  # names a generation found damaged while answering


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int
    mtime_ns: int
    chunks: int
    kind: str = "text"  # the format it was read as (assistant.readers)


@dataclass(frozen=True)
class Skipped:
    """A file that was read and found unusable; not read again while its stat is the same."""

    size: int
    mtime_ns: int
    reason: str


@dataclass(frozen=True)
class Manifest:
    chunking: dict[str, int]
    files: dict[str, FileEntry]
    chunk_table: str
    built_at: str
    corpus: str
    store: str = ""
    skipped: dict[str, Skipped] = field(default_factory=dict)
    embedder: dict[str, Any] = field(
        default_factory=lambda: {
            "name": EMBEDDER_NAME,
            "model_sha256": MODEL_SHA256,
            "dimensions": DIMENSIONS,
        }
    )
    schema_version: int = SCHEMA_VERSION

    @property
    def version(self) -> str:
        """A content hash of what the index holds: equal indexes have equal versions."""
        identity = json.dumps(
            [
                self.schema_version,
                self.embedder,
                self.chunking,
                sorted((n, f.sha256) for n, f in self.files.items()),
            ],
            sort_keys=True,
        )
        return hashlib.sha256(identity.encode()).hexdigest()[:12]

    def chunk_count(self) -> int:
        return sum(entry.chunks for entry in self.files.values())

    def file_hashes(self) -> dict[str, str]:
        return {name: entry.sha256 for name, entry in sorted(self.files.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "version": self.version,
            "embedder": self.embedder,
            "chunking": self.chunking,
            "chunk_table": self.chunk_table,
            "store": self.store,
            "built_at": self.built_at,
            "corpus": self.corpus,
            "files": {n: vars(f) for n, f in sorted(self.files.items())},
            "skipped": {n: vars(f) for n, f in sorted(self.skipped.items())},
        }


def read_manifest(index_dir: Path) -> Manifest | None:
    """The manifest, None if there is none, IndexMissingError if it is unusable."""
    path = index_dir / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("schema_version") != SCHEMA_VERSION:
            raise IndexMissingError(
                f"the index in {index_dir} has schema {data.get('schema_version')}, "
                f"this assistant reads schema {SCHEMA_VERSION}",
                REINDEX_HINT,
            )
        if not _CHUNK_TABLE.match(data["chunk_table"]) or not _STORE.match(data["store"]):
            raise ValueError("chunk table or store name is not one this assistant writes")
        return Manifest(
            chunking=data["chunking"],
            files={n: FileEntry(**f) for n, f in data["files"].items()},
            chunk_table=data["chunk_table"],
            built_at=data["built_at"],
            corpus=data["corpus"],
            store=data["store"],
            skipped={n: Skipped(**f) for n, f in data.get("skipped", {}).items()},
            embedder=data["embedder"],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IndexMissingError(f"the index manifest {path} is damaged", REINDEX_HINT) from exc


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    atomic_write(index_dir / MANIFEST, json.dumps(manifest.to_json(), indent=1).encode())


def chunk_table_name(generation: str) -> str:
    return f"chunks-{generation}.sqlite3"


def mark_damaged(index_dir: Path, generation: str) -> None:
    """Remember that this generation failed a check, so the next reindex rebuilds it even
    when no corpus file changed."""
    # In a read-only index folder this fails; reindex then finds the damage by itself.
    with contextlib.suppress(OSError):
        atomic_write(index_dir / DAMAGED, generation.encode())


def marked_damaged(index_dir: Path) -> str:
    try:
        return (index_dir / DAMAGED).read_text("utf-8").strip()
    except OSError:
        return ""
