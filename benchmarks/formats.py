"""Reindex of a 4-5 MB mixed folder of the kind researchers keep: saved web pages (some under a
`.txt` name), Markdown, PDFs. Prints the folder's make-up, the chunks and the seconds.

    python benchmarks/formats.py [--mb 4.5] [--embedder local --embedder multilingual]

(part of `make bench`, with the default embedder: two to three minutes)

The folder is assembled from real documents on this machine: the eval sets' corpora
(eval/pdfweb, eval/webmd, eval/pkgdocs), then HTML and Markdown documentation that Debian
packages install under /usr/share/doc and the Rust toolchain's HTML books where present, until
the size is reached; every fourth web page is saved under a `.txt` name, as a browser's "save
as" mishap leaves it. `assistant reindex` runs from scratch in its own process (start-up
included, as a user sees it), then once more with nothing changed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCES = [
    REPO / "eval" / "pdfweb" / "corpus",
    REPO / "eval" / "webmd" / "corpus",
    REPO / "eval" / "pkgdocs" / "corpus",
    Path("/usr/share/doc"),
    Path.home() / ".rustup" / "toolchains",
]
KINDS = {".html": "html", ".htm": "html", ".md": "markdown", ".pdf": "pdf"}


def assemble(folder: Path, limit: int) -> Counter[str]:
    """Copy documents into `folder` until `limit` bytes; the count of each kind."""
    folder.mkdir()
    total = 0
    made: Counter[str] = Counter()
    pages = 0
    for source in SOURCES:
        if not source.is_dir():
            continue
        for path in sorted(source.rglob("*")):
            kind = KINDS.get(path.suffix.lower())
            if kind is None and source.is_relative_to(REPO) and path.is_file():
                kind = "other (eval corpus)"  # the eval sets' .txt and suffix-less pages
            if kind is None or not path.is_file() or path.stat().st_size < 2000:
                continue
            size = path.stat().st_size
            if total + size > limit or size > limit // 10:
                continue
            name = f"{sum(made.values()):04d}-{path.name}"
            if kind == "html":
                pages += 1
                if pages % 4 == 0:
                    name = name.rsplit(".", 1)[0] + ".txt"
                    kind = "html saved as .txt"
            shutil.copy(path, folder / name)
            made[kind] += 1
            total += size
            if total > limit * 0.98:
                return made
    return made


def reindex(corpus: Path, index: Path, embedder: str) -> tuple[str, float]:
    command = [sys.executable, "-m", "assistant.cli.command", "--corpus", str(corpus)]
    command += ["--index", str(index), "--embedder", embedder, "reindex"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=4.5)
    parser.add_argument(
        "--embedder", action="append", help="local (default), multilingual; may be repeated"
    )
    args = parser.parse_args()
    embedders = args.embedder or ["local"]
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "mixed"
        made = assemble(corpus, int(args.mb * 1024 * 1024))
        size = sum(p.stat().st_size for p in corpus.iterdir()) / (1024 * 1024)
        print(f"folder: {size:.1f} MB, " + ", ".join(f"{n} {k}" for k, n in sorted(made.items())))
        for embedder in embedders:
            index = Path(work) / f"index-{embedder}"
            first, seconds = reindex(corpus, index, embedder)
            again, unchanged = reindex(corpus, index, embedder)
            print(f"embedder {embedder}:")
            print(f"  reindex from scratch: {seconds:.1f} s — `{first}`")
            print(f"  reindex, nothing changed: {unchanged:.1f} s — `{again}`")


if __name__ == "__main__":
    main()
