"""The storage path of one index generation at scale (issue #12): write, size, copy, query.

    python benchmarks/scale.py                      # 5,000 and 100,000 chunks
    python benchmarks/scale.py --chunks 5000 --chunks 20000

For each size, in a fresh child process (so that its peak RSS is its own): N synthetic
chunks (700 characters of words drawn from a 30,000-word vocabulary, 20 chunks a file) and N
random unit 384-d float32 vectors — *not* embeddings: embedding throughput is measured
separately in chunks/s (`benchmarks/run.py`, `benchmarks/ollama_embedder.py`) and does not
depend on what is stored. Measured: writing the chunk table (SQLite + FTS5) and the embedded
Chroma store (adds of 1,000, as a reindex does), the generation's size on disk, copying it
as the next reindex does (`ChunkStore.create(copy_of=…)` and `copy_store`), opening the copy
and 50 nearest-neighbour queries on it, and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DIMENSIONS = 384
CHUNK_CHARS = 700
CHUNKS_PER_FILE = 20
BATCH = 1000


def _chunks(n: int, rng: random.Random) -> list[Any]:
    from assistant.types import Chunk

    vocabulary = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 10)))
                  for _ in range(30_000)]  # fmt: skip
    chunks = []
    for i in range(n):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < CHUNK_CHARS:
            words.append(rng.choice(vocabulary))
        file = f"f{i // CHUNKS_PER_FILE:06d}.txt"
        ordinal = i % CHUNKS_PER_FILE
        start = ordinal * CHUNK_CHARS
        text = " ".join(words)[:CHUNK_CHARS]
        chunks.append(Chunk(f"{file}#{ordinal}", file, "0" * 64, start, start + len(text), text,
                            ordinal))  # fmt: skip
    return chunks


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(n: int, work: Path) -> dict[str, Any]:
    """One size, in this process."""
    import numpy as np

    from assistant.index.chunkstore import ChunkStore
    from assistant.index.store import ChunkVectors, copy_store

    rng = random.Random(n)
    chunks = _chunks(n, rng)
    vectors = np.random.default_rng(n).standard_normal((n, DIMENSIONS)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    started = time.perf_counter()
    table = ChunkStore.create(work / "chunks-g00000001.sqlite3")
    for begin in range(0, n, BATCH):
        table.add(chunks[begin : begin + BATCH])
    table.finish()
    table_s = time.perf_counter() - started

    started = time.perf_counter()
    store = ChunkVectors(work, None, "g00000001", create=True)
    for begin in range(0, n, BATCH):
        store.add(chunks[begin : begin + BATCH], vectors[begin : begin + BATCH])
    del store
    store_s = time.perf_counter() - started

    table_bytes = _size(work / "chunks-g00000001.sqlite3")
    store_bytes = _size(work / "stores" / "g00000001")

    started = time.perf_counter()
    source = ChunkStore.open(work / "chunks-g00000001.sqlite3")
    ChunkStore.create(work / "chunks-g00000002.sqlite3", copy_of=source).finish()
    source.close()
    copy_table_s = time.perf_counter() - started
    started = time.perf_counter()
    copy_store(work, "g00000001", "g00000002")
    copy_store_s = time.perf_counter() - started

    started = time.perf_counter()
    copy = ChunkVectors(work, None, "g00000002")
    open_s = time.perf_counter() - started
    assert copy.count() == n, f"the copy holds {copy.count()} of {n} vectors"
    query_ms = []
    for row in rng.sample(range(n), 50):
        t0 = time.perf_counter()
        copy.query(vectors[row], 24)
        query_ms.append((time.perf_counter() - t0) * 1000)
    return {
        "chunks": n,
        "write_table_s": table_s,
        "write_store_s": store_s,
        "write_chunks_per_s": n / (table_s + store_s),
        "table_mb": table_bytes / 1e6,
        "store_mb": store_bytes / 1e6,
        "copy_table_s": copy_table_s,
        "copy_store_s": copy_store_s,
        "open_copy_s": open_s,
        "query_p50_ms": statistics.median(query_ms),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, action="append", help="sizes (default 5k, 100k)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        with tempfile.TemporaryDirectory(prefix="scale-") as work:
            print(json.dumps(measure(args.child, Path(work))))
        return 0
    for n in args.chunks or [5_000, 100_000]:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], capture_output=True, text=True
        )
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        print(done.stdout.strip().splitlines()[-1], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
