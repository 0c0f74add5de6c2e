"""PDF extraction speed (pages per second) and the reindex time of a mixed folder.

    python benchmarks/documents.py            # part of `make bench`; about half a minute

- a 300-page PDF built here (two columns on every other page, running heads, page numbers,
  ligatures, hyphenated line ends), read the way `assistant reindex` reads it;
- every PDF under /usr/share/doc (where there are some), the same way;
- `assistant reindex` of a mixed folder: the PDFs and web pages of eval/pdfweb, the bundled
  corpus (plain text), a Word document and a Markdown file, into a fresh index, in its own
  process (so the figure includes start-up, as a user sees it).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.readers.pdf import read_pdf  # noqa: E402
from tests.docbuilders import LEFT, PAGE1, RIGHT, minutes_docx  # noqa: E402
from tests.pdfwriter import column, write_pdf  # noqa: E402

PAGES = 300
REPEATS = 3


def long_pdf(path: Path) -> Path:
    pages = []
    for n in range(1, PAGES + 1):
        head = (72, 760, f"Chapter {1 + n // 30}: The Valley Survey {n}")
        if n % 2:
            body = column(72, 700, PAGE1 * 10)
        else:
            body = column(72, 700, LEFT * 8) + column(320, 700, RIGHT * 8)
        pages.append([head, *body, (300, 40, str(n))])
    return write_pdf(path, pages, title="A long report")


def pages_per_second(path: Path) -> tuple[int, float]:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        pdf = read_pdf(path)
        times.append(time.perf_counter() - started)
    pages = len(pdf.page_starts)
    return pages, pages / statistics.median(times)


def mixed_reindex(work: Path) -> tuple[str, float]:
    corpus = work / "mixed"
    shutil.copytree(REPO / "eval" / "pdfweb" / "corpus", corpus)
    for text in (REPO / "corpus").glob("*.txt"):
        shutil.copy(text, corpus)
    minutes_docx(corpus / "minutes.docx")
    (corpus / "notes.md").write_text("# Notes\n\nThe heron colony grew to forty nests.\n")
    command = [sys.executable, "-m", "assistant.cli.command", "--corpus", str(corpus)]
    command += ["--index", str(work / "index"), "reindex"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - started


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        built = long_pdf(work / "long.pdf")
        rows.append(("built: 300 pages, half in two columns", *pages_per_second(built)))
        for path in sorted(Path("/usr/share/doc").rglob("*.pdf")):
            rows.append((str(path), *pages_per_second(path)))
        summary, seconds = mixed_reindex(work)
    print("| PDF | pages | pages/s (median of 3) |\n| --- | --- | --- |")
    for name, pages, speed in rows:
        print(f"| {name} | {pages} | {speed:,.0f} |")
    print("\nmixed folder (eval/pdfweb + bundled corpus + .docx + .md), `assistant reindex`")
    print(f"from scratch, in its own process: {seconds:.1f} s — `{summary}`")


if __name__ == "__main__":
    main()
