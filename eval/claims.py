"""Score the support check on labelled claim–quote pairs (eval/adversarial/claims.jsonl).

    .venv/bin/python eval/claims.py [--index-root /tmp/assistant-eval] [--show]

Each pair is one answer sentence citing one verbatim quote, labelled supported or not by a
person reading the quote in its place. It goes through `citations.verify_draft` exactly as an
answer does, with the term statistics of its corpus's index (`assistant reindex` into
INDEX_ROOT first, only changes re-embedded). Prints how many unsupported claims get through
(false passes) and how many supported ones are removed (false drops), per kind of pair.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from all_sets import index_for  # noqa: E402

from assistant.answer.citations import Draft, ProposedQuote, verify_draft  # noqa: E402
from assistant.answer.verify import FileTexts  # noqa: E402
from assistant.index.chunkstore import ChunkStore  # noqa: E402
from assistant.index.manifest import read_manifest  # noqa: E402

CORPORA = {
    "adversarial": ROOT / "eval/adversarial/corpus",
    "narrativeqa": ROOT.parent / "shared/eval/narrativeqa/corpus",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=ROOT / "eval/adversarial/claims.jsonl")
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/assistant-eval"))
    parser.add_argument("--show", action="store_true", help="print every wrong verdict")
    parser.add_argument("--judge-host", help="also ask this Ollama-API server (terms+model)")
    parser.add_argument("--model", default="qwen2.5-coder:1.5b")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in args.pairs.read_text().splitlines() if line.strip()]
    tables = {}
    texts = {}
    for name in sorted({p["corpus"] for p in pairs}):
        corpus = CORPORA[name]
        index = index_for(corpus, args.index_root)
        manifest = read_manifest(index)
        assert manifest is not None, f"no index in {index}"
        tables[name] = ChunkStore.open(index / manifest.chunk_table)
        files = {f.name: f.read_text(encoding="utf-8") for f in corpus.iterdir() if f.is_file()}
        texts[name] = FileTexts(files)
    judge = _judge(args.judge_host, args.model) if args.judge_host else None
    tally: Counter[str] = Counter()
    for pair in pairs:
        draft = Draft(f"{pair['claim']} [1]", {1: ProposedQuote(pair["file"], pair["quote"])})
        name = pair["corpus"]
        verified = verify_draft(
            draft,
            texts[name],
            [pair["file"]],
            question=pair["question"],
            share=tables[name].share,
            judge=judge,
        )
        kept = not verified.abstained
        label = "supported" if pair["supported"] else "unsupported"
        right = kept == pair["supported"]
        tally[f"{label} {'right' if right else 'wrong'}"] += 1
        if args.show and not right:
            why = "; ".join(verified.why) or "kept"
            print(
                f"{pair['id']} ({label}) {pair['claim']!r}\n    quote: {pair['quote']!r}\n"
                f"    verdict: {why}"
            )
    supported = tally["supported right"] + tally["supported wrong"]
    unsupported = tally["unsupported right"] + tally["unsupported wrong"]
    print(f"pairs: {len(pairs)} ({supported} supported, {unsupported} unsupported)")
    print(f"false passes (unsupported kept): {tally['unsupported wrong']}/{unsupported}")
    print(f"false drops (supported removed): {tally['supported wrong']}/{supported}")


def _judge(host: str, model: str) -> Any:
    """The model's yes/no judgement, asked as the answer path asks it (`answer/judge.py`)."""
    import ollama

    from assistant.answer.judge import JUDGE_PREDICT, judge_prompt, judge_schema, read_verdict

    client = ollama.Client(host=host)
    options = {"temperature": 0, "num_predict": JUDGE_PREDICT}

    def judge(claim: str, evidence: list[str]) -> bool | None:
        messages = [{"role": "user", "content": judge_prompt(claim, evidence)}]
        reply = client.chat(model=model, messages=messages, options=options, format=judge_schema())
        return read_verdict(reply["message"]["content"])

    return judge


if __name__ == "__main__":
    main()
