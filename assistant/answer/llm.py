"""The Ollama backend's pure half: building the prompt from passages, and parsing the reply
(answer with [n] markers, then a QUOTES: section) into a Draft for verification."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.citations import CANNOT_ANSWER, MARKER, Draft, ProposedQuote, split_markers
from assistant.prompts import render
from assistant.textnorm import terms
from assistant.types import Passage

QUOTES_HEADER = re.compile(r"^\s*\**\s*QUOTES\s*:?\s*\**\s*$", re.IGNORECASE | re.MULTILINE)
_QUOTE_LINE = re.compile(r"^\s*[-*]?\s*\[(\d{1,3})\]\s*[:\-–]?\s*(.+?)\s*$")
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_SOURCE_MARKER = re.compile(r"\[(?:source|src|doc)\s*(\d{1,3})\]", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?]*(?:[.!?]+|$)")


def format_sources(passages: Sequence[Passage]) -> str:
    blocks = []
    for n, passage in enumerate(passages, 1):
        also = sorted({c.file for c in passage.corroborating})
        note = f" (the same passage also appears in {', '.join(also)})" if also else ""
        blocks.append(f"[{n}] file {passage.chunk.file}{note}:\n{passage.chunk.text}")
    return "\n\n".join(blocks)


def answer_prompt(question: str, passages: Sequence[Passage]) -> str:
    return render(
        "answer",
        sources=format_sources(passages),
        question=question,
        cannot_answer=CANNOT_ANSWER,
    )


def visible_part(reply: str) -> str:
    """The part of a (possibly partial) reply to show while streaming: before QUOTES:."""
    reply = _THINK.sub("", reply)
    match = QUOTES_HEADER.search(reply)
    if match:
        return reply[: match.start()]
    last_newline = reply.rfind("\n")
    tail = reply[last_newline + 1 :].strip().upper().lstrip("*")
    if tail and "QUOTES:".startswith(tail[: len("QUOTES:")]):
        return reply[: last_newline + 1]
    return reply


def parse_reply(reply: str, passages: Sequence[Passage]) -> Draft:
    """Answer text and proposed quotes; each marker is tied to the quote (of its source)
    that best matches the sentence carrying it."""
    body, quotes = _split(_normalise(reply))
    if _is_abstention(body) and not MARKER.search(body):
        return Draft("", abstained=True)
    by_source: dict[int, list[str]] = {}
    for n, quote in quotes:
        by_source.setdefault(n, []).append(quote)
    text, proposals = _bind_markers(split_markers(body), by_source, passages)
    return Draft(text.strip(), proposals)


def _normalise(reply: str) -> str:
    """Drop a reasoning model's <think> block; `[Source 2]` / `[source 2]` → `[2]`."""
    reply = _THINK.sub("", reply)
    return _SOURCE_MARKER.sub(lambda m: f"[{m.group(1)}]", reply)


def _split(reply: str) -> tuple[str, list[tuple[int, str]]]:
    match = QUOTES_HEADER.search(reply)
    if not match:
        return reply.strip(), []
    quotes = []
    for line in reply[match.end() :].splitlines():
        found = _QUOTE_LINE.match(line)
        if found:
            quote = found.group(2).strip().strip("\"“”'‘’").strip()
            if quote:
                quotes.append((int(found.group(1)), quote))
    return reply[: match.start()].strip(), quotes


def _is_abstention(body: str) -> bool:
    flat = " ".join(body.split()).lower()
    return not flat or CANNOT_ANSWER.lower().rstrip(".") in flat


def _bind_markers(
    body: str, by_source: dict[int, list[str]], passages: Sequence[Passage]
) -> tuple[str, dict[int, ProposedQuote]]:
    proposals: dict[int, ProposedQuote] = {}
    ids: dict[tuple[int, str], int] = {}
    pieces = []
    for sentence in _SENTENCE.findall(body):
        sentence_terms = set(terms(MARKER.sub("", sentence)))

        def bind(match: re.Match[str], sentence_terms: set[str] = sentence_terms) -> str:
            source = int(match.group(1))
            options = by_source.get(source, [])
            if not options or not 1 <= source <= len(passages):
                return " [0]"  # no quote or no such source: removed during verification
            quote = max(options, key=lambda q: len(sentence_terms & set(terms(q))))
            key = (source, quote)
            if key not in ids:
                ids[key] = len(ids) + 1
                passage = passages[source - 1]
                proposals[ids[key]] = ProposedQuote(
                    passage.chunk.file,
                    quote,
                    passage.chunk.start,
                    tuple(c.file for c in passage.corroborating),
                )
            return f" [{ids[key]}]"

        pieces.append(MARKER.sub(bind, sentence))
    return "".join(pieces), proposals
