"""The second judgement (`verify = "terms+model"`): the local model asked, for each sentence
the term check passes, whether the text its quotes stand in says it. Pure: the prompt and
the reading of the reply; the call is the service's.

The term check cannot see a swapped word the corpus uses often ("lifted" for "banned", "CEO"
for "vice president"); a model reading claim and quote side by side can. The reply is
constrained to `prompts/judge_schema.json`; a reply that is not a clear yes or no keeps the
sentence (the term check has passed it). The question is the plainest one that Qwen2.5-Coder
1.5B answered right on six claim–quote pairs (a first, longer prompt warning against added
facts made it answer "no" to right claims: "fell by 20%" over "a 20% drop").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from assistant.answer.prompts import render, template_file

JUDGE_PREDICT = 12  # tokens: {"answer": "no"} and a little slack


@cache
def judge_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(template_file("judge_schema.json"))
    return schema


def judge_prompt(claim: str, evidence: Sequence[str]) -> str:
    """The question put to the model: the claim, and where its quotes stand."""
    cited = "\n…\n".join(" ".join(text.split()) for text in evidence)
    return render("judge", claim=" ".join(claim.split()), evidence=cited)


def read_verdict(reply: str) -> bool | None:
    """True (supported), False (not), or None when the reply says neither clearly: the
    schema's {"answer": "yes"|"no"}, or a bare yes or no."""
    text = reply.strip()
    try:
        value = json.loads(text[text.find("{") : text.rfind("}") + 1] or "null")
    except ValueError:
        value = None
    said = value.get("answer") if isinstance(value, dict) else text
    said = str(said).strip().lower()
    if said.startswith("yes"):
        return True
    if said.startswith("no"):
        return False
    return None
