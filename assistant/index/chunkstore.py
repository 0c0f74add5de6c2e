"""The chunk table of one index generation: chunk texts with their files and offsets, and a
BM25 full-text index over their terms, in one SQLite file (`chunks-GENERATION.sqlite3`).

Opening it costs milliseconds whatever the corpus size — nothing is read until a question
needs it — and a new generation starts as a copy of the current one (SQLite's backup API, a
consistent snapshot even while others read it) changed only where files changed. The lexical
index holds `textnorm.terms` of each chunk (already lower-cased and stemmed, so FTS5's plain
`unicode61` tokenizer keeps them as they are), so BM25 and the extractive answerer's term
weights see the same terms as everything else.
"""

from __future__ import annotations

import difflib
import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import REINDEX_HINT, IndexMissingError
from assistant.index.chunking import document_title
from assistant.text.textnorm import TERMS_VERSION, terms, words
from assistant.types import Chunk

_SCHEMA = """
CREATE TABLE chunks(
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    sha TEXT NOT NULL,
    start INTEGER NOT NULL,
    stop INTEGER NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX chunks_by_file ON chunks(file, ordinal);
CREATE VIRTUAL TABLE lexical USING fts5(terms, tokenize = 'unicode61');
CREATE VIRTUAL TABLE lexical_vocab USING fts5vocab(lexical, row);
"""
_COLUMNS = "id, file, sha, start, stop, text, ordinal"
_BATCH = 500  # ids per `IN (…)` query
_CHUNKS_PER_FILE = 4  # best chunks read per file asked for by `files_matching`
_SLIP_LENGTH = 5
_SLIP_RATIO = 0.8  # "shopia"/"sophia" 0.83; "cook"/"cool" is too short to ask
UNKEPT_SHARE = 0.01  # the share taken for a word the lexical index does not keep (CJK)


class ChunkStore:
    """One generation's chunks and their lexical index."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection
        self._idf: dict[str, float] = {}
        self._df: dict[str, int] = {}
        self._slipped: dict[str, int] = {}
        self._count: int | None = None
        self._lock = threading.Lock()  # one statement at a time (batch answers in threads)

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> ChunkStore:
        """Open an existing chunk table read-only; IndexMissingError if missing or damaged."""
        if not path.is_file():
            raise IndexMissingError(f"the chunk table {path} is missing", REINDEX_HINT)
        try:
            connection = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            store = cls(path, connection)
            store.count()
        except sqlite3.Error as exc:
            raise _damaged(path, exc) from exc
        return store

    @classmethod
    def create(cls, path: Path, copy_of: ChunkStore | None = None) -> ChunkStore:
        """A new, writable chunk table: empty, or a snapshot of `copy_of`. Nothing names it
        until `finish()` has put it on disk, so it is written without a journal."""
        path.unlink(missing_ok=True)
        connection = sqlite3.connect(path, check_same_thread=False)
        if copy_of is not None:
            with copy_of._lock:
                copy_of._db.backup(connection)
        else:
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version = {TERMS_VERSION}")
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        return cls(path, connection)

    def finish(self) -> None:
        """Commit, compact if much was deleted, close, and flush the file to disk."""
        self._db.commit()
        free, total = (
            self._db.execute(f"PRAGMA {pragma}").fetchone()[0]
            for pragma in ("freelist_count", "page_count")
        )
        if total and free / total > 0.25:
            self._db.execute("VACUUM")
        self._db.close()
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def close(self) -> None:
        self._db.close()

    # --- writing ---------------------------------------------------------------------------

    def add(self, chunks: Iterable[Chunk], titles: Mapping[str, str] | None = None) -> None:
        """Store chunks (every chunk of a file in one call); each chunk's BM25 terms include
        its document's title (`document_title`: the file name, and the title the document
        gives itself — `titles[file]`, a PDF's or web page's title — or else its first line),
        so a question naming the document finds it."""
        chunks = list(chunks)
        first_lines = {c.file: c.text.lstrip().split("\n", 1)[0] for c in chunks if c.ordinal == 0}
        given = titles or {}
        title_terms = {
            name: terms(document_title(name, given.get(name) or first_lines.get(name, "")))
            for name in {c.file for c in chunks}
        }
        with self._lock, self._db:
            for chunk in chunks:
                cursor = self._db.execute(
                    f"INSERT INTO chunks({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        chunk.chunk_id,
                        chunk.file,
                        chunk.file_sha256,
                        chunk.start,
                        chunk.end,
                        chunk.text,
                        chunk.ordinal,
                    ),
                )
                self._db.execute(
                    "INSERT INTO lexical(rowid, terms) VALUES (?, ?)",
                    (cursor.lastrowid, " ".join([*terms(chunk.text), *title_terms[chunk.file]])),
                )
        self._count = None

    def remove_files(self, names: Iterable[str]) -> None:
        """Delete every chunk of these files."""
        with self._lock, self._db:
            for name in names:
                found = self._db.execute("SELECT row FROM chunks WHERE file = ?", (name,))
                rows = [row for (row,) in found]
                self._db.executemany("DELETE FROM lexical WHERE rowid = ?", [(r,) for r in rows])
                self._db.execute("DELETE FROM chunks WHERE file = ?", (name,))
        self._count = None

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        if self._count is None:
            self._count = int(self._read("SELECT count(*) FROM chunks")[0][0])
        return self._count

    def ids(self) -> set[str]:
        return {chunk_id for (chunk_id,) in self._read("SELECT id FROM chunks")}

    def holds(self, ids: Sequence[str]) -> bool:
        """Whether every chunk id in `ids` is in the table."""
        wanted = sorted(set(ids))
        found = 0
        for begin in range(0, len(wanted), _BATCH):
            batch = wanted[begin : begin + _BATCH]
            marks = ",".join("?" * len(batch))
            query = f"SELECT count(*) FROM chunks WHERE id IN ({marks})"
            found += int(self._read(query, batch)[0][0])
        return found == len(wanted)

    def terms_current(self) -> bool:
        """Whether the keyword index holds terms of today's form (`textnorm.TERMS_VERSION`,
        kept as the file's user_version; 0 in tables from before it was recorded)."""
        return int(self._read("PRAGMA user_version")[0][0]) == TERMS_VERSION

    def files(self) -> dict[str, int]:
        """Chunks per file."""
        return dict(self._read("SELECT file, count(*) FROM chunks GROUP BY file"))

    def probe_ids(self) -> list[str]:
        """A few chunk ids spread over the table, for `ChunkVectors.self_check`."""
        count = self.count()
        if not count:
            return []
        low, high = self._read("SELECT min(row), max(row) FROM chunks")[0]
        query = "SELECT id FROM chunks WHERE row >= ? ORDER BY row LIMIT 1"
        return sorted({self._read(query, (row,))[0][0] for row in (low, (low + high) // 2, high)})

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        """The chunks with these ids (those present), in the order asked."""
        found: dict[str, Chunk] = {}
        for begin in range(0, len(ids), _BATCH):
            part = list(ids[begin : begin + _BATCH])
            marks = ", ".join("?" * len(part))
            for row in self._read(f"SELECT {_COLUMNS} FROM chunks WHERE id IN ({marks})", part):
                found[row[0]] = Chunk(*row)
        return [found[i] for i in ids if i in found]

    def all_chunks(self) -> list[Chunk]:
        """Every chunk, by file and position (for tests and tools, not the query path)."""
        rows = self._read(f"SELECT {_COLUMNS} FROM chunks ORDER BY file, ordinal")
        return [Chunk(*row) for row in rows]

    def search(self, question: str, k: int) -> list[tuple[str, float]]:
        """BM25 over the chunks' terms: the k best (chunk id, score), best first."""
        wanted = sorted(set(terms(question)))
        if not wanted or k <= 0:
            return []
        query = " OR ".join(f'"{term}"' for term in wanted)
        rows = self._read(
            "SELECT chunks.id, -bm25(lexical) AS score FROM lexical "
            "JOIN chunks ON chunks.row = lexical.rowid "
            "WHERE lexical MATCH ? ORDER BY bm25(lexical), chunks.id LIMIT ?",
            (query, k),
        )
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    def files_matching(self, wanted: Sequence[str], limit: int) -> list[str]:
        """The files of the chunks BM25 ranks best for any of these terms (`textnorm.terms`
        forms), best first, at most `limit`: where a quote with these words may stand."""
        wanted = sorted(set(wanted))
        if not wanted or limit <= 0:
            return []
        query = " OR ".join(f'"{term}"' for term in wanted)
        rows = self._read(
            "SELECT chunks.file FROM lexical JOIN chunks ON chunks.row = lexical.rowid "
            "WHERE lexical MATCH ? ORDER BY bm25(lexical), chunks.id LIMIT ?",
            (query, limit * _CHUNKS_PER_FILE),
        )
        return list(dict.fromkeys(file for (file,) in rows))[:limit]

    def idf(self, term: str) -> float:
        """How rare `term` is among the chunks (BM25's idf, always positive)."""
        cached = self._idf.get(term)
        if cached is None:
            df = self.frequency(term)
            n = self.count()
            cached = self._idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return cached

    def share(self, word: str) -> float:
        """The share of chunks that hold `word` (a word of any script, as `answer.terms`
        reads it) in the form this index keeps. A stop word is in every chunk; a word of a
        script the index does not keep (CJK) counts as rare."""
        kept = terms(word)
        if not kept:
            return 1.0 if words(word) else UNKEPT_SHARE
        total = self.count()
        found = self.frequency(kept[0]) or self._slipped_frequency(kept[0])
        return found / total if total else 0.0

    def _slipped_frequency(self, term: str) -> int:
        """The chunks holding a word spelt one slip away from `term` ("shopia": sophia), for
        a term of five letters or more that no chunk holds as it is."""
        if len(term) < _SLIP_LENGTH:
            return 0
        cached = self._slipped.get(term)
        if cached is not None:
            return cached
        rows = self._read(
            "SELECT term, doc FROM lexical_vocab WHERE term >= ? AND term < ?",
            (term[0], chr(ord(term[0]) + 1)),
        )
        near = [
            doc
            for other, doc in rows
            if abs(len(other) - len(term)) <= 1
            and difflib.SequenceMatcher(a=term, b=other, autojunk=False).ratio() >= _SLIP_RATIO
        ]
        cached = self._slipped[term] = max(near, default=0)
        return cached

    def frequency(self, term: str) -> int:
        """How many chunks hold `term` (a `textnorm.terms` form)."""
        cached = self._df.get(term)
        if cached is None:
            rows = self._read("SELECT doc FROM lexical_vocab WHERE term = ?", (term,))
            cached = self._df[term] = int(rows[0][0]) if rows else 0
        return cached

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            with self._lock:
                return self._db.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _damaged(self.path, exc) from exc


def _damaged(path: Path, exc: sqlite3.Error) -> IndexMissingError:
    return IndexMissingError(f"the chunk table {path} is damaged ({exc})", REINDEX_HINT)


def read_chunk_table(path: Path) -> list[Chunk]:
    """Every chunk of a chunk table file (for tests and tools)."""
    table = ChunkStore.open(path)
    try:
        return table.all_chunks()
    finally:
        table.close()
