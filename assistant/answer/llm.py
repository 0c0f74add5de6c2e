"""The Ollama backend's pure half: the prompt, and the reply turned into a Draft.

Two reply formats. Where the server can constrain decoding to a JSON schema (Ollama ≥ 0.5),
the model fills `prompts/answer_schema.json`: a list of sentences, each written first and then
given the number of its source and the quote that supports it (a 1.5B model that copies a
quote first then answers from whatever sentence it copied, often the wrong one). Elsewhere
it writes text with `[n]` markers and a QUOTES: section (`prompts/answer.md`).

Replies are taken as real small models write them: markers as `[Source 2]`, `(2)` or
`【2】`, several sources in one marker, quotes with slips (aligned to the passage's own
sentence), sentences without markers (attributed to the passage sentence that supports
them, or dropped). What survives still goes through verification (`citations`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from assistant.answer.align import align_quote, attribute, is_verbatim
from assistant.answer.citations import CANNOT_ANSWER, MARKER, Draft, ProposedQuote, split_markers
from assistant.answer.context import Source
from assistant.answer.prompts import render, template_file
from assistant.answer.support import asked_runs, names_asked, unmentioned
from assistant.answer.terms import Share, lacking, share_in
from assistant.index.chunking import document_title
from assistant.text.sentences import split_sentences
from assistant.text.textnorm import terms

QUOTES_HEADER = re.compile(
    r"^\s*[#*_]*\s*(?:QUOTES?|Quotations|Supporting quotes|Evidence)\s*:?\s*[*_]*\s*:?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_LINE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\[(\d{1,3})\]|\((\d{1,3})\)|(\d{1,3})[.)]|source\s+(\d{1,3}))"
    r"\s*[:\-–]?\s*(?:\(?[\w.\-]+\.(?:txt|md|pdf|html?)\)?\s*[:\-–]?\s*)?(.+?)\s*$",
    re.IGNORECASE,
)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_OTHER_MARKERS = (
    re.compile(r"\[\s*(?:source|src|doc|document|passage)\s*#?(\d{1,3})\s*\]", re.IGNORECASE),
    re.compile(r"\(\s*(?:source|src|doc|document|passage)\s*#?(\d{1,3})\s*\)", re.IGNORECASE),
    re.compile(r"【\s*(\d{1,3})\s*】"),
    re.compile(r"(?<=[\w.,;:!?\"”’)])\s?\((\d{1,2})\)(?=[\s.,;:!?]|$)"),
)
_NO_ANSWER = re.compile(
    r"\b(?:corpus|sources?|passages?|documents?|context|text)\s+(?:does|do)\s+not\s+"
    r"(?:say|contain|mention|state|provide|specify)|\bno information\b|\bnot (?:mentioned|stated)"
    r"\b|\bcannot (?:be )?(?:answer|determine)",
    re.IGNORECASE,
)


# --- the prompt ------------------------------------------------------------------------------


def format_sources(sources: Sequence[Source]) -> str:
    blocks = []
    for source in sources:
        also = sorted({c.file for c in source.passage.corroborating})
        note = f" (the same passage also appears in {', '.join(also)})" if also else ""
        blocks.append(f"[{source.n}] file {source.passage.chunk.file}{note}:\n{source.text}")
    return "\n\n".join(blocks)


def answer_prompt(question: str, sources: Sequence[Source], structured: bool) -> str:
    """The prompt; it says which names of the question no passage mentions (a small model
    answers "Who kills the Wieroo king?" from a passage about another king otherwise)."""
    absent = absent_note(question, sources)
    if structured:
        return render(
            "answer_json", sources=format_sources(sources), question=question, absent=absent
        )
    return render(
        "answer",
        sources=format_sources(sources),
        question=question,
        cannot_answer=CANNOT_ANSWER,
        absent=absent,
    )


def absent_note(question: str, sources: Sequence[Source]) -> str:
    """' No source mentions Wieroo, …' when none of the question's names is mentioned in the
    retrieved passages (whole, not only the sentences shown, and their file names); empty
    when any is."""
    texts = [s.passage.chunk.text for s in sources]
    texts += [document_title(s.passage.chunk.file.replace("/", "_")) for s in sources]
    names = unmentioned(question, texts)
    if not names or len(names) < len(asked_runs(question, names_asked(question))):
        return ""  # one name found is enough: "V3" may be "the model" in what was retrieved
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"\nNo source mentions {listed}, so the sources do not answer this question."


@cache
def answer_schema() -> dict[str, Any]:
    """The JSON schema a structured reply must follow (sent as Ollama's `format`)."""
    schema: dict[str, Any] = json.loads(template_file("answer_schema.json"))
    return schema


# --- streaming view --------------------------------------------------------------------------


def visible_part(reply: str) -> str:
    """The part of a partial text reply to show while streaming: before QUOTES:."""
    reply = _THINK.sub("", reply)
    match = QUOTES_HEADER.search(reply)
    if match:
        return reply[: match.start()]
    last_newline = reply.rfind("\n")
    tail = reply[last_newline + 1 :].strip().upper().lstrip("*#_ ")
    if tail and "QUOTES:".startswith(tail[: len("QUOTES:")]):
        return reply[: last_newline + 1]
    return reply


_COMPLETE_TEXT = re.compile(r'"text"\s*:\s*"((?:[^"\\]|\\.)*)"')


def visible_json(reply: str) -> str:
    """The answer sentences of a partial JSON reply that are complete so far."""
    shown = []
    for match in _COMPLETE_TEXT.finditer(reply):
        try:
            shown.append(json.loads(f'"{match.group(1)}"').strip())
        except ValueError:
            continue
    return " ".join(s for s in shown if s)


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """One answer sentence as the model wrote it, with the sources and quotes it names."""

    text: str
    sources: tuple[int, ...] = ()
    quotes: tuple[str, ...] = ()


def parse_json_reply(
    reply: str, sources: Sequence[Source], question: str = "", share: Share | None = None
) -> Draft:
    """A Draft from a structured reply; a reply cut off mid-way keeps its complete sentences.
    `share`: how common a term is in the corpus (`terms.Share`), to judge which passage
    sentence holds a claim; counted over the sources when not given."""
    items = _json_items(_THINK.sub("", reply))
    if items is None:
        return parse_text_reply(reply, sources, question, share)
    claims = []
    bounds = answer_schema()["properties"]["sentences"]["items"]["properties"]
    longest, longest_quote = (bounds[k].get("maxLength", 10**6) for k in ("text", "quote"))
    for item in items:
        if len(str(item.get("text") or "")) >= longest:
            continue  # cut off mid-word by the schema's bound: not a sentence to show
        text = _tidy(str(item.get("text") or ""))
        quote = str(item.get("quote") or "")
        if len(quote) >= longest_quote:  # cut off by the bound: its last word may be part
            quote = quote.rsplit(maxsplit=1)[0]
        quote = quote.strip().strip('"“”')
        source = item.get("source")
        number = source if isinstance(source, int) else _first_int(source)
        if text:
            claims.append(Claim(text, (number,) if number else (), (quote,) if quote else ()))
    if not claims or all(_is_abstention(c.text) for c in claims):
        return Draft("", abstained=True)
    return _bind(claims, sources, question, share)


def _json_items(reply: str) -> list[dict[str, Any]] | None:
    start = reply.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(reply[start:])
    except ValueError:
        data = _salvage(reply[start:])
    if isinstance(data, dict):
        items = data.get("sentences", data.get("answer"))
        if isinstance(items, list):
            return [i for i in items if isinstance(i, dict)]
    return None


_ITEM = re.compile(r"\{[^{}]*\}")


def _salvage(cut_off: str) -> dict[str, Any] | None:
    """The complete sentence objects of a JSON reply that ran out of tokens."""
    items = []
    for match in _ITEM.finditer(cut_off):
        try:
            items.append(json.loads(match.group()))
        except ValueError:
            continue
    return {"sentences": items} if items else None


def _first_int(value: Any) -> int | None:
    found = re.search(r"\d{1,3}", str(value or ""))
    return int(found.group()) if found else None


def parse_text_reply(
    reply: str, sources: Sequence[Source], question: str = "", share: Share | None = None
) -> Draft:
    """A Draft from a text reply: answer with markers, then (perhaps) a QUOTES: section."""
    body, quote_lines = _split(_normalise(reply))
    if (_is_abstention(body) and not MARKER.search(body)) or not body.strip():
        return Draft("", abstained=True)
    by_source: dict[int, list[str]] = {}
    for n, quote in quote_lines:
        by_source.setdefault(n, []).append(quote)
    claims = []
    body = split_markers(body)
    for start, end in split_sentences(body):
        sentence = body[start:end]
        numbers = tuple(dict.fromkeys(int(n) for n in MARKER.findall(sentence)))
        text = _tidy(MARKER.sub("", sentence))
        if not text or not any(c.isalnum() for c in text):
            continue
        sentence_terms = set(terms(text))
        quotes = tuple(
            max(by_source[n], key=lambda q: len(sentence_terms & set(terms(q))))
            for n in numbers
            if by_source.get(n)
        )
        claims.append(Claim(text, numbers, quotes))
    return _bind(claims, sources, question, share)


def _tidy(text: str) -> str:
    """One space between words and none before punctuation (markers removed leave gaps)."""
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split()))


def _normalise(reply: str) -> str:
    """Drop a reasoning model's <think> block; other marker spellings → `[n]`."""
    reply = _THINK.sub("", reply)
    for pattern in _OTHER_MARKERS:
        reply = pattern.sub(lambda m: f" [{m.group(1)}]", reply)
    return reply


def _split(reply: str) -> tuple[str, list[tuple[int, str]]]:
    match = QUOTES_HEADER.search(reply)
    if not match:
        return reply.strip(), []
    quotes = []
    for line in reply[match.end() :].splitlines():
        found = _QUOTE_LINE.match(line)
        if found:
            number = next(g for g in found.groups()[:4] if g)
            quote = found.group(5).strip().strip("\"“”'‘’").strip()
            if quote:
                quotes.append((int(number), quote))
    return reply[: match.start()].strip(), quotes


def _is_abstention(body: str) -> bool:
    flat = " ".join(body.split()).lower()
    return (
        not flat
        or CANNOT_ANSWER.lower().rstrip(".") in flat
        or (bool(_NO_ANSWER.search(flat)) and len(flat) < 200)
    )


def _bind(
    claims: Sequence[Claim], sources: Sequence[Source], question: str, share: Share | None
) -> Draft:
    """Marked answer text and what each marker quotes, sentence by sentence of each claim. A
    claim's quote is kept for a sentence when it holds the sentence's facts and is verbatim,
    aligned to its source's sentence when it is a slipped copy, and looked for in the sentences
    of its sources (then of all sources) when it is missing; a claim with nothing left gets a
    dead marker, removed (and counted) during verification."""
    quotes: dict[int, ProposedQuote] = {}
    ids: dict[tuple[str, int, str], int] = {}
    pieces = []
    said: set[str] = set()
    for claim in claims:
        # each sentence of a claim is bound and checked on its own: a small model's "text"
        # may hold several ("X is the vice president of … . He thinks …") over one quote
        for start, end in split_sentences(claim.text) or [(0, len(claim.text))]:
            text = claim.text[start:end].strip()
            if not any(c.isalnum() for c in text) or text.lower() in said:
                continue  # a small model repeating itself
            said.add(text.lower())
            markers = []
            sentence = Claim(text, claim.sources, claim.quotes)
            for proposed in _proposals(sentence, sources, question, share):
                key = (proposed.file, proposed.near, proposed.quote)
                if key not in ids:
                    ids[key] = len(ids) + 1
                    quotes[ids[key]] = proposed
                markers.append(f"[{ids[key]}]")
            ending = ""
            if text[-1] in ".!?":
                text, ending = text[:-1], text[-1]
            pieces.append(f"{text} {''.join(markers) or '[0]'}{ending or '.'}")
    return Draft(" ".join(pieces), quotes)


def _proposals(
    claim: Claim, sources: Sequence[Source], question: str, share: Share | None
) -> list[ProposedQuote]:
    cited = [sources[n - 1] for n in claim.sources if 1 <= n <= len(sources)]
    found = []
    for quote in claim.quotes:
        proposed = _placed_quote(quote, cited or sources)
        if proposed:
            found.append(proposed)
    share = share or share_in([s.passage.chunk.text for s in sources])
    if found and not lacking(claim.text, [_place(p, sources) for p in found], share):
        return found
    # No quote, a paraphrase of the sources, or a real quote that does not hold the
    # sentence's facts (the model cited the wrong sentence): look for the passage sentence
    # that does. A quote whose words the sources mostly lack is made up: no second chance.
    made_up = bool(claim.quotes) and not found and not _paraphrase(claim.quotes[0], sources)
    for pool in (cited, sources) if not made_up else ():
        if pool:
            pool_texts = [s.passage.chunk.text for s in pool]
            attributed = attribute(claim.text, pool_texts, question, share)
            if attributed:
                index, span = attributed
                return [_proposal(pool[index], span.text, span.start, "attributed")]
    if claim.quotes and not found:
        # A quote in none of the sources, and no passage sentence holds the claim (made up,
        # or an injected quote): verification looks for it in the corpus and drops it, with
        # its sentence, if it is nowhere.
        pool = cited or sources
        return [_proposal(pool[0], q, 0, "exact") for q in claim.quotes[:1] if pool]
    return found  # if any, verification removes the sentence and counts it


PLACE_CHARS = 250  # passage text before a quote that may name its "he" or "the company"


def _place(proposed: ProposedQuote, sources: Sequence[Source]) -> str:
    """A proposed quote with the passage text just before it, where its "he" is named."""
    for source in sources:
        chunk = source.passage.chunk
        at = chunk.text.find(proposed.quote)
        if chunk.file == proposed.file and at >= 0:
            return chunk.text[max(0, at - PLACE_CHARS) : at + len(proposed.quote)]
    return proposed.quote


# A quote whose content words stand in the sources at least this much is a paraphrase.
MIN_PARAPHRASE_TERMS = 0.6


def _paraphrase(quote: str, sources: Sequence[Source]) -> bool:
    wanted = set(terms(quote))
    held = set(terms(" ".join(s.passage.chunk.text for s in sources)))
    return bool(wanted) and len(wanted & held) / len(wanted) >= MIN_PARAPHRASE_TERMS


def _placed_quote(quote: str, pool: Sequence[Source]) -> ProposedQuote | None:
    for source in pool:
        if is_verbatim(quote, source.passage.chunk.text):
            return _proposal(source, quote, 0, "exact")
    for source in pool:
        span = align_quote(quote, source.passage.chunk.text)
        if span is not None:
            return _proposal(source, span.text, span.start, "aligned")
    return None


def _proposal(source: Source, quote: str, offset: int, how: str) -> ProposedQuote:
    passage = source.passage
    return ProposedQuote(
        passage.chunk.file,
        quote,
        passage.chunk.start + offset,
        tuple(c.file for c in passage.corroborating),
        how,
    )
