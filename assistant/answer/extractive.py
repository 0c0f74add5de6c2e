"""The extractive backend: no LLM; the answer is the best verbatim sentences of the retrieved
passages, each cited. Deterministic, and it abstains when no sentence answers the question.

A sentence is scored by how much of the question's weight (IDF of its content terms) it
covers and by its semantic closeness to the question (MiniLM cosine); sentences are picked
greedily while each adds enough new coverage. The answer is given only if its first sentence
is confident (close in meaning, or holding the question's words), and, when the question asks
for a kind of answer — a date, an age, a count of something, a sum of money, a place, a name
(`answer_types`) — some sentence holds one, about the asked-for year or day.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.answer.answer_types import (
    all_fit,
    answer_types,
    contradicts_time,
    fits,
    measure_word,
    names_someone_asked,
)
from assistant.answer.citations import Draft, ProposedQuote
from assistant.sentences import split_sentences
from assistant.textnorm import terms
from assistant.types import Passage

MAX_SENTENCES = 3
# The first sentence answers when closeness + LEXICAL_BONUS × coverage reaches CONFIDENT:
# very close in meaning (synonyms: "head of" for "CEO of"), or holding every word asked
# about while reading differently ("Who is X?" answered by "…, said X, director of …").
CONFIDENT = 0.6
LEXICAL_BONUS = 0.5
MIN_CLOSENESS = 0.15
CLOSE = 0.6  # so close in meaning that the wording may differ (synonyms)
# A sentence holding a number, date or place answers only if it is about the question's
# subject: it covers this much of the question's wording, or it is CLOSE in meaning.
TYPED_COVERAGE = 0.4
MIN_FOLLOW_CLOSENESS = 0.3
MIN_GAIN = 0.15
WELL_COVERED = 0.8
MIN_LATE_GAIN = 0.25
LEXICAL_SHARE = 0.5
RANK_DECAY = 0.01
MIN_SENTENCE_CHARS = 25
# Words that say what kind of answer is wanted, and light verbs: they carry no content.
_QUESTION_FILLER = frozenset(
    "who what which think mean kind type accord explicit happen much many let get gave give "
    "giv make mad tak take go went come came us use used using know see want need like far "
    "often".split()
)
SHORT_SENTENCE = 120
WRAP_MIN, WRAP_MAX = 30, 100  # a hard-wrapped line is this long
_ENDS_SENTENCE = re.compile(r"[.!?:]['\"”’)\]]*\s*$")
_STARTS_ITEM = re.compile(r"\s*(?:[-*•+>|#]|\d+[.)]|[a-z][.)]\s)")
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b(?!\s+[A-Z])")
_REFERS_BACK = re.compile(
    r"[\"“‘']?(?:he|she|it|they|this|these|that|those|his|her|its|their|the company|the firm)\b",
    re.IGNORECASE,
)
_PERSON_BACK = re.compile(r"[\"“‘']?(?:he|she|they)\b", re.IGNORECASE)
_WHO_IS = re.compile(r"\bwho\s+(is|was|are|were)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer; `quote` adds the sentence before when this one is short
    or opens by referring back to it ("They appear to …")."""

    text: str
    quote: str
    file: str
    near: int
    rank: int
    terms: frozenset[str]
    corroborating: tuple[str, ...]
    referent: str = ""  # for "He said …": the sentence before, which may name him


def name_aliases(question: str) -> dict[str, str]:
    """First name → surname for two-word names ("Dario Amodei"): text that says "Amodei"
    alone is about the same person. Not for "who is X?", which asks who the full name is."""
    if _WHO_IS.search(question):
        return {}
    aliases = {}
    for first, last in _NAME.findall(question):
        first_terms, last_terms = terms(first), terms(last)
        if first_terms and last_terms:
            aliases[first_terms[0]] = last_terms[0]
    return aliases


def question_weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """The question's content terms and how much each matters (rarer in the corpus = more);
    a two-word name counts once, under its surname, with the weight of its rarer word."""
    aliases = name_aliases(question)
    weights: dict[str, float] = {}
    for term in terms(question):
        if term in _QUESTION_FILLER:
            continue
        head = aliases.get(term, measure_word(term))
        weights[head] = max(weights.get(head, 0.0), idf(term))
    return weights


def _with_aliases(pool: list[Candidate], aliases: dict[str, str]) -> list[Candidate]:
    if not aliases:
        return pool
    return [replace(c, terms=frozenset(aliases.get(t, t) for t in c.terms)) for c in pool]


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    found: list[Candidate] = []
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        files = tuple(dict.fromkeys(c.file for c in passage.corroborating))
        before = ""  # the sentence before, even in the paragraph before
        for line in _lines(chunk.text):
            previous = ""
            for start, end in split_sentences(chunk.text, *line):
                sentence = chunk.text[start:end]
                quote = sentence
                if previous and (len(sentence) < SHORT_SENTENCE or _REFERS_BACK.match(sentence)):
                    quote = f"{previous} {sentence}"
                if len(sentence) >= MIN_SENTENCE_CHARS:
                    found.append(
                        Candidate(
                            sentence,
                            quote,
                            chunk.file,
                            chunk.start + start,
                            rank,
                            frozenset(map(measure_word, terms(sentence))),
                            files,
                            before if _PERSON_BACK.match(sentence) else "",
                        )
                    )
                previous = before = sentence
    return found


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of the text's lines, a hard-wrapped paragraph's lines joined into one: news
    pages put a paragraph (or a headline) on each line, plain-text documents wrap theirs
    at 70–80 columns, and a sentence must not be cut where a line was wrapped."""
    spans: list[tuple[int, int]] = []
    for match in re.finditer(r"[^\n]+", text):
        start, end = match.span()
        if spans and _wrapped(text[spans[-1][0] : spans[-1][1]], match.group(), text, start):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _wrapped(before: str, line: str, text: str, start: int) -> bool:
    """Does `line` continue `before`, the line just above it, cut by a hard wrap?"""
    last_line = before[before.rfind("\n") + 1 :]
    return (
        text[start - 1 : start] == "\n"
        and text[max(0, start - 2) : start - 1] != "\n"  # no blank line between them
        and WRAP_MIN <= len(last_line.rstrip()) <= WRAP_MAX
        and len(line) <= WRAP_MAX
        and not _ENDS_SENTENCE.search(last_line)
        and not _STARTS_ITEM.match(line)
        and not last_line.lstrip().startswith("#")
    )


Similarity = Callable[[str, list[str]], list[float]]


def extractive_draft(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    similarity: Similarity,
) -> Draft:
    """Pick cited sentences for the question, or abstain.

    `similarity(question, sentences)` gives each sentence's semantic closeness (cosine) to
    the question; `idf(term)` how rare a term is in the corpus.
    """
    weights = question_weights(question, idf)
    total = sum(weights.values())
    pool = _with_aliases(candidates(passages), name_aliases(question))
    # A sentence sharing no content word with the question is not weighed (nor embedded).
    pool = [c for c in pool if c.terms & weights.keys()]
    if not total or not pool:
        return Draft("", abstained=True)
    closeness = dict(zip(pool, similarity(question, [c.text for c in pool]), strict=True))
    kinds = answer_types(question)
    picked: list[Candidate] = []
    # A lead that names what is asked about ("16,000 chips" for "how many chips") beats
    # one that only reads close to the question ("a 120-day comment period").
    for strict in (True, False) if kinds else (False,):
        lead = _leads(question, kinds, weights, total, closeness, strict)
        picked = _pick(pool, weights, total, closeness, lead)
        if _answers(question, kinds, picked, weights, total, closeness):
            break
    else:
        return Draft("", abstained=True)
    quotes = {
        n: ProposedQuote(c.file, c.quote, c.near, c.corroborating) for n, c in enumerate(picked, 1)
    }
    text = " ".join(f"{' '.join(c.quote.split())} [{n}]" for n, c in enumerate(picked, 1))
    return Draft(text, quotes)


def _coverage(covered: set[str] | frozenset[str], weights: dict[str, float], total: float) -> float:
    return sum(weights[t] for t in covered) / total


def _confidence(
    cand: Candidate, weights: dict[str, float], total: float, closeness: dict[Candidate, float]
) -> float:
    """How surely a sentence is about the question: closeness of meaning plus wording."""
    return closeness[cand] + LEXICAL_BONUS * _coverage(cand.terms & weights.keys(), weights, total)


def _min_gain(covered: set[str], weights: dict[str, float], total: float) -> float:
    """How much new coverage a further sentence must bring: more once most is covered."""
    return MIN_GAIN if _coverage(covered, weights, total) < WELL_COVERED else MIN_LATE_GAIN


def _pick(
    pool: list[Candidate],
    weights: dict[str, float],
    total: float,
    closeness: dict[Candidate, float],
    can_lead: Callable[[Candidate], bool],
) -> list[Candidate]:
    """Greedy choice: the best sentence that `can_lead`, then those that add coverage."""
    picked: list[Candidate] = []
    covered: set[str] = set()
    while len(picked) < MAX_SENTENCES:
        best, best_score = None, 0.0
        for cand in pool:
            if any(cand.quote == p.quote or cand.text in p.quote for p in picked):
                continue
            new = _coverage((cand.terms & weights.keys()) - covered, weights, total)
            if not picked and not can_lead(cand):
                continue
            if picked and (
                new < _min_gain(covered, weights, total)
                or closeness[cand] < MIN_FOLLOW_CLOSENESS
                or _confidence(cand, weights, total, closeness) < CONFIDENT
            ):
                continue
            score = LEXICAL_SHARE * new + (1 - LEXICAL_SHARE) * closeness[cand]
            score -= RANK_DECAY * cand.rank
            if score > best_score:
                best, best_score = cand, score
        if best is None:
            break
        picked.append(best)
        covered |= best.terms & weights.keys()
    return picked


def _leads(
    question: str,
    kinds: frozenset[str],
    weights: dict[str, float],
    total: float,
    closeness: dict[Candidate, float],
    strict: bool = False,
) -> Callable[[Candidate], bool]:
    """Whether a sentence may be the answer's first: it holds an answer of an asked kind,
    is about someone the question names, and does not speak of another year or day than
    the one asked about. `strict`: the answer must name what is counted or measured even
    when the sentence reads close to the question."""

    def can_lead(cand: Candidate) -> bool:
        if contradicts_time(question, cand.quote):
            return False
        if not names_someone_asked(question, f"{cand.quote} {cand.referent}"):
            return False
        if not kinds:
            return True
        close = closeness[cand] >= CLOSE
        if not close and _coverage(cand.terms & weights.keys(), weights, total) < TYPED_COVERAGE:
            return False
        return any(fits(kind, cand.quote, question, close and not strict) for kind in kinds)

    return can_lead


def _answers(
    question: str,
    kinds: frozenset[str],
    picked: list[Candidate],
    weights: dict[str, float],
    total: float,
    closeness: dict[Candidate, float],
) -> bool:
    if not picked:
        return False
    first = picked[0]
    if (
        closeness[first] < MIN_CLOSENESS
        or _confidence(first, weights, total, closeness) < CONFIDENT
    ):
        return False
    close = closeness[first] >= CLOSE
    return all_fit(kinds, [c.quote for c in picked], question, close)


def combine(parts: Sequence[str], drafts: Sequence[Draft]) -> Draft:
    """One draft from the drafts of a question's parts; a part with no answer says so, and a
    sentence already given for an earlier part is not repeated."""
    if all(d.abstained for d in drafts):
        return Draft("", abstained=True)
    pieces: list[str] = []
    quotes: dict[int, ProposedQuote] = {}
    for part, draft in zip(parts, drafts, strict=True):
        if draft.abstained:
            pieces.append(f"(Nothing in the corpus answers “{part}”)")
            continue
        for _, quote in sorted(draft.quotes.items()):
            if any(q.file == quote.file and q.quote == quote.quote for q in quotes.values()):
                continue
            quotes[len(quotes) + 1] = quote
            pieces.append(f"{' '.join(quote.quote.split())} [{len(quotes)}]")
    return Draft(" ".join(pieces), quotes)
