"""Model replies kept for offline work: what the model read and what it wrote, and the same
reply parsed again by today's code — without asking the model again.

With `reply_log` set, each model answer appends one JSON line: the question (as the model was
asked it), the model, whether the reply was structured, the sources (each passage's chunk and
the sentence spans the prompt showed), the prompt and the raw reply. A checker change is then
judged in seconds over a whole run's replies:

    python -m assistant.answer.replay REPLIES.jsonl     # each reply's sentences, re-parsed
    python -m assistant.answer.replay REPLIES.jsonl --corpus DIR --index DIR \
        [--gold GOLD.jsonl]     # ... and verified, and scored
        [--verify terms+model --ollama-host URL --model NAME]  # ... with the model's judgement
        [--auto]    # ... and an answer the model lost entirely answered as `auto` does

Verified, a reply goes through the answer path's own `_finish` (quotes located, sentences
checked) over that index; with `--gold`, each answer is scored as `assistant eval` scores
it. An answer the model lost entirely would fall back to the extractive one in `auto`; that
is counted apart ("left to the fallback"), or, with `--auto`, answered by the answer path's
own fallback over a fresh retrieval.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.answer.align import Span
from assistant.answer.citations import Draft
from assistant.answer.context import Source
from assistant.types import Chunk, Passage


@dataclass(frozen=True)
class LoggedReply:
    question: str
    model: str
    structured: bool
    sources: tuple[Source, ...]
    prompt: str
    reply: str


def log_reply(
    path: Path,
    model: str,
    question: str,
    sources: Sequence[Source],
    messages: list[dict[str, str]],
    structured: bool,
) -> None:
    """Append one answer's record to `path` (see the module's docstring); one write of one
    line, so answers logged by `batch --workers` at once do not interleave."""
    record = {
        "question": question,
        "model": model,
        "structured": structured,
        "sources": [_source_json(source) for source in sources],
        "prompt": messages[0]["content"],
        "reply": messages[-1]["content"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)
    finally:
        os.close(handle)


def _source_json(source: Source) -> dict[str, Any]:
    return {
        "n": source.n,
        "score": source.passage.score,
        "chunk": asdict(source.passage.chunk),
        "corroborating": [asdict(c) for c in source.passage.corroborating],
        "spans": [asdict(span) for span in source.spans],
    }


def read_replies(path: Path) -> Iterator[LoggedReply]:
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        sources = tuple(
            Source(
                int(s["n"]),
                Passage(
                    Chunk(**s["chunk"]),
                    float(s["score"]),
                    tuple(Chunk(**c) for c in s["corroborating"]),
                ),
                tuple(Span(**span) for span in s["spans"]),
            )
            for s in data["sources"]
        )
        yield LoggedReply(
            str(data["question"]),
            str(data["model"]),
            bool(data["structured"]),
            sources,
            str(data["prompt"]),
            str(data["reply"]),
        )


def reparse(logged: LoggedReply) -> Draft:
    """The logged reply parsed by today's code, as the answer path parses it."""
    from assistant.answer.llm import parse_json_reply, parse_text_reply

    parse = parse_json_reply if logged.structured else parse_text_reply
    return parse(logged.reply, list(logged.sources), logged.question)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replies", type=Path)
    parser.add_argument("--corpus", type=Path, help="verify over this corpus (with --index)")
    parser.add_argument("--index", type=Path)
    parser.add_argument("--gold", type=Path, help="gold questions to score the answers by")
    parser.add_argument("--verify", choices=["terms", "terms+model"], help="the verify setting")
    parser.add_argument("--ollama-host", help="the server `terms+model` asks (and --model)")
    parser.add_argument("--model")
    parser.add_argument("--auto", action="store_true", help="fall back as `--llm auto` does")
    args = parser.parse_args(argv)
    check = _verifier(args) if args.corpus and args.index else None
    gold = _gold(args.gold) if args.gold else {}
    tally: dict[str, int] = {}
    for logged in read_replies(args.replies):
        draft = reparse(logged)
        print(f"## {logged.question}  ({logged.model})")
        print(f"   reply: {' '.join(logged.reply.split())[:300]}")
        print(f"   draft: {draft.text if not draft.abstained else '(abstained)'}")
        if check is None:
            continue
        answer, fell_back = check(logged, draft)
        print(f"   shown: {answer.answer}")
        for sentence, why in zip(answer.unsupported_sentences, answer.removed_why, strict=False):
            print(f"   removed: {sentence}  ({why})")
        verdict = _verdict(answer, gold.get(" ".join(logged.question.split())), fell_back)
        print(f"   verdict: {verdict}")
        tally[verdict] = tally.get(verdict, 0) + 1
    if tally:
        print("## " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.items())))
    return 0


def _verifier(args: argparse.Namespace) -> Any:
    """The answer path's verification over `args.index`, as a function of a logged reply."""
    from assistant.config import load_settings
    from assistant.service import Assistant

    settings = load_settings(
        corpus=args.corpus,
        index=args.index,
        verify=args.verify,
        ollama_host=args.ollama_host,
        model=args.model,
    )
    assistant = Assistant(settings)
    engine = assistant._engine

    def check(logged: LoggedReply, draft: Draft) -> Any:
        from assistant.answer.llm import parse_json_reply, parse_text_reply

        parse = parse_json_reply if logged.structured else parse_text_reply
        share = engine.retriever.table.share
        draft = parse(logged.reply, list(logged.sources), logged.question, share)
        passages = [source.passage for source in logged.sources]
        backend = ("ollama", "replayed")
        timings: dict[str, float] = {}
        answer = assistant._finish(engine, logged.question, draft, passages, backend, [], timings)
        fell_back = args.auto and answer.abstained and not draft.abstained
        if fell_back:
            found = engine.retriever.search(logged.question, settings.top_k)
            steps = assistant._when_nothing_survived(
                engine, logged.question, found, answer, "ollama", "auto", [], timings
            )
            try:
                while True:
                    next(steps)
            except StopIteration as done:
                answer = done.value
            print(f"   fallback: {answer.backend.llm}; {'; '.join(answer.warnings[-1:])}")
        if timings.get("judged"):
            print(f"   judged: {timings['judged']:.0f} sentence(s) in {timings['judge']:.0f} ms")
        return answer, fell_back

    return check


def _gold(path: Path) -> dict[str, Any]:
    from assistant.evaluation.scoring import GoldQuestion

    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return {" ".join(r["question"].split()): GoldQuestion.from_json(r) for r in records}


def _verdict(answer: Any, gold: Any, fell_back: bool = False) -> str:
    """How the answer fares: "abstained" (left to the fallback, unless `fell_back`: the
    fallback ran and abstained too), or against the gold question, "correct" or "wrong", or
    "shown" when there is no gold."""
    if answer.abstained and fell_back:
        return "abstained (wrong)" if gold is not None and gold.answerable else "abstained (right)"
    if answer.abstained:
        return "left to the fallback" if gold is None or gold.answerable else "abstained (right)"
    if gold is None:
        return "shown"
    if not gold.answerable:
        return "answered an unanswerable question"
    from assistant.evaluation.scoring import wording_reasons

    return "wrong" if wording_reasons(gold, answer.answer) else "correct"


if __name__ == "__main__":
    raise SystemExit(main())
