"""The extractive backend: no LLM; the answer is the best verbatim sentences of the retrieved
passages, each cited. Deterministic, and it abstains when no sentence scores high enough.

Sentences are ranked by the general selector (`selector`): question terms weighted by rarity,
the answer kind the question asks for, the question's names in the sentence, its neighbours
and its passage, and the passage's rank, combined with weights fitted on two gold sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence, Set

from assistant.answer.answer_types import answer_types, contradicts_time, holds_asked_kind
from assistant.answer.citations import PART_UNANSWERED, Draft, ProposedQuote
from assistant.answer.selector import Candidate, candidates, features, select
from assistant.types import Passage

Similarity = Callable[[str, list[str]], list[float]]
CLOSE = 0.6  # MiniLM cosine so close that a count may be of a synonym ("chips" for "GPUs")


def extractive_draft(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    similarity: Similarity,
    exclude: Set[str] = frozenset(),
) -> Draft:
    """Pick cited sentences for the question, or abstain; `idf(term)` says how rare a term
    is in the corpus, `similarity(question, sentences)` how close each sentence reads.
    Quotes in `exclude` (white space runs made one space), and sentences within them or
    around them, are not picked: those that verification removed from an earlier draft."""
    pool = candidates(passages)
    rows = features(question, pool, idf) if pool else None
    if exclude and rows is not None:
        keep = [i for i, c in enumerate(pool) if not _overlaps(spaced(c.quote), exclude)]
        pool, rows = [pool[i] for i in keep], rows[keep]
    if not pool or rows is None:
        return Draft("", abstained=True)
    picked = select(pool, rows)
    if not picked or not holds_asked(question, picked[0], similarity):
        return Draft("", abstained=True)
    quotes: dict[int, ProposedQuote] = {}
    pieces: list[str] = []
    for c in picked:
        # the lines a sentence reads with make one statement, each line its own quote:
        # "… you can use: cargo doc --open [1][2]"
        lines = [*c.context, (c.quote, c.near), *c.announced]
        parts = [ProposedQuote(c.file, quote, near, c.corroborating) for quote, near in lines]
        pieces.append(_statement(quotes, parts, lambda new, q: new.quote in q.quote))
    return Draft(" ".join(p for p in pieces if p), quotes)


def _statement(
    quotes: dict[int, ProposedQuote],
    parts: Iterable[ProposedQuote],
    given: Callable[[ProposedQuote, ProposedQuote], bool],
) -> str:
    """Number the parts not `given` already (by a quote of the same file) into `quotes`, and
    write them as one statement: their words, then their markers ("… [3][4]"); '' if none."""
    said: list[str] = []
    marks = ""
    for part in parts:
        if any(given(part, q) for q in quotes.values() if q.file == part.file):
            continue
        quotes[len(quotes) + 1] = part
        said.append(spaced(part.quote))
        marks += f"[{len(quotes)}]"
    return f"{' '.join(said)} {marks}" if said else ""


def _overlaps(quote: str, exclude: Set[str]) -> bool:
    return any(quote in removed or removed in quote for removed in exclude)


def spaced(quote: str) -> str:
    """A quote with its runs of white space made one space."""
    return " ".join(quote.split())


def holds_asked(question: str, best: Candidate, similarity: Similarity) -> bool:
    """The selector's best sentence, with the lines it is shown with (what it announces, what
    it reads under), holds an answer of the kind asked for (a time, a count, a sum of money, a
    share) and names no other year or weekday than the question's."""
    if not answer_types(question):
        return not contradicts_time(question, best.shown)
    close = similarity(question, [best.text])[0] >= CLOSE
    return holds_asked_kind(question, best.shown, close)


def answer_parts(
    parts: Sequence[str],
    found: Sequence[Sequence[Passage]],
    idf: Callable[[str], float],
    similarity: Similarity,
    exclude: Set[str] = frozenset(),
) -> Draft:
    """A conjoined question answered part by part (`found[i]`: the passages retrieved for
    `parts[i]`). Each part may be answered from the passages found for any part, its own
    first: "How many chips did it use, and what did it cost?" is often one sentence."""
    drafts = []
    for i, part in enumerate(parts):
        pool: dict[str, Passage] = {}
        for passages in [found[i], *found[:i], *found[i + 1 :]]:
            for passage in passages:
                pool.setdefault(passage.chunk.chunk_id, passage)
        drafts.append(extractive_draft(part, list(pool.values()), idf, similarity, exclude))
    return combine(parts, drafts)


def combine(parts: Sequence[str], drafts: Sequence[Draft]) -> Draft:
    """One draft from the drafts of a question's parts; a part with no answer says so, and a
    quote already given for an earlier part is not repeated."""
    if all(d.abstained for d in drafts):
        return Draft("", abstained=True)
    pieces: list[str] = []
    quotes: dict[int, ProposedQuote] = {}
    for part, draft in zip(parts, drafts, strict=True):
        if draft.abstained:
            pieces.append(PART_UNANSWERED.format(part=part))
            continue
        for marks in _MARKS.findall(draft.text):
            cited = [draft.quotes[int(n)] for n in re.findall(r"\d+", marks)]
            pieces.append(_statement(quotes, cited, lambda new, q: new.quote == q.quote))
    return Draft(" ".join(p for p in pieces if p), quotes)


_MARKS = re.compile(r"(?<= )((?:\[\d+\])+)(?= |$)")  # the quotes of a statement of a draft
