"""The extractive backend: no LLM; the answer is the best verbatim sentences of the retrieved
passages, each cited. Deterministic, and it abstains when no sentence covers the question.

A sentence is scored by how much of the question's weight (IDF of its content terms) it
covers; sentences are picked greedily while each adds enough new coverage. The answer is
given only if the picked sentences cover most of the question, the best one alone covers a
fair share, and a question that asks for a quantity gets a sentence with a number in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.answer.citations import Draft, ProposedQuote
from assistant.sentences import split_sentences
from assistant.textnorm import terms
from assistant.types import Passage

MAX_SENTENCES = 3
MIN_TOTAL_COVERAGE = 0.6
MIN_ALONE = 0.5  # some one sentence must cover this much by itself
MIN_CLOSENESS = 0.45
FULL_COVERAGE = 0.9
MIN_CLOSENESS_FULL = 0.2
MIN_FOLLOW_CLOSENESS = 0.3
MIN_GAIN = 0.15
WELL_COVERED = 0.8
MIN_LATE_GAIN = 0.25
LEXICAL_SHARE = 0.5
RANK_DECAY = 0.01
MIN_SENTENCE_CHARS = 25
_QUANTITY = re.compile(
    r"\b(how (much|many|long|large|big|far|often)|what (percent|percentage|"
    r"share|number|amount)|price|cost|revenue|budget|spent|worth)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|"
    r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|"
    r"trillion|dozen|half|double|twice)\b",
    re.I,
)
_HOW_MANY = re.compile(
    r"\bhow many\s+([\w\s'’-]+?)\s+(?:did|does|do|is|are|was|were|has|have|had|will|can|"
    r"could|would|should)\b|\bhow many\s+([\w-]+)",
    re.I,
)
_MEASURE_TERMS = frozenset(
    terms(
        "revenue revenues price prices cost costs budget spend spent spending salary parameters "
        "population sales profit profits income valuation worth fee fees tax rate share "
        "percentage users employees funding investment loss losses"
    )
)
# Words that say what kind of answer is wanted, and light verbs: they carry no content.
_QUESTION_FILLER = frozenset(
    "who what which think mean kind type accord explicit happen much many let get gave give "
    "giv make mad tak take go went come came us use used using know see want need like far "
    "often".split()
)
SHORT_SENTENCE = 120
_NAME = re.compile(r"(?<![.?!]\s)(?<!^)\b([A-Z][a-z]+)\s+([A-Z][a-z]+)\b(?!\s+[A-Z])")
_WHO_IS = re.compile(r"\bwho\s+(is|was|are|were)\b", re.I)


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer; `quote` adds the sentence before when this one is short."""

    text: str
    quote: str
    file: str
    near: int
    rank: int
    terms: frozenset[str]
    corroborating: tuple[str, ...]


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
        head = aliases.get(term, term)
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
        for line in _lines(chunk.text):
            previous = ""
            for start, end in split_sentences(chunk.text, *line):
                sentence = chunk.text[start:end]
                quote = sentence
                if len(sentence) < SHORT_SENTENCE and previous:
                    quote = f"{previous} {sentence}"
                if len(sentence) >= MIN_SENTENCE_CHARS:
                    found.append(
                        Candidate(
                            sentence,
                            quote,
                            chunk.file,
                            chunk.start + start,
                            rank,
                            frozenset(terms(sentence)),
                            files,
                        )
                    )
                previous = sentence
    return found


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]


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
    if not total or not pool:
        return Draft("", abstained=True)
    closeness = dict(zip(pool, similarity(question, [c.text for c in pool]), strict=True))
    picked = _pick(pool, weights, total, closeness)
    if not _answers(question, picked, weights, total, closeness):
        return Draft("", abstained=True)
    quotes = {
        n: ProposedQuote(c.file, c.quote, c.near, c.corroborating) for n, c in enumerate(picked, 1)
    }
    text = " ".join(f"{c.quote} [{n}]" for n, c in enumerate(picked, 1))
    return Draft(text, quotes)


def _coverage(covered: set[str] | frozenset[str], weights: dict[str, float], total: float) -> float:
    return sum(weights[t] for t in covered) / total


def _min_gain(covered: set[str], weights: dict[str, float], total: float) -> float:
    """How much new coverage a further sentence must bring: more once most is covered."""
    return MIN_GAIN if _coverage(covered, weights, total) < WELL_COVERED else MIN_LATE_GAIN


def _pick(
    pool: list[Candidate],
    weights: dict[str, float],
    total: float,
    closeness: dict[Candidate, float],
) -> list[Candidate]:
    picked: list[Candidate] = []
    covered: set[str] = set()
    while len(picked) < MAX_SENTENCES:
        best, best_score = None, 0.0
        for cand in pool:
            if any(cand.quote == p.quote or cand.text in p.quote for p in picked):
                continue
            new = _coverage((cand.terms & weights.keys()) - covered, weights, total)
            if picked and (
                new < _min_gain(covered, weights, total) or closeness[cand] < MIN_FOLLOW_CLOSENESS
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


def _answers(
    question: str,
    picked: list[Candidate],
    weights: dict[str, float],
    total: float,
    closeness: dict[Candidate, float],
) -> bool:
    if not picked:
        return False
    first = picked[0]
    lexical = _coverage(first.terms & weights.keys(), weights, total)
    # Semantic closeness gates the answer, unless the sentence holds every word asked about
    # ("Who is X?" is often answered by a sentence about something else that names X).
    if closeness[first] < (MIN_CLOSENESS if lexical < FULL_COVERAGE else MIN_CLOSENESS_FULL):
        return False
    covered = set().union(*(c.terms for c in picked)) & weights.keys()
    if _coverage(covered, weights, total) < MIN_TOTAL_COVERAGE:
        return False
    alone = [c for c in picked if _coverage(c.terms & weights.keys(), weights, total) >= MIN_ALONE]
    return bool(alone) and _quantity_answered(question, alone)


def measures(question: str) -> set[str]:
    """What a quantity question measures: "how many GPUs" → gpu; "Nvidia's revenue" → revenu."""
    found = {t for t in terms(question) if t in _MEASURE_TERMS}
    many = _HOW_MANY.search(question)
    if many:
        found |= set(terms(many.group(1) or many.group(2)))
    return found


def _quantity_answered(question: str, picked: list[Candidate]) -> bool:
    """A question asking for a quantity needs a sentence with a number *and* what is measured
    (one that on its own covers the question, so the number is about the right subject)."""
    if not _QUANTITY.search(question):
        return True
    wanted = measures(question)
    return any(
        _NUMBER.search(c.quote) and (not wanted or wanted & set(terms(c.quote))) for c in picked
    )


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
            pieces.append(f"{quote.quote} [{len(quotes)}]")
    return Draft(" ".join(pieces), quotes)
