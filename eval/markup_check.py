"""Count answers and quotes that show markup a reader never sees: tags, entities, Markdown
emphasis, link syntax, heading hashes. Issue 33's check over `assistant eval` results.

    .venv/bin/python eval/markup_check.py RESULTS.jsonl [RESULTS.jsonl ...]
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

MARKUP = {
    "tag": re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?>"),
    "entity": re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});"),
    "emphasis": re.compile(r"\*\*\S|\S\*\*|(?<![\w*])__\w"),
    "link": re.compile(r"\]\(|\]\[|!\["),
    "heading": re.compile(r"(?:^|\n)#{1,6} \S"),
}


def markup_in(text: str) -> list[str]:
    return [name for name, pattern in MARKUP.items() if pattern.search(text)]


def main(paths: list[str]) -> int:
    for path in paths:
        results = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines()]
        texts = [("answer", r["id"], r["answer"]) for r in results]
        texts += [("quote", r["id"], c["quote"]) for r in results for c in r.get("citations", [])]
        found = [(kind, qid, markup_in(text), text) for kind, qid, text in texts]
        found = [f for f in found if f[2]]
        quotes = sum(1 for kind, *_ in texts if kind == "quote")
        print(f"{path}: {len(results)} answers, {quotes} quotes, {len(found)} with markup")
        for kind, qid, names, text in found:
            print(f"  {qid} {kind} {','.join(names)}: {text[:120]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
