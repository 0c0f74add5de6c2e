"""One figure: an Ollama answer whose quote is made up, at 2,000 files (issue #13).

    python benchmarks/made_up_quote.py                # 2,000 files, ~5,000 chunks
    python benchmarks/made_up_quote.py --chunks 100000

A quote found in neither its cited file nor the retrieved ones used to be looked for in
every corpus file; now only a few more files are tried, found through the chunk table's
full-text index. This builds the synthetic corpus of `benchmarks/run.py` (hashed stand-in
embedder for the build; questions are embedded with MiniLM), answers through the Ollama
stand-in of the tests with a reply whose quote is in no file, and prints the median time
of the quote verification (`verify_draft`, as `Assistant` calls it) and of the whole answer,
in ms. The whole answer also holds the question's embedding, retrieval, and the Ollama
probe and chat against the stand-in.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

MADE_UP = {
    "a word no file has": "the project was abandoned after its founders moved to Patagonia",
    "only corpus words": "its research team still leads the project it founded",
}
TARGET_MS = 100.0


def reply(quote: str) -> str:
    return f'It was so [1].\n\nQUOTES:\n[1] "{quote}"\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=5_000, help="chunks in all (default 5000)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    import child  # benchmarks/child.py: the hashed stand-in embedder
    import run  # benchmarks/run.py: the synthetic corpus

    import assistant.index.indexer as indexer
    import assistant.service as service
    from assistant.config import load_settings
    from tests.ollama_standin import OllamaStandin

    verify_ms: list[float] = []
    verify_draft = service.verify_draft

    def timed_verify(*given: Any, **named: Any) -> Any:
        started = time.perf_counter()
        try:
            return verify_draft(*given, **named)
        finally:
            verify_ms.append((time.perf_counter() - started) * 1000)

    service.verify_draft = timed_verify  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="assistant-bench-") as tmp:
        work = Path(tmp)
        corpus, questions, _ = run.synthetic_corpus(work, args.chunks)
        indexer.local_class = lambda setting: child.HashedEmbedder  # type: ignore[assignment]
        with OllamaStandin() as standin:
            settings = load_settings(
                None, corpus=corpus, index=work / "index", llm="ollama", ollama_host=standin.url
            )
            summary = service.Assistant(settings).reindex()
            assistant = service.Assistant(settings)
            standin.reply = reply(next(iter(MADE_UP.values())))
            assistant.answer(questions[0])  # warm-up: the index and the question embedder load
            rows = []
            for kind, quote in MADE_UP.items():
                standin.reply = reply(quote)
                verify_ms.clear()
                totals = []
                for n in range(args.repeats):
                    answer = assistant.answer(questions[n % len(questions)])
                    assert answer.abstained and answer.dropped_quotes == 1, answer
                    totals.append(answer.timings_ms["total"])
                rows.append((kind, statistics.median(verify_ms), statistics.median(totals)))
    files = f"{len(summary.added):,} files ({summary.chunks_total:,} chunks)"
    for kind, verify, total in rows:
        print(
            f"| answer with a made-up quote ({kind}) at {files}, "
            f"ms: quote verification / whole answer | {verify:.0f} / {total:.0f} |"
        )
    return 0 if all(verify <= TARGET_MS for _, verify, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
