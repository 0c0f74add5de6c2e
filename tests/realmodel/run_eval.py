"""The real-model eval: both shared gold sets answered by real models through the test bed.

Starts the Ollama-API server over llama-cpp-python (`tests.realmodel.server`), indexes each
gold set's corpus once (in the test bed cache), runs `assistant eval --llm auto` with each
model and once with the extractive backend, and prints one table: how many questions the
model itself answered (not fallen back, not an error), accuracy, quote validity, abstention
on unanswerable questions, sentences removed for facts their quotes lack, and the median
time to first token and prompt size.

    python -m tests.realmodel.run_eval [--models qwen2.5-coder:1.5b smollm2:135m] [--limit N]

With `--api openai` the same models answer through llama-cpp-python's own OpenAI-compatible
server (`python -m llama_cpp.server`, one per model) and `--llm openai`, so the two backends
can be compared on the same questions (results in `<set>-<model>-openai/`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from tests.realmodel.launch import (
    Testbed,
    openai_server_command,
    run_watched,
    server_command,
    smoke,
    smoke_openai,
    start,
)
from tests.realmodel.models import DEFAULT_CACHE

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SETS = {
    "news": (SHARED / "eval" / "dev_questions.jsonl", REPO / "corpus"),
    "narrativeqa": (
        SHARED / "eval" / "narrativeqa" / "questions.jsonl",
        SHARED / "eval" / "narrativeqa" / "corpus",
    ),
    "adversarial": (REPO / "eval/adversarial/questions.jsonl", REPO / "eval/adversarial/corpus"),
    "adversarial-nqa": (
        REPO / "eval/adversarial/narrativeqa_questions.jsonl",
        SHARED / "eval" / "narrativeqa" / "corpus",
    ),
    "answerability-news": (REPO / "eval/answerability/news.jsonl", REPO / "corpus"),
    "news-unseen": (REPO / "eval/openai/questions.jsonl", REPO / "corpus"),
    "answerability-nqa": (
        REPO / "eval/answerability/narrativeqa.jsonl",
        SHARED / "eval" / "narrativeqa" / "corpus",
    ),
    "answerability-tech": (
        REPO / "eval/answerability/techdocs.jsonl",
        REPO / "eval/techdocs/corpus",
    ),
}


def assistant(testbed: Testbed, *args: str, env: dict[str, str] | None = None) -> None:
    """Run the assistant's command, stopping at once with the cause if the server dies."""
    run_watched(testbed, [str(Path(sys.executable).with_name("assistant")), *args], env)


def gold_subset(gold: Path, limit: int | None, out: Path) -> Path:
    """The gold file, or every n-th question of it (a spread-out sample) when `limit` is set."""
    lines = [line for line in gold.read_text("utf-8").splitlines() if line.strip()]
    if not limit or limit >= len(lines):
        return gold
    step = len(lines) / limit
    picked = [lines[int(i * step)] for i in range(limit)]
    out.write_text("\n".join(picked) + "\n", "utf-8")
    return out


def run_one(
    name: str,
    model: str | None,
    testbed: Testbed,
    cache: Path,
    limit: int | None,
    env: dict[str, str],
    api: str = "ollama",
) -> dict[str, Any]:
    gold, corpus = SETS[name]
    index = cache / "indexes" / name
    suffix = "-openai" if api == "openai" and model else ""
    out = cache / "eval" / f"{name}-{(model or 'extractive').replace(':', '-')}{suffix}"
    out.mkdir(parents=True, exist_ok=True)
    common = ["--corpus", str(corpus), "--index", str(index)]
    assistant(testbed, *common, "reindex")
    subset = gold_subset(gold, limit, out / "gold.jsonl")
    backend = ["--llm", "auto", "--model", model, "--ollama-host", testbed.url] if model else []
    if model and api == "openai":
        backend = ["--llm", "openai", "--model", model, "--openai-url", testbed.url + "/v1"]
    backend = backend or ["--llm", "extractive"]
    replies = out / "replies.jsonl"  # the raw replies, for `python -m assistant.answer.replay`
    replies.unlink(missing_ok=True)
    env = {**env, "ASSISTANT_REPLY_LOG": str(replies)}
    assistant(testbed, *common, *backend, "eval", str(subset), "--out", str(out), env=env)
    return summarise(name, model, out)


def summarise(name: str, model: str | None, out: Path) -> dict[str, Any]:
    document = json.loads((out / "metrics.json").read_text("utf-8"))
    metrics = document["overall"]
    correct = {q["id"]: q["correct"] for q in document["questions"]}
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    by_model = [
        r for r in results if (r.get("backend") or {}).get("llm") not in (None, "extractive")
    ]
    gold_lines = SETS[name][0].read_text("utf-8").splitlines()
    gold = {g["id"]: g for g in map(json.loads, filter(str.strip, gold_lines))}
    first = [r["timings_ms"]["first_token"] for r in by_model if "first_token" in r["timings_ms"]]
    prompt = [
        r["timings_ms"]["prompt_tokens"] for r in by_model if "prompt_tokens" in r["timings_ms"]
    ]
    unanswerable = [r for r in results if not gold.get(r.get("id"), {}).get("answerable", True)]
    return {
        "set": name,
        "backend": model or "extractive",
        "questions": len(results),
        "by_model": len(by_model),
        "errors": sum("error" in r for r in results),
        "correct_by_model": sum(bool(correct.get(r.get("id"))) for r in by_model),
        "accuracy": metrics["accuracy"],
        "answerable_accuracy": metrics["answerable_accuracy"],
        "citation_precision": metrics["citation_precision"],
        "quote_validity": metrics["quote_validity"],
        "abstained_unanswerable": f"{sum(r.get('abstained', False) for r in unanswerable)}"
        f"/{len(unanswerable)}",
        "removed_sentences": sum(r.get("unsupported_sentences", 0) for r in results),
        "first_token_s_p50": round(statistics.median(first) / 1000, 1) if first else None,
        "prompt_tokens_p50": statistics.median(prompt) if prompt else None,
    }


def table(rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=["qwen2.5-coder:1.5b", "smollm2:135m"])
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--limit", type=int, help="a spread-out sample of N questions per set")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    parser.add_argument(
        "--api", choices=("ollama", "openai"), default="ollama", help="which API the models speak"
    )
    args = parser.parse_args(argv)
    env = {"ASSISTANT_OLLAMA_TIMEOUT": "300", "ASSISTANT_OPENAI_TIMEOUT": "300"}
    if args.api == "openai":
        rows = openai_rows(args, env)
        print(table(rows))
        if args.out:
            args.out.write_text(table(rows) + "\n", "utf-8")
        return 0
    testbed = start(server_command(args.cache), args.cache / "server.log")
    rows = []
    try:
        started = time.perf_counter()
        print(f"smoke check: {smoke(testbed)!r} ({time.perf_counter() - started:.1f} s)")
        for name in args.sets:
            rows.append(run_one(name, None, testbed, args.cache, args.limit, env))
            for model in args.models:
                rows.append(run_one(name, model, testbed, args.cache, args.limit, env))
                print(table(rows), flush=True)
    finally:
        testbed.stop()
    print(table(rows))
    if args.out:
        args.out.write_text(table(rows) + "\n", "utf-8")
    return 0


def openai_rows(args: argparse.Namespace, env: dict[str, str]) -> list[dict[str, Any]]:
    """Each model behind its own llama-cpp-python OpenAI-compatible server, every set."""
    rows: list[dict[str, Any]] = []
    for model in args.models:
        command = openai_server_command(args.cache, model)
        testbed = start(command, args.cache / f"openai-server-{model.replace(':', '-')}.log")
        try:
            started = time.perf_counter()
            print(f"smoke check: {smoke_openai(testbed, model)!r} "
                  f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
            for name in args.sets:
                rows.append(run_one(name, model, testbed, args.cache, args.limit, env, "openai"))
                print(table(rows), flush=True)
        finally:
            testbed.stop()
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
