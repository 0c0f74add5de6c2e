"""Embedding throughput experiments for assistant/embed/minilm.py (issue #6, part 2).

Runs the same chunk texts through variants of the onnxruntime session (batch size, intra-op
threads, inter-op threads / parallel execution mode, two sessions on two threads) and prints
the median chunks/s of each, plus the cosine of every variant's vectors against the
reference (the embedder as shipped). Usage:

    python benchmarks/embed_tuning.py [--corpus DIR] [--chunks N] [--repeats R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.embed.minilm import (
    MAX_TOKENS,
    MiniLMEmbedder,
    model_file,
    tokenizer_json,
)
from assistant.index.chunking import ChunkingParams, chunk_text
from assistant.index.corpus import list_candidates, read_document

REPO = Path(__file__).resolve().parent.parent


def corpus_texts(root: Path, limit: int) -> list[str]:
    texts: list[str] = []
    candidates, _ = list_candidates(root)
    for cand in candidates:
        try:
            doc = read_document(root, cand.name)
        except (OSError, ValueError):
            continue
        texts += [c.text for c in chunk_text(cand.name, doc.text, doc.sha256, ChunkingParams())]
        if len(texts) >= limit:
            break
    return texts[:limit]


class Variant:
    """A session configured one way; `embed` mirrors MiniLMEmbedder.embed."""

    def __init__(
        self,
        batch: int = 32,
        intra: int = 2,
        inter: int = 0,
        parallel: bool = False,
        sessions: int = 1,
        spin: bool = True,
        tokens: int = 0,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.batch = batch
        self.tokens = tokens
        self.sessions = []
        for _ in range(sessions):
            options = ort.SessionOptions()
            options.intra_op_num_threads = intra
            options.inter_op_num_threads = inter
            options.log_severity_level = 3
            if parallel:
                options.execution_mode = ort.ExecutionMode.ORT_PARALLEL
            if not spin:
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.sessions.append(
                ort.InferenceSession(
                    str(model_file()),
                    options,
                    providers=["CPUExecutionProvider"],
                )
            )
        self.tokenizer = Tokenizer.from_str(tokenizer_json())
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _run(self, session: Any, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        if self.tokens:
            batches = token_batches(order, [len(e.ids) for e in encodings], self.tokens)
        else:
            batches = [order[b : b + self.batch] for b in range(0, len(order), self.batch)]
        if len(self.sessions) == 1:
            for batch in batches:
                out[batch] = self._run(self.sessions[0], [encodings[i] for i in batch])
            return out

        def work(slot: int) -> None:
            session = self.sessions[slot]
            for batch in batches[slot :: len(self.sessions)]:
                out[batch] = self._run(session, [encodings[i] for i in batch])

        with ThreadPoolExecutor(len(self.sessions)) as pool:
            list(pool.map(work, range(len(self.sessions))))
        return out


def token_batches(order: list[int], lengths: list[int], budget: int) -> list[list[int]]:
    """Consecutive runs of `order` (sorted by length) whose padded size stays in budget."""
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        if current and (len(current) + 1) * lengths[i] > budget:
            batches.append(current)
            current = []
        current.append(i)
    return [*batches, current] if current else batches


def sentence_texts(texts: list[str]) -> list[str]:
    """The sentences of the chunks, as the extractive answerer embeds them at query time."""
    import re

    found = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) >= 25]
    return found


def timed(embed: Callable[[list[str]], np.ndarray], texts: list[str], repeats: int) -> float:
    embed(texts[:32])  # warm-up
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        embed(texts)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


VARIANTS: dict[str, dict[str, Any]] = {
    "token budget 1024": {"tokens": 1024},
    "token budget 2048": {"tokens": 2048},
    "token budget 4096": {"tokens": 4096},
    "batch 1": {"batch": 1},
    "batch 2": {"batch": 2},
    "batch 4": {"batch": 4},
    "batch 8": {"batch": 8},
    "batch 16": {"batch": 16},
    "batch 32 (shipped)": {"batch": 32},
    "batch 64": {"batch": 64},
    "batch 128": {"batch": 128},
    "intra 1": {"intra": 1},
    "intra 2, inter 2, parallel": {"inter": 2, "parallel": True},
    "intra 2, no spinning": {"spin": False},
    "2 sessions x intra 1 on 2 threads": {"intra": 1, "sessions": 2},
    "2 sessions x intra 1, batch 16": {"intra": 1, "sessions": 2, "batch": 16},
    "2 sessions x intra 1, batch 8": {"intra": 1, "sessions": 2, "batch": 8},
    "2 sessions x intra 1, batch 4": {"intra": 1, "sessions": 2, "batch": 4},
    "batch 8, no spinning": {"batch": 8, "spin": False},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--chunks", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", help="variant names to run (substring match)")
    parser.add_argument("--sentences", action="store_true", help="embed sentences, not chunks")
    args = parser.parse_args()
    texts = corpus_texts(args.corpus, args.chunks)
    if args.sentences:
        texts = sentence_texts(texts)
    reference = MiniLMEmbedder().embed(texts)
    print(f"{len(texts)} chunks from {args.corpus}, median of {args.repeats} runs\n")
    print("| variant | seconds | chunks/s | min cosine vs shipped |\n| --- | --- | --- | --- |")
    shipped = MiniLMEmbedder()
    seconds = timed(shipped.embed, texts, args.repeats)  # type: ignore[arg-type]
    print(f"| MiniLMEmbedder as shipped | {seconds:.2f} | {len(texts) / seconds:.1f} | 1.000000 |")
    for name, options in VARIANTS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        variant = Variant(**options)
        seconds = timed(variant.embed, texts, args.repeats)
        cosine = float(np.min(np.sum(variant.embed(texts) * reference, axis=1)))
        print(f"| {name} | {seconds:.2f} | {len(texts) / seconds:.1f} | {cosine:.6f} |")


if __name__ == "__main__":
    main()
