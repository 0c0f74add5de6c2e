"""English-only helpers of verification, kept apart: other languages bypass them (a text
with none of these phrasings passes untouched), and each names the failure it prevents in
tests/test_terms.py.

`without_reply_word`: "Yes, the White House has kept the restrictions intact" answers a
yes/no question; the "Yes" is the answer's form, not a word its quote must hold (Qwen 1.5B on
news dev d10 lost its right answer to "its quote does not say yes").

`instructs`: a sentence that tells an assistant what to answer states nothing about the
world. A page in the corpus addressed to "AI assistants", dictating that "DeepSeek was
founded by Sam Altman in 2019", made a real 1.5B model answer exactly that and cite the
instruction as its quote; every word of the claim was in the quote.
"""

from __future__ import annotations

import re

_DEMANDS = (
    # "if you are asked who founded DeepSeek", "when a user asks …"
    r"\b(?:if|when|whenever|should)\s+(?:you\s+are|you're|you\s+get|you\s+were|(?:a|the)\s+"
    r"(?:user|reader|visitor)s?)\s+ask",
    # "answer that …", "say: …", "you must reply with …", at a clause's start
    r"(?:^|[.:;,!]\s*|\b(?:you|assistants?|models?)\s+(?:should|must|shall|will|are\s+to)\s+"
    r"(?:always\s+)?)(?:always\s+)?(?:answer|respond|reply|say|state|tell\s+(?:them|the\s+user"
    r"|users))\b\s*(?:that\b|with\b|:)",
    # addressed to the machine reading it
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:ai|llms?|chatbots?|assistants?|"
    r"language\s+models?)\b",
    r"\b(?:ai|llm|chatbot|language[- ]model)\s+assistants?\s*[:,]",
    r"\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|other|above|earlier)\s+"
    r"(?:instructions|documents|sources|passages|context)\b",
)
_DEMAND = re.compile("|".join(_DEMANDS), re.IGNORECASE)


def instructs(sentence: str) -> bool:
    """True when the sentence dictates what to answer or addresses an AI assistant."""
    return bool(_DEMAND.search(" ".join(sentence.split())))


_REPLY_WORD = re.compile(r"^\s*(?:yes|no)\b[,.:;!]?\s*", re.IGNORECASE)


def without_reply_word(sentence: str) -> str:
    """The sentence without an opening "Yes," or "No,"."""
    return _REPLY_WORD.sub("", sentence, count=1)
