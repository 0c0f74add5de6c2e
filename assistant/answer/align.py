"""Tie what a model wrote to the passage sentences it came from (pure functions).

Small models copy quotes with slips (a dropped word, a changed tense, a missing comma) and
sometimes write sentences with no marker at all. Rather than throw such answers away:

* `align_quote` maps a quote that is not verbatim onto the passage's own sentence (or two
  consecutive sentences) when it clearly is that sentence: most of the quote's words, in
  order, and most of the sentence's. What is then shown is always the file's own text.
* `attribute` finds the passage sentence that supports an unmarked answer sentence: one that
  holds its informative terms (see `terms`) and most of its content words.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.terms import Share, lacking, share_in
from assistant.text.sentences import split_sentences
from assistant.text.textnorm import fold, terms, words

# A quote is "clearly" a sentence when it covers this much of it, and it of the quote.
MIN_QUOTE_COVERED = 0.8
MIN_SENTENCE_COVERED = 0.6
# ...or, for a long enough quote, it is a slipped copy of part of the sentence.
PART_MIN_WORDS = 8
PART_MIN_COVERED = 0.85
# ...and the next best candidate is clearly worse.
MIN_MARGIN = 0.1
# An unmarked answer sentence needs this share of its content terms in the passage sentence.
MIN_ATTRIBUTION_OVERLAP = 0.5
# Text before a passage sentence that may name its "he" (as verification reads it).
CONTEXT_CHARS = 400


@dataclass(frozen=True)
class Span:
    """A stretch of a passage's text: `text[start:end]` of the passage it came from."""

    start: int
    end: int
    text: str


_LINE_END = re.compile(r"(?<=[.!?:\"”)\]])[ \t]*\n|\n[ \t]*\n|\n(?=[ \t]*(?:[-*•#]|\d+[.)])\s)")


def sentence_spans(text: str) -> list[Span]:
    """The passage's sentences, each as a span of `text`. A line break ends a sentence after
    closing punctuation, at a blank line or before a list item or heading; other line breaks
    are hard wrapping inside a sentence."""
    spans: list[Span] = []
    begin = 0
    for stop in [*(m.start() for m in _LINE_END.finditer(text)), len(text)]:
        spans.extend(Span(s, e, text[s:e]) for s, e in split_sentences(text, begin, stop))
        begin = stop
    return spans


def is_verbatim(quote: str, text: str) -> bool:
    """True when the quote stands in `text` after folding white space, quotes and dashes."""
    needle = fold(quote).strip(" .\"'")
    return bool(needle) and needle in fold(text)


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


def _words(text: str) -> list[str]:
    """Words for comparing copies: "2,048" and "2048" are one word."""
    return words(_THOUSANDS.sub("", text))


def align_quote(quote: str, text: str) -> Span | None:
    """The sentence (or pair of sentences) of `text` that `quote` is a slipped copy of."""
    quote_words = _words(quote)
    if len(quote_words) < 4:
        return None
    spans = sentence_spans(text)
    windows = [*spans, *(_join(a, b, text) for a, b in itertools.pairwise(spans))]
    scored = sorted(
        ((_closeness(quote_words, _words(w.text)), i) for i, w in enumerate(windows)),
        reverse=True,
    )
    if not scored:
        return None
    (best, index), runner_up = scored[0], (scored[1][0] if len(scored) > 1 else (0.0, 0.0))
    quote_cov, sentence_cov = best
    whole = quote_cov >= MIN_QUOTE_COVERED and sentence_cov >= MIN_SENTENCE_COVERED
    part = len(quote_words) >= PART_MIN_WORDS and quote_cov >= PART_MIN_COVERED
    if not (whole or part):
        return None
    if sum(best) - sum(runner_up) < MIN_MARGIN and windows[index] not in spans:
        return None
    return windows[index]


def _join(a: Span, b: Span, text: str) -> Span:
    return Span(a.start, b.end, text[a.start : b.end])


def _closeness(quote: list[str], sentence: list[str]) -> tuple[float, float]:
    """(share of the quote's words, share of the sentence's words) matched in order."""
    if not quote or not sentence:
        return (0.0, 0.0)
    matcher = difflib.SequenceMatcher(a=quote, b=sentence, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return (matched / len(quote), matched / len(sentence))


def attribute(
    sentence: str, texts: Sequence[str], question: str = "", share: Share | None = None
) -> tuple[int, Span] | None:
    """(index into `texts`, sentence span) of the passage sentence that best supports
    `sentence`, or None when none holds its informative terms (`terms.lacking`, with the
    sentence before it; `share` counted over `texts` when not given) and most of its words —
    or all of what it adds to the question ("… into a Saleen S7" for "What car does Bruce
    turn his car into?")."""
    share = share or share_in(texts)
    wanted = set(terms(sentence))
    if not wanted:
        return None
    added = wanted - set(terms(question))
    best: tuple[float, int, Span] | None = None
    for index, text in enumerate(texts):
        for span in sentence_spans(text):
            held = set(terms(span.text))
            overlap = len(wanted & held) / len(wanted)
            if added and added <= held:
                overlap = max(overlap, MIN_ATTRIBUTION_OVERLAP)
            if overlap < MIN_ATTRIBUTION_OVERLAP or (best and overlap <= best[0]):
                continue
            before = text[max(0, span.start - CONTEXT_CHARS) : span.start]
            if lacking(sentence, [f"{before} {span.text}"], share):
                continue
            best = (overlap, index, span)
    return (best[1], best[2]) if best else None
