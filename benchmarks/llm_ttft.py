"""Time to first token with a real model: whole passages (the prompt before the budget) against
the question's sentences within `prompt_tokens`, same questions, same machine, one run each.

Needs the real-model test bed (`make test-llm` sets it up). Prints one row per question and the
medians and their ratio.

    python benchmarks/llm_ttft.py [--model qwen2.5-coder:1.5b] [--questions N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assistant.answer import context  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from tests.realmodel.models import DEFAULT_CACHE  # noqa: E402
from tests.realmodel.server import serve  # noqa: E402

GOLD = REPO.parent / "shared" / "eval" / "dev_questions.jsonl"
WHOLE_PASSAGES = 100_000  # a budget no set of six passages reaches: every sentence is given
NO_MARGIN = float("inf")  # nor is any sentence left out for scoring far below the best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder:1.5b")
    parser.add_argument("--questions", type=int, default=6)
    args = parser.parse_args()
    lines = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]
    step = max(1, len(lines) // args.questions)
    questions = [q["question"] for q in lines[::step]][: args.questions]
    server = serve(0, DEFAULT_CACHE, "0.12.6", threads=2)
    url = "http://{}:{}".format(*server.server_address[:2])
    index = Path(tempfile.mkdtemp()) / "index"
    base = {"corpus": REPO / "corpus", "index": index, "llm": "ollama", "ollama_host": url}
    base |= {"model": args.model, "ollama_timeout": 600}
    Assistant(load_settings(None, **base)).reindex()
    configs = {
        "whole passages, text": {"prompt_tokens": WHOLE_PASSAGES, "reply_format": "text"},
        "budgeted, json": {},
    }
    firsts: dict[str, list[float]] = {name: [] for name in configs}
    margin = context.MARGIN
    print(
        "| question | " + " | ".join(f"{n}: first token s (prompt tokens)" for n in configs) + " |"
    )
    print("|---|" + "---|" * len(configs))
    for question in questions:
        cells = []
        for name, extra in configs.items():
            context.MARGIN = NO_MARGIN if name.startswith("whole") else margin
            with Assistant(load_settings(None, **base, **extra)) as assistant:
                answer = assistant.answer(question)
            first = answer.timings_ms.get("first_token", float("nan")) / 1000
            firsts[name].append(first)
            cells.append(f"{first:.1f} ({answer.timings_ms.get('prompt_tokens', 0):.0f})")
        print(f"| {question[:60]} | " + " | ".join(cells) + " |", flush=True)
    medians = {name: statistics.median(values) for name, values in firsts.items()}
    old, new = medians.values()
    print()
    for name, value in medians.items():
        print(f"median first token, {name}: {value:.1f} s")
    print(f"ratio: {old / new:.2f}x faster to the first token")
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
