"""Model replies kept for offline work: what the model read and what it wrote, and the same
reply parsed again by today's code — without asking the model again.

With `reply_log` set, each model answer appends one JSON line: the question (as the model was
asked it), the model, whether the reply was structured, the sources (each passage's chunk and
the sentence spans the prompt showed), the prompt and the raw reply. A checker change is then
judged in seconds over a whole run's replies:

    python -m assistant.answer.replay REPLIES.jsonl     # each reply's sentences, re-parsed
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
    args = parser.parse_args(argv)
    for logged in read_replies(args.replies):
        draft = reparse(logged)
        print(f"## {logged.question}  ({logged.model})")
        print(f"   reply: {' '.join(logged.reply.split())[:300]}")
        print(f"   draft: {draft.text if not draft.abstained else '(abstained)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
