"""Where a warm extractive `ask` spends its time (cProfile), on an existing index.

    python benchmarks/profile_ask.py --corpus DIR --index DIR "question" ["question" ...]

Answers every question once to warm up (index load, BM25 build, ONNX session), then profiles
`--rounds` rounds and prints the functions with the most cumulative and own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import load_settings
from assistant.service import Assistant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("questions", nargs="+")
    args = parser.parse_args()
    settings = load_settings(None, corpus=args.corpus, index=args.index, llm="extractive")
    assistant = Assistant(settings)
    started = time.perf_counter()
    profile = cProfile.Profile()
    profile.enable()
    assistant.answer(args.questions[0], llm="extractive")
    profile.disable()
    print(f"load + first answer: {time.perf_counter() - started:.2f} s")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    for question in args.questions:
        assistant.answer(question, llm="extractive")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.rounds):
        for question in args.questions:
            answer = assistant.answer(question, llm="extractive")
    profile.disable()
    print(f"last timings_ms: {answer.timings_ms}")
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
