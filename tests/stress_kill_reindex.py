"""Stress: `kill -9` of `assistant reindex` at random moments, many times in a row.

Each round changes the corpus (two files edited, one file added, one removed), starts
`assistant reindex` in a child process, and kills it with SIGKILL after a random delay.
After every kill the index must still answer with verified citations, and every chunk the
committed chunk table lists must have its vector in the committed store (nothing lost). At
the end one reindex runs to completion and must leave a consistent index.

    python -m tests.stress_kill_reindex --kills 20            # the full run, by hand
    python -m tests.stress_kill_reindex --kills 3 --max-delay 4  # what the test runs

Where each kill landed is read from the index folder afterwards: before the new store was
created, while it was being written, or after the manifest was committed.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import Settings, load_settings
from assistant.index.chunkstore import read_chunk_table
from assistant.index.corpus import read_document
from assistant.index.manifest import read_manifest
from assistant.index.store import STORES_DIR, ChunkVectors
from assistant.service import Assistant

REPO = Path(__file__).resolve().parent.parent
QUESTION = "Who founded DeepSeek?"
EXPECTED = "Liang Wenfeng"
STABLE_FILE = "003_0b0806e6b9dc152e.txt"  # holds the answer; never edited


@dataclass
class StressReport:
    kills: int = 0
    survived: int = 0
    lost_chunks: int = 0
    phases: Counter[str] = field(default_factory=Counter)
    finished_first: int = 0
    final_reindex_ok: bool = False
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        phases = ", ".join(f"{n} {phase}" for phase, n in sorted(self.phases.items()))
        final = "completed" if self.final_reindex_ok else "FAILED"
        return (
            f"kill -9 of reindex: {self.survived}/{self.kills} survived, "
            f"{self.lost_chunks} chunks lost; kills landed: {phases}; next reindex {final}"
        )


def settings(work: Path) -> Settings:
    return load_settings(None, corpus=work / "corpus", index=work / "index", llm="extractive")


def reindex_args(work: Path, wait: float = 5) -> list[str]:
    return [
        "--corpus",
        str(work / "corpus"),
        "--index",
        str(work / "index"),
        "--llm",
        "extractive",
        "reindex",
        "--wait",
        f"{wait:g}",
    ]


def reindex_command(work: Path, wait: float = 5) -> list[str]:
    """`assistant reindex` of work/corpus into work/index, waiting `wait` s for the lock."""
    return [sys.executable, "-m", "assistant.cli.command", *reindex_args(work, wait)]


def killed_at_command(work: Path, phase: str) -> list[str]:
    """The same reindex, killed with SIGKILL at `phase` (see tests/reindex_killed_at.py)."""
    return [sys.executable, "-m", "tests.reindex_killed_at", phase, *reindex_args(work)]


def mutate(corpus: Path, round_no: int, rng: random.Random) -> None:
    """Edit two files, add one, remove an earlier addition: every reindex has real work."""
    editable = sorted(p for p in corpus.glob("*.txt") if p.name != STABLE_FILE)
    for path in rng.sample(editable, k=min(2, len(editable))):
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n\nRound {round_no} added this sentence to {path.stem}.\n")
    source = (corpus / STABLE_FILE).read_text(encoding="utf-8")
    (corpus / f"extra_{round_no:03d}.txt").write_text(
        source.replace("DeepSeek", f"Company{round_no}"), encoding="utf-8"
    )
    old = sorted(corpus.glob("extra_*.txt"))
    if len(old) > 2:
        old[0].unlink()


def consistency(work: Path) -> tuple[str, int]:
    """(manifest version, chunks listed by the chunk table that have no vector)."""
    config = settings(work)
    manifest = read_manifest(config.index)
    assert manifest is not None, "no manifest after a kill"
    chunks = read_chunk_table(config.index / manifest.chunk_table)
    stored = ChunkVectors(config.index, None, manifest.store).ids()
    return manifest.version, sum(1 for c in chunks if c.chunk_id not in stored)


def answers(work: Path) -> str:
    """'' if the index answers the stable question with verified citations, else why not."""
    config = settings(work)
    answer = Assistant(config).answer(QUESTION)
    if answer.abstained or EXPECTED not in answer.answer:
        return f"did not answer: {answer.answer[:80]!r}"
    for citation in answer.citations:
        text = read_document(config.corpus, citation.file).text
        if text[citation.start : citation.end] != citation.quote:
            return f"citation {citation.n} does not verify"
    return ""


def stores(work: Path) -> set[str]:
    root = work / "index" / STORES_DIR
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


def kill_round(
    work: Path, round_no: int, delay: float, report: StressReport, kill_at: str = ""
) -> None:
    """Start a reindex and kill it after `delay` seconds, or (deterministic) at `kill_at`."""
    before_version, _ = consistency(work)
    before_stores = stores(work)
    if kill_at:
        child = subprocess.run(
            killed_at_command(work, kill_at), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        if child.returncode != -signal.SIGKILL:
            detail = child.stderr.decode(errors="replace")[-300:]
            report.failures.append(f"round {round_no}: not killed at {kill_at}: {detail}")
            return
    else:
        running = subprocess.Popen(
            reindex_command(work), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            running.wait(timeout=delay)
            report.finished_first += 1  # not a kill: the reindex was quicker than the delay
            return
        except subprocess.TimeoutExpired:
            running.send_signal(signal.SIGKILL)
            running.wait()
    report.kills += 1
    version, lost = consistency(work)
    committed = version != before_version
    writing = bool(stores(work) - before_stores)
    phase = (
        "after the commit"
        if committed
        else "during store writes"
        if writing
        else "before any store write"
    )
    report.phases[phase] += 1
    report.lost_chunks += lost
    problem = answers(work) or (f"{lost} chunks have no vector" if lost else "")
    if problem:
        report.failures.append(f"round {round_no} (killed {phase}, {delay:.2f} s): {problem}")
    else:
        report.survived += 1


def prepare(work: Path, corpus: Path, index: Path | None) -> None:
    shutil.copytree(corpus, work / "corpus")
    if index is not None:
        shutil.copytree(index, work / "index")
    else:
        subprocess.run(reindex_command(work), check=True, capture_output=True)


def run(
    work: Path,
    kills: int,
    max_delay: float,
    seed: int = 0,
    corpus: Path = REPO / "corpus",
    index: Path | None = None,
    kill_at: Sequence[str] = (),
) -> StressReport:
    """Kill `kills` reindexes of a copy of `corpus` (indexed as `index`, or here) in `work`,
    each after a random delay up to `max_delay` — or, given `kill_at`, one at each of those
    points (tests/reindex_killed_at.py), whatever the machine's speed."""
    rng = random.Random(seed)
    prepare(work, corpus, index)
    report = StressReport()
    round_no = 0
    if kill_at:
        for round_no, phase in enumerate(kill_at, 1):
            mutate(work / "corpus", round_no, rng)
            kill_round(work, round_no, 0.0, report, phase)
    while not kill_at and report.kills < kills and round_no < 3 * kills:
        round_no += 1
        mutate(work / "corpus", round_no, rng)
        kill_round(work, round_no, rng.uniform(0.3, max_delay), report)
    final = subprocess.run(reindex_command(work), capture_output=True, text=True)
    _, lost = consistency(work)
    report.lost_chunks += lost
    report.final_reindex_ok = final.returncode == 0 and lost == 0 and not answers(work)
    if not report.final_reindex_ok:
        report.failures.append(f"final reindex: rc {final.returncode}: {final.stderr[-300:]}")
    if len(stores(work)) > 2:
        report.failures.append(f"{len(stores(work))} stores left after the final reindex")
    return report


def measure_full_reindex(work: Path) -> float:
    """Seconds one uninterrupted reindex of a round's changes takes (sets --max-delay)."""
    shutil.copytree(REPO / "corpus", work / "corpus")
    subprocess.run(reindex_command(work), check=True, capture_output=True)
    mutate(work / "corpus", 0, random.Random(1))
    started = time.perf_counter()
    subprocess.run(reindex_command(work), check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--max-delay", type=float, default=0.0, help="0: measure a reindex")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        max_delay = args.max_delay or measure_full_reindex(work / "measure") * 1.1
        started = time.perf_counter()
        report = run(work / "run", args.kills, max_delay, args.seed)
        print(report.line())
        print(
            json.dumps(
                {
                    "kills": report.kills,
                    "survived": report.survived,
                    "lost_chunks": report.lost_chunks,
                    "phases": dict(report.phases),
                    "finished_before_the_kill": report.finished_first,
                    "max_delay_s": round(max_delay, 2),
                    "seed": args.seed,
                    "seconds": round(time.perf_counter() - started, 1),
                }
            )
        )
        for failure in report.failures:
            print(f"FAILURE: {failure}")
    return 0 if not report.failures and report.survived == report.kills else 1


if __name__ == "__main__":
    sys.exit(main())
