"""What the model reads: the sentences of the retrieved passages that bear on the question,
within a budget (pure functions).

On a CPU the time to the first word of an answer is mostly the model reading its prompt
(about 85 tokens/s for a 1.5B model on 2 cores), so six whole passages (~1,500 tokens) cost
~18 s before anything shows. The sentences that matter are few: each sentence is scored by
`relevance` (semantic closeness and question terms, given by the caller), the best are
taken until the budget is spent — each with the sentence before it when it opens by
referring back ("He said …") — and they are shown per passage in document order, with "…"
where sentences were left out. Sources are numbered best first (by their best sentence's
score): a small model mostly answers from source [1].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.align import Span, sentence_spans
from assistant.text.english import REFERS_BACK
from assistant.types import Passage

CHARS_PER_TOKEN = 4  # English prose with these tokenizers: ~4 characters a token
MIN_SENTENCE_CHARS = 20
# Past the best MIN_OFFERED sentences, a sentence scoring more than MARGIN below the best is
# left out even when the budget has room. Offline over six question sets (two gold, four
# unseen) the sentence holding the gold answer stayed in the prompt wherever the full budget
# had it, and the median prompt was ~30 % shorter. With Qwen2.5-Coder-1.5B: NarrativeQA 92/112
# right (89 without), news 11/12 (10), the four unseen sets 86 (85), first token ~25 % sooner.
MARGIN = 1.5
MIN_OFFERED = 5

Relevance = Callable[[list[str]], list[float]]


@dataclass(frozen=True)
class Source:
    """Source `n` of the prompt: some sentences of one passage."""

    n: int
    passage: Passage
    spans: tuple[Span, ...]

    @property
    def text(self) -> str:
        pieces = []
        last_end = None
        for span in self.spans:
            if last_end is not None and span.start > last_end + 1:
                pieces.append("…")
            pieces.append(span.text)
            last_end = span.end
        return " ".join(pieces)


def select_sources(
    passages: Sequence[Passage], relevance: Relevance, budget_tokens: int
) -> list[Source]:
    """The best sentences of `passages` within `budget_tokens`, grouped into sources. A
    sentence that overlapping chunks repeat is offered once, from the first passage holding it."""
    pool: list[tuple[int, int, Span]] = []  # (passage index, sentence index, span)
    per_passage: list[list[Span]] = []
    offered: set[str] = set()
    for p, passage in enumerate(passages):
        spans = sentence_spans(passage.chunk.text)
        per_passage.append(spans)
        for i, span in enumerate(spans):
            words = " ".join(span.text.split())
            if len(words) >= MIN_SENTENCE_CHARS and words not in offered:
                offered.add(words)
                pool.append((p, i, span))
    if not pool:
        return []
    scores = relevance([span.text for _, _, span in pool])
    ranked = sorted(zip(scores, range(len(pool)), strict=True), key=lambda x: (-x[0], x[1]))
    budget = budget_tokens * CHARS_PER_TOKEN
    chosen: set[tuple[int, int]] = set()
    used = 0
    for rank, (score, k) in enumerate(ranked):
        if rank >= MIN_OFFERED and score < ranked[0][0] - MARGIN:
            break
        p, i, span = pool[k]
        wanted = [(p, i)]
        if i > 0 and REFERS_BACK.match(span.text):
            wanted.insert(0, (p, i - 1))
        cost = sum(len(per_passage[q][j].text) + 1 for q, j in wanted if (q, j) not in chosen)
        if used + cost > budget:
            if chosen:
                continue
            wanted = [(p, i)]  # always give at least the best sentence
            cost = len(span.text)
        chosen.update(wanted)
        used += cost
    best: dict[int, float] = {}
    for score, k in ranked:
        p, i, _ = pool[k]
        if (p, i) in chosen:
            best.setdefault(p, score)
    order = sorted(best, key=lambda p: (-best[p], p))
    sources: list[Source] = []
    for p in order:
        picked = tuple(s for i, s in enumerate(per_passage[p]) if (p, i) in chosen)
        sources.append(Source(len(sources) + 1, passages[p], picked))
    return sources
