"""Speed and memory figures for `assistant` (issue #6), printed as a Markdown table.

    python benchmarks/run.py                 # quick run: a few minutes
    python benchmarks/run.py --full          # the documented full run (see RESULTS.md)
    python benchmarks/run.py --out benchmarks/RESULTS.md
    python benchmarks/run.py --readme docs/scale.md   # rewrite the bench:start/end block

Corpora (`--corpora`):

- `bundled`: the five files in corpus/.
- `usrdoc`: a sample of the text files under /usr/share/doc (`.txt .md .rst .markdown .text`
  and extension-less files without NUL bytes; `--usrdoc-gz` adds `.gz` files that decompress
  to such text), copied to a temp folder, capped at `--usrdoc-mb` MB; real MiniLM embeddings.
- `usrdoc-all`: all of them (about 1,700 files, 32 MB without `.gz`), indexed with the
  hashed stand-in embedder (benchmarks/child.py), since MiniLM needs ~25 ms per chunk.
- `synthetic`: 2,000 generated files holding `--synthetic-chunks` chunks in all (sentences of
  the bundled corpus with words swapped, plus one unique fact per file that the questions ask
  about); hashed stand-in embedder unless `--synthetic-embedder real`.

Every figure is the median of `--repeats` runs (`--build-repeats` for full builds of the
non-bundled corpora). Each build, reindex, query series and `assistant ask` runs in its own
process, whose peak RSS is read with os.wait4. All indexes live in a temp folder.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHILD = Path(__file__).resolve().parent / "child.py"
USR_DOC = Path("/usr/share/doc")
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text"}
SYNTHETIC_FILES = 2000
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

BUNDLED_QUESTIONS = [
    "Who founded DeepSeek?",
    "Which technique does Alexandra Mousavizadeh say lets AI rivals do more with less?",
    "What did the chip restrictions push DeepSeek to do?",
    "How much did it cost to train DeepSeek's model?",
    "What is the capital of Australia?",
]
USRDOC_QUESTIONS = [
    "Under which license is zstd distributed?",
    "Who wrote gzip?",
    "How do I report a bug in procps?",
    "What does the file command do?",
    "Which version of the GNU General Public License applies to coreutils?",
]


# --- processes ------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    rss_mb: float
    out: dict[str, Any]


def run_process(argv: list[str], cwd: Path) -> Run:
    """Run argv to completion; wall time, peak RSS (os.wait4) and its last JSON line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_HISTORY_DIR"] = str(cwd / "history")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed ({proc.returncode}):\n{stderr[-2000:]}")
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    parsed = json.loads(lines[-1]) if lines and "child.py" in argv[1] else {"stdout": stdout}
    return Run(wall, usage.ru_maxrss / 1024, parsed)


def child(task: str, args: dict[str, Any], cwd: Path) -> Run:
    return run_process([sys.executable, str(CHILD), task, json.dumps(args)], cwd)


def assistant_cli() -> list[str]:
    script = Path(sys.executable).parent / "assistant"
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli.command"]


# --- corpora --------------------------------------------------------------------------


@dataclass
class Corpus:
    name: str
    path: Path
    questions: list[str]
    embedder: str = "real"
    note: str = ""
    repeats: int = 3
    build_repeats: int = 3
    stock: bool = True


def copy_bundled(work: Path) -> Path:
    target = work / "bundled"
    shutil.copytree(REPO / "corpus", target)
    return target


def usrdoc_sources(with_gz: bool) -> list[tuple[Path, str]]:
    """(source path, name in the corpus) of the text files under /usr/share/doc."""
    found = []
    for path in sorted(USR_DOC.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(USR_DOC).as_posix()
        if path.suffix == ".gz":
            inner = Path(relative[:-3])
            if with_gz and (not inner.suffix or inner.suffix.lower() in TEXT_SUFFIXES):
                found.append((path, inner.as_posix() + (".txt" if not inner.suffix else "")))
            continue
        if not path.suffix or path.suffix.lower() in TEXT_SUFFIXES:
            found.append((path, relative))
    return found


def read_source(path: Path) -> bytes | None:
    try:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    return None if b"\x00" in data[:8192] else data


def copy_usrdoc(work: Path, name: str, budget_mb: float, with_gz: bool) -> tuple[Path, str]:
    """Copies of the text files, every k-th one (spread over packages) until the budget."""
    sources = usrdoc_sources(with_gz)
    target = work / name
    total = files = 0
    budget = budget_mb * 1024 * 1024
    if budget:
        # spread the sample over the alphabet; skip files bigger than a quarter of the budget
        step = max(1, int(len(sources) / max(1, budget / 20_000)))
        sources = sources[::step] + [s for i, s in enumerate(sources) if i % step]
    for source, relative in sources:
        data = read_source(source)
        if data is None or not data.strip():
            continue
        if budget and (total + len(data) > budget or len(data) > budget / 4):
            continue
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
        files += 1
    gz = ", .gz decompressed" if with_gz else ""
    return target, f"{files} files, {total / 1e6:.1f} MB from /usr/share/doc{gz}"


def synthetic_corpus(work: Path, chunks: int, seed: int = 7) -> tuple[Path, list[str], str]:
    """2,000 files with about `chunks` chunks in all, and questions about unique facts."""
    from assistant.index.chunking import ChunkingParams, chunk_text

    rng = random.Random(seed)
    pool = _sentence_pool()
    vocabulary = sorted({w for s in pool for w in re.findall(r"[A-Za-z]{4,}", s)})
    stride = _chars_per_chunk(pool, rng, ChunkingParams(), chunk_text)
    per_file = max(1, round(chunks / SYNTHETIC_FILES))
    target = work / "synthetic"
    target.mkdir()
    questions = []
    for n in range(SYNTHETIC_FILES):
        code, who = _fact_names(rng, n)
        fact = (
            f"The project codenamed {code} was founded in {1950 + n % 70} by {who}, "
            f"who still leads its research team."
        )
        text = _paragraphs(pool, vocabulary, rng, per_file * stride, fact)
        (target / f"doc_{n:05d}.txt").write_text(text, encoding="utf-8")
        if n % (SYNTHETIC_FILES // 5) == 0:
            questions.append(f"Who founded the project codenamed {code}?")
    return target, questions, f"{SYNTHETIC_FILES} generated files"


def _sentence_pool() -> list[str]:
    text = " ".join(p.read_text("utf-8", "replace") for p in sorted((REPO / "corpus").iterdir()))
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [s for s in sentences if 40 <= len(s) <= 300]


def _paragraphs(
    pool: list[str], vocabulary: list[str], rng: random.Random, chars: int, fact: str
) -> str:
    sentences: list[str] = []
    size = 0
    while size < chars:
        words = rng.choice(pool).split()
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        sentences.append(" ".join(words))
        size += len(sentences[-1]) + 1
    sentences.insert(rng.randrange(len(sentences) + 1), fact)
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)) + "\n"


def _chars_per_chunk(pool: list[str], rng: random.Random, params: Any, chunk_text: Any) -> int:
    sample = _paragraphs(pool, ["word"], random.Random(1), 200_000, "A fact.")
    return max(1, len(sample) // len(chunk_text("s", sample, "0" * 64, params)))


def _fact_names(rng: random.Random, n: int) -> tuple[str, str]:
    def word(length: int) -> str:
        letters = "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(length))
        return letters.capitalize()

    return f"{word(3)}-{n:04d}", f"{word(2)} {word(3)}"


# --- measurements ---------------------------------------------------------------------


@dataclass
class Figures:
    corpus: Corpus
    values: dict[str, Any] = field(default_factory=dict)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_corpus(
    corpus: Corpus, work: Path, with_stock: bool, log: Any, chroma_url: str = ""
) -> Figures:
    figures = Figures(corpus)
    v = figures.values
    base = {"corpus": str(corpus.path), "embedder": corpus.embedder, "chroma_url": chroma_url}
    builds = []
    for i in range(corpus.build_repeats):
        index = work / f"{corpus.name}-index-{i}"
        builds.append(child("reindex", {**base, "index": str(index)}, work))
        log(f"{corpus.name}: full reindex {i + 1}: {builds[-1].out['seconds']:.1f} s")
    index = work / f"{corpus.name}-index-{corpus.build_repeats - 1}"
    for old in range(corpus.build_repeats - 1):
        shutil.rmtree(work / f"{corpus.name}-index-{old}", ignore_errors=True)
    args = {**base, "index": str(index)}
    v["files"] = builds[0].out["files"]
    v["chunks"] = builds[0].out["chunks"]
    v["reindex_s"] = median([b.out["seconds"] for b in builds])
    v["reindex_rss"] = max(b.rss_mb for b in builds)
    v["reindex_runs"] = len(builds)
    embeds = [child("embed", args, work) for _ in range(corpus.build_repeats)]
    v["embed_s"] = median([e.out["seconds"] for e in embeds])
    log(f"{corpus.name}: raw embedding {v['embed_s']:.1f} s")
    noops = [child("reindex", args, work) for _ in range(corpus.repeats)]
    v["noop_s"] = median([n.out["seconds"] for n in noops])
    v["noop_wall"] = median([n.wall for n in noops])
    v["one_file_s"], v["one_file_embedded"] = one_file_changed(corpus, args, work)
    log(f"{corpus.name}: no-op {v['noop_s']:.2f} s, one file {v['one_file_s']:.2f} s")
    queries = child("queries", {**args, "questions": corpus.questions, "repeats": 5}, work)
    v["query_rss"] = queries.rss_mb
    v["load_s"] = queries.out["first_answer_s"]
    for stage, samples in queries.out["samples"].items():
        v[f"{stage}_p50"] = median(samples)
        v[f"{stage}_p95"] = percentile(samples, 0.95)
    v["repeat_p50"] = median(queries.out["repeated_total"])
    v["answered"] = f"{queries.out['answered']}/{len(queries.out['samples']['total'])}"
    colds = [cold_ask(corpus, index, work, chroma_url) for _ in range(corpus.repeats)]
    v["cold_s"] = median([c.wall for c in colds])
    v["cold_rss"] = max(c.rss_mb for c in colds)
    log(f"{corpus.name}: warm p50 {v['total_p50']:.0f} ms, cold ask {v['cold_s']:.2f} s")
    if with_stock and corpus.stock:
        stock_runs = []
        for i in range(corpus.build_repeats):
            stock_index = work / f"{corpus.name}-stock-{i}"
            stock_args = {**base, "index": str(stock_index), "questions": corpus.questions}
            stock_runs.append(child("stock", {**stock_args, "repeats": 5}, work))
            shutil.rmtree(stock_index, ignore_errors=True)
        v["stock_s"] = median([s.out["seconds"] for s in stock_runs])
        v["stock_chunks"] = stock_runs[0].out["chunks"]
        v["stock_rss"] = max(s.rss_mb for s in stock_runs)
        samples = [ms for s in stock_runs for ms in s.out["retrieve_ms"]]
        v["stock_retrieve_p50"] = median(samples)
        v["stock_retrieve_p95"] = percentile(samples, 0.95)
        log(f"{corpus.name}: stock ingest {v['stock_s']:.1f} s")
        # The stock splitter makes 1,024-token chunks; MiniLM reads only the first 256
        # tokens of each, so most of the text is never embedded. The same pipeline with
        # chunks that fit the model embeds all of it, as ours does.
        fitted = []
        for i in range(corpus.build_repeats):
            stock_index = work / f"{corpus.name}-stock-fitted-{i}"
            stock_args = {**base, "index": str(stock_index), "questions": corpus.questions}
            fitted.append(child("stock", {**stock_args, "repeats": 1, "chunk_size": 256}, work))
            shutil.rmtree(stock_index, ignore_errors=True)
        v["fitted_s"] = median([s.out["seconds"] for s in fitted])
        v["fitted_chunks"] = fitted[0].out["chunks"]
        log(f"{corpus.name}: stock ingest, 256-token chunks {v['fitted_s']:.1f} s")
    shutil.rmtree(index, ignore_errors=True)
    return figures


def one_file_changed(corpus: Corpus, args: dict[str, Any], work: Path) -> tuple[float, int]:
    """Append a sentence to one file (a different one each run), reindex."""
    files = sorted(p for p in corpus.path.rglob("*") if p.is_file())
    runs = []
    for i in range(corpus.repeats):
        victim = files[(len(files) // 2 + i) % len(files)]
        with victim.open("a", encoding="utf-8") as handle:
            handle.write(f"\nThis sentence was added by benchmark run {i} to change the file.\n")
        runs.append(child("reindex", args, work))
    return median([r.out["seconds"] for r in runs]), runs[0].out["embedded"]


def cold_ask(corpus: Corpus, index: Path, work: Path, chroma_url: str = "") -> Run:
    argv = [*assistant_cli(), "ask", corpus.questions[0], "--llm", "extractive"]
    argv += ["--corpus", str(corpus.path), "--index", str(index)]
    if chroma_url:
        argv += ["--chroma-url", chroma_url]
    return run_process(argv, work)


@contextmanager
def chroma_server(work: Path) -> Iterator[str]:
    """A `chroma run` server on a free localhost port, for the run's duration."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    chroma = Path(sys.executable).parent / "chroma"
    argv = [str(chroma), "run", "--path", str(work / "chroma-server"), "--port", str(port)]
    with (work / "chroma-server.log").open("wb") as log:
        server = subprocess.Popen([*argv, "--host", "127.0.0.1"], stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit(
                            "chroma run did not start; see chroma-server.log"
                        ) from None
                    time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=30)


# --- report ---------------------------------------------------------------------------

ROWS: list[tuple[str, str, str]] = [
    ("files / chunks", "{files} / {chunks}", ""),
    ("full reindex, s (runs)", "{reindex_s:.2f} ({reindex_runs})", "reindex_s"),
    ("full reindex, chunks/s", "{chunks_per_s:.1f}", "chunks_per_s"),
    ("raw embedding of the same chunks, s", "{embed_s:.2f}", "embed_s"),
    ("reindex ÷ raw embedding", "{embed_ratio:.2f}", "embed_ratio"),
    ("no-op reindex, s (process wall)", "{noop_s:.2f} ({noop_wall:.2f})", "noop_s"),
    ("one file changed, s (chunks embedded)", "{one_file_s:.2f} ({one_file_embedded})", ""),
    ("load index + first answer, s", "{load_s:.2f}", "load_s"),
    (
        "warm ask, new question, p50 / p95 ms: retrieve",
        "{retrieve_p50:.0f} / {retrieve_p95:.0f}",
        "",
    ),
    (
        "warm ask, new question, p50 / p95 ms: generate",
        "{generate_p50:.0f} / {generate_p95:.0f}",
        "",
    ),
    (
        "warm ask, new question, p50 / p95 ms: total",
        "{total_p50:.0f} / {total_p95:.0f}",
        "total_p50",
    ),
    ("warm ask, same question again, p50 ms: total", "{repeat_p50:.0f}", ""),
    ("warm extractive answers given", "{answered}", ""),
    ("cold `assistant ask`, s", "{cold_s:.2f}", "cold_s"),
    (
        "peak RSS MB: reindex / queries / cold ask",
        "{reindex_rss:.0f} / {query_rss:.0f} / {cold_rss:.0f}",
        "",
    ),
    ("stock LlamaIndex ingest, s (chunks)", "{stock_s:.2f} ({stock_chunks})", "stock_s"),
    (
        "stock retriever.retrieve p50 / p95, ms",
        "{stock_retrieve_p50:.0f} / {stock_retrieve_p95:.0f}",
        "",
    ),
    ("stock peak RSS MB", "{stock_rss:.0f}", ""),
    ("ours ÷ stock ingest time", "{stock_ratio:.2f}", "stock_ratio"),
    (
        "stock ingest with 256-token chunks (all text embedded), s (chunks)",
        "{fitted_s:.2f} ({fitted_chunks})",
        "",
    ),
    ("ours ÷ stock with 256-token chunks", "{fitted_ratio:.2f}", ""),
]


def derived(v: dict[str, Any]) -> dict[str, Any]:
    out = dict(v)
    out["chunks_per_s"] = v["chunks"] / v["reindex_s"]
    out["embed_ratio"] = v["reindex_s"] / v["embed_s"]
    if "stock_s" in v:
        out["stock_ratio"] = v["reindex_s"] / v["stock_s"]
        out["stock_chunks_per_s"] = v["stock_chunks"] / v["stock_s"]
    if "fitted_s" in v:
        out["fitted_ratio"] = v["reindex_s"] / v["fitted_s"]
    return out


def results_table(figures: list[Figures]) -> str:
    heads = [f"{f.corpus.name} ({f.corpus.embedder} emb.)" for f in figures]
    lines = ["| figure | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]
    values = [derived(f.values) for f in figures]
    for label, template, _ in ROWS:
        cells = []
        for v in values:
            try:
                cells.append(template.format(**v))
            except KeyError:
                cells.append("–")
        if any(c != "–" for c in cells):
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def targets(figures: list[Figures]) -> list[tuple[str, str, str]]:
    rows = []
    by_name = {f.corpus.name: derived(f.values) for f in figures}
    synthetic = by_name.get("synthetic")
    if synthetic:
        rows.append(
            (
                f"no-op reindex ≤ 1 s at 2,000 files ({synthetic['files']} files)",
                f"{synthetic['noop_s']:.2f} s",
                verdict(synthetic["noop_s"] <= 1.0),
            )
        )
    for f in figures:
        v = by_name[f.corpus.name]
        if f.corpus.embedder == "real":
            rows.append(
                (
                    f"full reindex ≤ 1.15 × raw embedding ({f.corpus.name})",
                    f"{v['embed_ratio']:.2f} ×",
                    verdict(v["embed_ratio"] <= 1.15),
                )
            )
        if "stock_ratio" in v:
            rows.append(
                (
                    f"faster than stock LlamaIndex ingest ({f.corpus.name})",
                    f"{v['reindex_s']:.1f} s vs {v['stock_s']:.1f} s",
                    verdict(v["stock_ratio"] < 1.0),
                )
            )
        if "fitted_ratio" in v:
            rows.append(
                (
                    f"faster than stock LlamaIndex embedding all the text ({f.corpus.name})",
                    f"{v['reindex_s']:.1f} s vs {v['fitted_s']:.1f} s",
                    verdict(v["fitted_ratio"] < 1.0),
                )
            )
    if "bundled" in by_name:
        v = by_name["bundled"]
        rows.append(
            (
                "warm extractive ask p50 ≤ 100 ms (bundled)",
                f"{v['total_p50']:.0f} ms",
                verdict(v["total_p50"] <= 100),
            )
        )
        rows.append(
            (
                "cold `assistant ask` ≤ 2 s (bundled)",
                f"{v['cold_s']:.2f} s",
                verdict(v["cold_s"] <= 2.0),
            )
        )
    if synthetic:
        scale = "" if synthetic["chunks"] >= 100_000 else "; target is at 100k"
        rows.append(
            (
                f"warm extractive ask p50 ≤ 300 ms at {synthetic['chunks']:,} chunks{scale}",
                f"{synthetic['total_p50']:.0f} ms",
                verdict(synthetic["total_p50"] <= 300),
            )
        )
    return rows


def report(figures: list[Figures], command: str, seconds: float) -> str:
    lines = [results_table(figures), "", "| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in targets(figures)]
    lines.append("")
    for f in figures:
        note = f" — {f.corpus.note}" if f.corpus.note else ""
        lines.append(f"- `{f.corpus.name}`: {f.corpus.path.name}{note}")
    lines.append(
        f"\nProduced by `{command}` in {seconds / 60:.1f} min on {os.cpu_count()} CPU(s); "
        "medians of the runs shown (warm queries: 5 rounds of every question after a warm-up; "
        "a new question is one whose sentences are embedded afresh, the embedding cache emptied)."
    )
    return "\n".join(lines)


def write_block(path: Path, block: str) -> None:
    text = path.read_text("utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} … {END} block")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{block}\n{END}{tail}", "utf-8")


# --- main -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Speed and memory figures (Markdown).")
    parser.add_argument(
        "--corpora",
        nargs="+",
        default=None,
        choices=["bundled", "usrdoc", "usrdoc-all", "synthetic"],
        help="default: bundled usrdoc synthetic (--full adds usrdoc-all)",
    )
    parser.add_argument("--full", action="store_true", help="the documented full run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per cheap figure")
    parser.add_argument(
        "--build-repeats", type=int, default=None, help="full builds of non-bundled corpora"
    )
    parser.add_argument("--usrdoc-mb", type=float, default=None, help="usrdoc sample size")
    parser.add_argument("--usrdoc-gz", action="store_true", help="include decompressed .gz")
    parser.add_argument("--synthetic-chunks", type=int, default=None)
    parser.add_argument("--synthetic-embedder", choices=["hashed", "real"], default="hashed")
    parser.add_argument("--no-stock", action="store_true", help="skip stock LlamaIndex")
    parser.add_argument("--out", type=Path, help="write the report to this file")
    parser.add_argument("--readme", type=Path, help="replace the bench:start/end block")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    parser.add_argument(
        "--chroma-server",
        action="store_true",
        help="store vectors on a local `chroma run` server (--chroma-url) instead of embedded",
    )
    args = parser.parse_args(argv)
    args.corpora = args.corpora or (
        ["bundled", "usrdoc", "usrdoc-all", "synthetic"]
        if args.full
        else ["bundled", "usrdoc", "synthetic"]
    )
    args.usrdoc_mb = args.usrdoc_mb if args.usrdoc_mb is not None else (2.0 if args.full else 0.4)
    if args.synthetic_chunks is None:
        args.synthetic_chunks = 100_000 if args.full else 5_000
    if args.build_repeats is None:
        args.build_repeats = 1 if args.full else 2
    return args


def make_corpus(name: str, args: argparse.Namespace, work: Path) -> Corpus:
    slow = args.build_repeats
    if name == "bundled":
        return Corpus(
            name,
            copy_bundled(work),
            BUNDLED_QUESTIONS,
            repeats=args.repeats,
            build_repeats=args.repeats,
            note="the five bundled files",
        )
    if name == "usrdoc":
        path, note = copy_usrdoc(work, "usrdoc", args.usrdoc_mb, args.usrdoc_gz)
        return Corpus(name, path, USRDOC_QUESTIONS, "real", note, args.repeats, slow)
    if name == "usrdoc-all":
        path, note = copy_usrdoc(work, "usrdoc-all", 0, args.usrdoc_gz)
        return Corpus(name, path, USRDOC_QUESTIONS, "hashed", note, args.repeats, slow)
    path, questions, note = synthetic_corpus(work, args.synthetic_chunks)
    stock = args.synthetic_chunks <= 20_000
    return Corpus(name, path, questions, args.synthetic_embedder, note, args.repeats, slow, stock)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {message}", file=sys.stderr, flush=True)

    try:
        figures = []
        with ExitStack() as stack:
            url = stack.enter_context(chroma_server(work)) if args.chroma_server else ""
            for name in args.corpora:
                corpus = make_corpus(name, args, work)
                if url:
                    corpus.name = f"{name} on a Chroma server"
                log(f"{corpus.name}: {corpus.note}")
                figures.append(bench_corpus(corpus, work, not args.no_stock, log, url))
        command = "python benchmarks/run.py " + " ".join(argv or sys.argv[1:])
        text = report(figures, command.strip(), time.perf_counter() - started)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(text)
    if args.out:
        args.out.write_text(f"# Benchmark results\n\n{START}\n{text}\n{END}\n", "utf-8")
    if args.readme:
        write_block(args.readme, text)


if __name__ == "__main__":
    main()
