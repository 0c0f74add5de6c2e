"""The Ollama embedder against the offline one, on both shared dev sets (issue #12).

    python benchmarks/ollama_embedder.py [--out DIR]
    python benchmarks/ollama_embedder.py --throughput 5000

`--throughput N` instead times the client side alone: N chunk-sized texts embedded through
`OllamaEmbedder` against the stand-in answering with hashed 384-d vectors (no model: a server
that embeds infinitely fast), then 300 of them with the real MiniLM behind the stand-in —
what batching, JSON and HTTP cost per chunk, i.e. the ceiling a GPU server leaves.

For each gold set (the news dev set over the bundled corpus, NarrativeQA over its 30 plot
summaries) it builds two indexes — `embedder = "local"` and `embedder = "ollama:all-minilm"`
through the Ollama stand-in of the tests — runs `assistant eval` on each (extractive
backend) and prints the scores side by side, how many answers are identical, and the reindex
time of each.

Read it for what it is: the stand-in's `/api/embed` answers with the vectors of the
assistant's own int8 MiniLM, so equal scores show the plumbing (batching, requests in flight,
the manifest, questions embedded by the index's model) loses nothing; they say nothing about
Ollama's fp16 all-minilm, whose vectors cannot be computed on this machine (no Ollama, no
fp16 weights offline).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
SETS = {
    "news dev (12)": (REPO / "corpus", Path("/work/shared/eval/dev_questions.jsonl")),
    "NarrativeQA (112)": (
        Path("/work/shared/eval/narrativeqa/corpus"),
        Path("/work/shared/eval/narrativeqa/questions.jsonl"),
    ),
}
METRICS = (
    "correct",
    "answerable_correct",
    "citation_precision",
    "quote_validity",
    "abstention_accuracy",
)


def _run(argv: list[str]) -> None:
    from assistant.cli.command import main

    code = main(argv)
    if code != 0:
        raise SystemExit(f"assistant {' '.join(argv)} exited {code}")


def build_and_eval(corpus: Path, gold: Path, work: Path, embedder: str) -> dict[str, Any]:
    os.environ["ASSISTANT_EMBEDDER"] = embedder
    index, out = work / "index", work / "eval"
    where = ["--corpus", str(corpus), "--index", str(index), "--llm", "extractive"]
    started = time.perf_counter()
    _run([*where, "reindex"])
    seconds = time.perf_counter() - started
    _run([*where, "eval", str(gold), "--out", str(out)])
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    answers = {
        row["id"]: row.get("answer")
        for row in map(json.loads, (out / "results.jsonl").read_text("utf-8").splitlines())
    }
    return {"metrics": metrics, "answers": answers, "reindex_s": seconds}


def _figure(metrics: dict[str, Any], name: str) -> str:
    value = metrics.get(name)
    if isinstance(value, dict):
        value = value.get("value", value.get("ratio"))
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def throughput(n: int) -> None:
    from assistant.config.remote import Endpoint
    from assistant.embed.minilm import MiniLMEmbedder
    from assistant.embed.ollama import OllamaEmbedder
    from tests.ollama_standin import OllamaStandin

    words = (REPO / "corpus").glob("*.txt")
    text = " ".join(" ".join(p.read_text("utf-8").split()) for p in sorted(words))
    texts = [text[(i * 131) % 20_000 :][:700] + f" {i}" for i in range(n)]
    minilm = MiniLMEmbedder()
    print("| server behind /api/embed | texts | batch × in flight | s | chunks/s |")
    print("|---|---|---|---|---|")
    for label, embed_with, count in (
        ("hashed (no model)", None, n),
        ("MiniLM int8", minilm.embed, 300),
    ):
        with OllamaStandin(models=["all-minilm:latest"], embed_with=embed_with) as standin:
            standin.embedding_dim = 384
            for batch, in_flight in ((32, 1), (32, 4), (128, 4)):
                embedder = OllamaEmbedder(
                    Endpoint(standin.url, "ollama_host"), "all-minilm", 60, batch, in_flight
                ).resolve()
                started = time.perf_counter()
                embedder.embed(texts[:count])
                seconds = time.perf_counter() - started
                print(f"| {label} | {count} | {batch} × {in_flight} | {seconds:.2f} | "
                      f"{count / seconds:.0f} |")  # fmt: skip
                embedder.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the indexes and eval folders here")
    parser.add_argument("--throughput", type=int, help="time N texts through the client only")
    args = parser.parse_args(argv)
    if args.throughput:
        throughput(args.throughput)
        return 0
    from assistant.embed.minilm import MiniLMEmbedder
    from tests.ollama_standin import OllamaStandin

    work = args.out or Path(tempfile.mkdtemp(prefix="ollama-embedder-"))
    minilm = MiniLMEmbedder()
    rows = []
    with OllamaStandin(models=["all-minilm:latest"], embed_with=minilm.embed) as standin:
        os.environ["ASSISTANT_OLLAMA_HOST"] = standin.url
        for label, (corpus, gold) in SETS.items():
            runs = {}
            for embedder in ("local", "ollama:all-minilm"):
                folder = work / label.split()[0].lower() / embedder.replace(":", "-")
                runs[embedder] = build_and_eval(corpus, gold, folder, embedder)
            local, remote = runs["local"], runs["ollama:all-minilm"]
            same = sum(local["answers"][q] == remote["answers"].get(q) for q in local["answers"])
            rows.append((label, local, remote, same))
        embeds = len(standin.requests_to("/api/embed"))
    print(f"/api/embed requests served: {embeds}")
    print("| set | embedder | reindex s | " + " | ".join(METRICS) + " | identical answers |")
    print("|---|---|---|" + "---|" * (len(METRICS) + 1))
    for label, local, remote, same in rows:
        for name, run in (("local (int8, in process)", local), ("ollama:all-minilm", remote)):
            figures = " | ".join(_figure(run["metrics"]["overall"], m) for m in METRICS)
            print(
                f"| {label} | {name} | {run['reindex_s']:.1f} | {figures} | "
                f"{same}/{len(local['answers'])} |"
            )
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
