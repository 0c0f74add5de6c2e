"""`assistant eval`: run (or take) a batch, score it, write the report; or compare two reports."""

from __future__ import annotations

import argparse
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import InputError
from assistant.evaluation.compare import compare, load_metrics
from assistant.evaluation.files import (
    changed_since_indexed,
    load_corpus,
    load_gold,
    load_results,
    stamp_results,
)
from assistant.evaluation.readme import check_readme, rewrite_readme
from assistant.evaluation.report import metrics_document, write_report
from assistant.evaluation.scoring import Corpus, RunScore, score_run

if TYPE_CHECKING:
    from rich.console import Console

DEFAULT_OUT_ROOT = Path("eval-out")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "gold",
        nargs="?",
        type=Path,
        metavar="GOLD.jsonl",
        help="gold questions (id, question, answerable, gold_files, must_include)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        metavar="RESULTS.jsonl",
        help="score this existing `assistant batch` output instead of running it",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"report folder (default {DEFAULT_OUT_ROOT}/<date-time>)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("OLD_DIR", "NEW_DIR"),
        help="compare two report folders instead of scoring",
    )
    parser.add_argument(
        "--readme",
        type=Path,
        metavar="FILE",
        help="rewrite the <!-- eval:start --> … <!-- eval:end --> block in FILE",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    console = Console()
    if args.compare:
        if args.gold or args.results or args.readme:
            raise InputError(
                "--compare takes two report folders and nothing else",
                "assistant eval --compare OLD_DIR NEW_DIR",
            )
        return _compare(args.compare[0], args.compare[1], console)
    if args.gold is None:
        raise InputError(
            "eval needs a gold file",
            "assistant eval GOLD.jsonl [--results RESULTS.jsonl] or --compare OLD NEW",
        )
    out_dir = args.out or _default_out_dir()
    score, document = evaluate(args, settings, out_dir)
    from assistant.evaluation.view import show_run

    show_run(score, document, out_dir, console)
    return 0


def evaluate(
    args: argparse.Namespace, settings: Settings, out_dir: Path
) -> tuple[RunScore, dict[str, Any]]:
    """Score the batch (running it unless --results is given) and write the report folder."""
    golds = load_gold(args.gold)
    if args.readme:
        check_readme(args.readme)
    started = time.perf_counter()
    results_path = args.results or _run_batch(settings, args.gold, out_dir)
    results = load_results(results_path)
    texts, hashes = load_corpus(settings.corpus, settings.index)
    score = score_run(golds, results, Corpus.of(texts))
    warnings = _warnings(score, results, hashes)
    run_block = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line(args, settings),
        "gold": str(args.gold),
        "results": str(results_path),
        "out": str(out_dir),
        "seconds": round(time.perf_counter() - started, 1),
    }
    document = metrics_document(score, results, warnings, run_block)
    write_report(out_dir, score, stamp_results(results), document)
    if args.readme:
        rewrite_readme(args.readme, document)
    return score, document


def command_line(args: argparse.Namespace, settings: Settings) -> str:
    """The command that reproduces this run (without --out, which only names the folder)."""
    words = ["assistant", "eval", str(args.gold)]
    words += ["--results", str(args.results)] if args.results else ["--llm", settings.llm]
    if args.readme:
        words += ["--readme", str(args.readme)]
    return shlex.join(words)


def _run_batch(settings: Settings, gold: Path, out_dir: Path) -> Path:
    from assistant.cli.batch import run_batch

    out_dir.mkdir(parents=True, exist_ok=True)
    results_path = out_dir / "results.jsonl"
    run_batch(settings, gold, results_path)
    return results_path


def _warnings(score: RunScore, results: list[dict[str, Any]], hashes: dict[str, str]) -> list[str]:
    warnings = []
    if score.unmatched_results:
        warnings.append(
            "results for questions not in the gold file: " + ", ".join(score.unmatched_results)
        )
    changed = changed_since_indexed(results, hashes)
    if changed:
        warnings.append(
            "corpus files differ from the indexed ones (quotes were checked against "
            "the files as they are now): " + ", ".join(changed)
        )
    return warnings


def _default_out_dir() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = DEFAULT_OUT_ROOT / stamp
    suffix = 2
    while candidate.exists():
        candidate = DEFAULT_OUT_ROOT / f"{stamp}-{suffix}"
        suffix += 1
    return candidate


def _compare(old_dir: Path, new_dir: Path, console: Console) -> int:
    from assistant.evaluation.view import show_comparison

    comparison = compare(load_metrics(old_dir), load_metrics(new_dir))
    show_comparison(comparison, old_dir, new_dir, console)
    return 0
