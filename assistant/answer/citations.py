"""Turning a backend's draft into a trustworthy answer (pure).

Every quote is checked against the file it cites; a quote found only in another file is
re-attributed to it, a quote found nowhere is dropped and counted, a marker with no verified
quote is removed, a claim whose markers all failed is removed, and an answer left with no
verified citation becomes an abstention. Markers are renumbered 1..n in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.answer.align import sentence_spans
from assistant.answer.answer_types import (
    AGE,
    DATE,
    MONEY,
    PERCENT,
    QUANTITY,
    TIME,
    VERSION,
    YEAR,
    answer_types,
    holds_asked_kind,
)
from assistant.answer.followup import split_question
from assistant.answer.messages import ENGLISH, MESSAGES
from assistant.answer.support import (
    asked_runs,
    asks,
    names_asked,
    off_topic,
    ordinary_words,
    repeats_itself,
    restates,
    subjects_asked,
)
from assistant.answer.terms import Share, lacking, share_in
from assistant.answer.verify import FileTexts, FindFiles, locate_anywhere, locate_in, no_other_files
from assistant.index.chunking import document_title
from assistant.text.english import REFERS_ANYWHERE, instructs, without_reply_word
from assistant.types import Citation

CANNOT_ANSWER = MESSAGES[ENGLISH]["cannot_answer"]  # in another language: messages.py
Judge = Callable[[str, list[str]], "bool | None"]
"""A second judge of a sentence the checks pass: (claim, where its quotes stand) → supported,
not, or None (no clear verdict: kept). `verify = "terms+model"` asks the local model."""
# What an answer says of a part of the question nothing answers; the assistant's, not a claim.
PART_UNANSWERED = "(Nothing in the corpus answers “{part}”)"
_PART_UNANSWERED = re.compile(r"\(Nothing in the corpus answers “[^”]*”\)")
MARKER = re.compile(r"\s?\[(\d{1,3})\]")


def _numbers(piece: str) -> list[int]:
    """The source numbers of the markers in `piece`."""
    return [int(n) for n in MARKER.findall(piece)]


_MULTI_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})+)\]")


@dataclass(frozen=True)
class ProposedQuote:
    """A backend's claim that `quote` stands in `file` (near offset `near`)."""

    file: str
    quote: str
    near: int = 0
    corroborating: tuple[str, ...] = ()
    how: str = "exact"  # "exact", "aligned" (a slipped copy) or "attributed" (found for it)


@dataclass
class Draft:
    """Answer text with `[n]` markers, and what each marker claims to quote."""

    text: str
    quotes: dict[int, ProposedQuote] = field(default_factory=dict)
    abstained: bool = False


@dataclass(frozen=True)
class Verified:
    text: str
    abstained: bool
    citations: tuple[Citation, ...]
    dropped_quotes: int
    reattributed: int
    removed_claims: int
    unsupported: tuple[str, ...] = ()  # sentences removed: their facts are not in their quotes
    why: tuple[str, ...] = ()  # for each of `unsupported`, what its quotes lack
    unbacked: tuple[str, ...] = ()  # the terms of removed sentences their quotes did not hold


def split_markers(text: str) -> str:
    """`[1, 2]` → `[1][2]`, so every marker names one source."""
    return _MULTI_MARKER.sub(
        lambda m: "".join(f"[{n.strip()}]" for n in m.group(1).split(",")), text
    )


_BARE_MARKER = re.compile(r"\[(\d{1,3})\]")


def neutralise_quoted_markers(draft: Draft) -> Draft:
    """In a draft whose text repeats its quotes (the extractive backend), a `[n]` that the
    document itself contains becomes `(n)`, so it cannot pass for one of our citations."""
    text = draft.text
    for proposed in draft.quotes.values():
        if _BARE_MARKER.search(proposed.quote):
            text = text.replace(proposed.quote, _BARE_MARKER.sub(r"(\1)", proposed.quote))
    return Draft(text, draft.quotes, draft.abstained)


def verify_draft(
    draft: Draft,
    texts: FileTexts,
    retrieved_files: list[str],
    find_files: FindFiles = no_other_files,
    question: str = "",
    share: Share | None = None,
    judge: Judge | None = None,
) -> Verified:
    """Check every quote of the draft against the files, then every sentence against its
    quotes (`terms.lacking`); see the module docstring. A quote not in its cited
    file is looked for in the retrieved files, then the files that corroborate it, then the
    few files `find_files` proposes (the full-text index). `share` says how common a term is
    in the corpus (`terms.Share`: the index's statistics); without it, it is counted over the
    paragraphs of the files at hand."""
    if draft.abstained:
        return Verified(CANNOT_ANSWER, True, (), 0, 0, 0)
    text = split_markers(draft.text)
    located: dict[int, Citation] = {}
    dropped = reattributed = 0
    for n, proposed in sorted(draft.quotes.items()):
        if f"[{n}]" not in text:
            continue
        found = locate_in(texts, proposed.file, proposed.quote, proposed.near)
        if found is None:
            # (the cited file again, cheaply: so that `find_files` does not propose it)
            preferred = [proposed.file, *retrieved_files, *proposed.corroborating]
            found = locate_anywhere(
                texts, proposed.quote, list(dict.fromkeys(preferred)), find_files
            )
            if found is None:
                dropped += 1
                continue
            reattributed += 1
        located[n] = Citation(
            n,
            found.file,
            found.quote,
            found.start,
            found.end,
            tuple(f for f in proposed.corroborating if f != found.file),
            proposed.how,
        )
    text, unquoted = _drop_unsupported_claims(text, set(located))
    evidence = {n: _evidence(texts, c) for n, c in located.items()}
    about = {n: _about(texts, c, evidence[n]) for n, c in located.items()}
    ordinary = _ordinary(texts, located, question)
    subjects = subjects_asked(question, texts.names())
    places = {n: _place(texts, c) for n, c in located.items()}
    if share is None:  # paragraphs of the files at hand stand in for the index's chunks
        files = dict.fromkeys([*retrieved_files, *(c.file for c in located.values())])
        share = share_in([p for f in files for p in (texts.text(f) or "").split("\n\n")])
    text, unsupported, why, unbacked = _drop_unbacked_sentences(
        text, located, question, places, about, ordinary, subjects, share, judge
    )
    text, beside, beside_why = _drop_beside_the_question(text, located, question)
    unsupported, why = (*unsupported, *beside), (*why, *beside_why)
    removed = len(unquoted)
    unsupported = (*unquoted, *unsupported)
    why = (*(UNQUOTED for _ in unquoted), *why)
    text, citations = _renumber(text, located)
    if not citations:
        return Verified(
            CANNOT_ANSWER, True, (), dropped, reattributed, removed, unsupported, why, unbacked
        )
    return Verified(
        text.strip(), False, citations, dropped, reattributed, removed, unsupported, why, unbacked
    )


def _units(text: str) -> list[tuple[str, str]]:
    """The answer's marked sentences, each with the unmarked text before it, which is its:
    "… added to the U.S." of a sentence cut at an abbreviation, an extractive quote before
    its " [1]", or a sentence a model's broken reply ran into the next one. Text after the
    last marker comes last, with an empty sentence."""
    units: list[tuple[str, str]] = []
    before: list[str] = []
    for piece in re.split(r"(?<=[.!?\]])\s+", text):
        if MARKER.search(piece):
            units.append((" ".join(before), piece))
            before = []
        else:
            before.append(piece)
    if before:
        units.append((" ".join(before), ""))
    return units


CONTEXT_CHARS = 400  # text before a quote that may name its "he" or "the company"
AFTER_CHARS = 200  # text after it, within its paragraph: `“…,” Amodei wrote about DeepSeek.`


def _file_words(name: str, text: str) -> str:
    """A cited file's name and title as evidence of what it is about ("base-passwd_README.txt":
    the base-passwd package; "Users and Groups in the Debian System": Debian), as written and
    as `chunking.document_title` reads them."""
    first_line = text.lstrip().split("\n", 1)[0]
    return f"{name} {document_title(name.replace('/', '_'), first_line)}"


def _ordinary(
    texts: FileTexts, located: dict[int, Citation], question: str
) -> dict[int, frozenset[str]]:
    """The lower-case words of each quote's document (`support.ordinary_words`), read once a
    file and only when the question names something in several words: no other name needs
    them."""
    if not any(len(run) > 1 for run in asked_runs(question, names_asked(question))):
        return {}
    files = {c.file for c in located.values()}
    vocabulary = {f: ordinary_words(texts.text(f) or "") for f in files}
    return {n: vocabulary[c.file] for n, c in located.items()}


def _evidence(texts: FileTexts, citation: Citation) -> str:
    text = texts.text(citation.file) or ""
    after = text[citation.end : citation.end + AFTER_CHARS].split("\n\n", 1)[0]
    return text[max(0, citation.start - CONTEXT_CHARS) : citation.end] + after


def _about(texts: FileTexts, citation: Citation, evidence: str) -> str:
    """What a quote is about, for the off-topic check: its document's name and title, the
    headings it stands under, and the whole sentence it stands in
    ("Founded in 2023, DeepSeek's announcement …" is about DeepSeek), or the text around it
    (its `evidence`) when that sentence refers back ("He advertises …") or is speech, whose
    speaker is named before or after it (“…,” Steinhauer asserted). A sentence that names its own
    subject is about that subject, whatever the text around it names: "On February 12th,
    the US government attempted …" is not about the Dario Amodei named in the paragraph
    before it."""
    text = texts.text(citation.file) or ""
    low = max(0, citation.start - CONTEXT_CHARS)
    region = text[low : citation.end + AFTER_CHARS]
    start, end = citation.start - low, citation.end - low
    for span in sentence_spans(region):
        if span.start < end and span.end > start:
            start, end = min(start, span.start), max(end, span.end)
    own = region[start:end]
    said = evidence if REFERS_ANYWHERE.search(own) else own
    return f"{said}\n{_file_words(citation.file, text)} {_headings(texts, citation)}"


def _place(texts: FileTexts, citation: Citation) -> tuple[str, str]:
    """Where a quote stands: the sentence(s) it is part of with the sentence before them (a
    "he" or "the company" is named there), and its document's name, title and the headings
    it stands under."""
    text = texts.text(citation.file) or ""
    low = max(0, citation.start - CONTEXT_CHARS)
    region = text[low : citation.end + AFTER_CHARS]
    start, end = citation.start - low, citation.end - low
    spans = sentence_spans(region)
    inside = [i for i, span in enumerate(spans) if span.start < end and span.end > start]
    if inside:
        first = max(0, inside[0] - 1)
        own = " ".join(span.text for span in spans[inside[0] : inside[-1] + 1])
        around = " ".join(span.text for span in spans[first : inside[-1] + 1])
    else:
        own = around = citation.quote
    return own, f"{around}\n{_file_words(citation.file, text)} {_headings(texts, citation)}"


def place_of(texts: FileTexts, citation: Citation) -> str:
    """Where a verified quote stands, as the term check reads it (`_place`): its sentence(s)
    with the one before, its document's name, title and the headings over it."""
    return _place(texts, citation)[1]


def _headings(texts: FileTexts, citation: Citation) -> str:
    """The headings a quote stands under, as a reader sees them over it ("Linux/Unix" over
    "1. Automatic installer" over the command): what its section is about. One line, like
    the document's name and title it is given with."""
    return " › ".join(" ".join(h.split()) for h in texts.headings(citation.file, citation.start))


def _text_of(place: str) -> str:
    """A quote's place without its document's name, title and headings (what a judge reads)."""
    return place.rsplit("\n", 1)[0]


# A quote whose own sentence asks something states nothing (in any script's question mark).
_ASKS = re.compile(r"[?\uff1f\u061f]\s*[\"'\u201d\u2019)\]]*\s*$")


def _states_nothing(own: str) -> str:
    """Why a quote's sentence `own` backs no claim, or "": it asks, or it instructs."""
    if instructs(own):
        return "its quote is an instruction to whoever reads it, not a statement"
    if _ASKS.search(own):
        return "its quote asks a question rather than stating anything"
    return ""


def _drop_unbacked_sentences(
    text: str,
    located: dict[int, Citation],
    question: str,
    places: dict[int, tuple[str, str]],
    about: dict[int, str],
    ordinary: dict[int, frozenset[str]],
    subjects: frozenset[str],
    share: Share,
    judge: Judge | None = None,
) -> tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Remove marked sentences that loop (`support.repeats_itself`), those that cite only
    quotes stating nothing (an instruction, a question), those whose terms the places their
    quotes stand in do not hold (`terms.lacking`), and those whose quotes are `about` nothing
    the question names (`support.off_topic`; `ordinary`: the lower-case words of each
    quote's document), and those that only restate the question (`support.restates`).
    Returns the text left, the sentences removed and, for each, why, and the terms that
    removed sentences said and their quotes did not."""
    kept: list[str] = []
    removed: list[str] = []
    why: list[str] = []
    unbacked: list[str] = []
    for before, piece in _units(text):
        numbers = [n for n in _numbers(piece) if n in located]
        quotes = [located[n].quote for n in numbers]
        topics = [about[n] for n in numbers if n in about]
        lower = frozenset().union(*(ordinary[n] for n in numbers if n in ordinary))
        claim = MARKER.sub("", piece)
        whole = f"{before} {claim}".strip()
        if not quotes:
            kept.extend([before, piece])  # `_drop_unsupported_claims` has judged these
            continue
        empty = [reason for n in numbers if (reason := _states_nothing(places[n][0]))]
        said = without_reply_word(_PART_UNANSWERED.sub("", whole).strip())
        missing = lacking(said, [places[n][1] for n in numbers], share)
        if repeats_itself(claim):
            why.append("it repeats itself (the model looped)")
        elif len(empty) == len(numbers):
            why.append(empty[0])
        elif missing:
            why.append(f"its quote does not say {missing.describe()}")
            unbacked.extend(missing.anchors or missing.thin)
        elif off_topic(question, topics, lower, subjects):
            why.append("its quote is not about what the question names")
        elif question and restates(question, whole):
            why.append("it only restates the question")
        elif asks(whole, quotes):
            why.append("it asks a question rather than answering")
        elif judge is not None and judge(said, [_text_of(places[n][1]) for n in numbers]) is False:
            why.append("the model, asked, found that its quote does not say it")
        else:
            kept.extend([before, piece])
            continue
        removed.append(" ".join(whole.split()))
    text = " ".join(p for p in kept if p.strip())
    return text, tuple(removed), tuple(why), tuple(dict.fromkeys(unbacked))


_KIND_WORDS = {
    DATE: "date",
    YEAR: "year",
    TIME: "time",
    QUANTITY: "number",
    MONEY: "sum of money",
    PERCENT: "percentage",
    AGE: "age",
    VERSION: "version number",
}


def _drop_beside_the_question(
    text: str, located: dict[int, Citation], question: str
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Remove every sentence when the question asks for a time, a count, a sum of money or a
    share and no quote of the answer holds one (or each names another year than the one
    asked about): "By what percentage did Palantir's revenue grow?" answered "Palantir's
    revenue grew by 340%" over "a 340% stake". The same test the extractive backend puts to
    its best sentence (`answer_types.holds_asked_kind`); each part of a conjoined question
    counts, so one that asks for no such kind lets any answer through."""
    asked = {part: answer_types(part) for part in split_question(question)} if question else {}
    if not asked or not all(asked.values()):
        return text, (), ()
    units = _units(text)
    quotes = [located[n].quote for _, piece in units for n in _numbers(piece) if n in located]
    if not quotes or any(holds_asked_kind(p, q, close=True) for p in asked for q in quotes):
        return text, (), ()
    kinds = sorted({_KIND_WORDS[kind] for found in asked.values() for kind in found})
    removed = tuple(
        " ".join(MARKER.sub("", f"{before} {piece}").split()) for before, piece in units
    )
    reason = f"no quote of the answer holds the {' or '.join(kinds)} the question asks for"
    return "", removed, tuple(reason for _ in removed)


UNQUOTED = "no sentence of the sources holds what it says"


def _drop_unsupported_claims(text: str, good: set[int]) -> tuple[str, tuple[str, ...]]:
    """Remove sentences whose markers all point at nothing verified (a made-up quote, or no
    quote and no passage sentence that holds the claim), and text after the last marker of
    a marked answer (no quote is its); strip dead markers."""
    kept: list[str] = []
    removed: list[str] = []
    marked = bool(MARKER.search(text))
    for before, piece in _units(text):
        numbers = set(_numbers(piece))
        if (numbers and not numbers & good) or (marked and not numbers):
            claim = MARKER.sub("", f"{before} {piece}").strip()
            if any(c.isalnum() for c in claim):
                removed.append(re.sub(r"\s+([.,;:!?])", r"\1", " ".join(claim.split())))
            continue
        kept.append(before)
        kept.append(MARKER.sub(lambda m: m.group(0) if int(m.group(1)) in good else "", piece))
    return " ".join(p for p in kept if p.strip()), tuple(removed)


def _renumber(text: str, located: dict[int, Citation]) -> tuple[str, tuple[Citation, ...]]:
    order: dict[int, int] = {}
    for match in MARKER.finditer(text):
        old = int(match.group(1))
        if old in located and old not in order:
            order[old] = len(order) + 1
    renumbered = MARKER.sub(lambda m: f" [{order[int(m.group(1))]}]", text)
    renumbered = re.sub(r"\s+\[", " [", renumbered)
    citations = tuple(
        Citation(
            new,
            located[old].file,
            located[old].quote,
            located[old].start,
            located[old].end,
            located[old].corroborating,
            located[old].match,
        )
        for old, new in sorted(order.items(), key=lambda pair: pair[1])
    )
    return renumbered, citations
