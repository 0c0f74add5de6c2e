"""Does a sentence say only what its quotes say? One check of terms, in any language.

A claim is backed when what it asserts stands in the text it cites, that is in its quotes
and the place each quote stands in (the quote's sentence, the sentence before it, the
document's name and title: "he founded it" is backed by the name just before). Two kinds of
terms of the sentence are looked for there. An *anchor* — a number, or a word no chunk of
the corpus holds (a "Tim Cook" the corpus never names: nothing in it can back him) — must be
found. The other *informative* terms — those in at most a quarter of the chunks — are
weighed by how rare they are (−log of their share of the chunks), and those found must carry
most of the weight, so a paraphrase may change a word or two ("gave an interview" over
"revealed in an interview") but not say something else. Informativeness comes from the
corpus's own statistics, not from capital letters or English word lists, so the check reads
any language; words are compared in a language-neutral form (Unicode-normalised, case-folded,
accents dropped, a shared stem of at least four letters; Chinese, Japanese and Korean by
character bigrams).

Terms the sentence takes from the question get no exemption: "Tim Cook said DeepSeek is a
wake-up call" over Alexandr Wang's words lacks "Tim" and "Cook", whoever asked about him.
(Checks of the question's own terms against the corpus — a term no chunk holds, rare terms
the answer's quotes lack — were measured and dropped: a question's wording ("what sort of
rally", "which think tank") is as often missing from a small corpus as a false premise is,
and they cost right answers on three sets while winning none the other checks missed.)
Pure functions, no I/O.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.text.textnorm import CJK, CJK_RUN, cjk_bigrams, words
from assistant.text.textnorm import terms as index_terms

# How terms are weighed and read (measured on eval/adversarial/claims.jsonl: eval/claims.py).
COMMON_SHARE = 0.25  # a term in more chunks says little ("the"; "DeepSeek" in a corpus on it)
MIN_COVERAGE = 0.6  # of the informative weight of a claim's other terms, found in its evidence
STEM = 4  # letters two word forms must share at least ("kills"/"killed", "founded"/"founder")
STEM_SLACK = 3  # ... and they may differ in at most this many letters of the shorter word

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(rf"\d+(?:[.,]\d+)*(?![^\W_])|[{CJK}]+|[^\W_]+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,.]\d{3})+$")

Share = Callable[[str], float]
"""The share (0..1) of the corpus's chunks that hold a term in `tokens` form."""


def fold(text: str) -> str:
    """NFKC, case-folded, accents dropped from Latin, Greek and Cyrillic letters (a Japanese
    voiced mark is part of its letter and stays)."""
    out = []
    for char in unicodedata.normalize("NFKC", text).casefold():
        if ord(char) < 0x0530:
            bare = unicodedata.normalize("NFD", char)
            char = "".join(c for c in bare if not unicodedata.combining(c))
        out.append(char)
    return "".join(out)


def _number_key(number: str) -> str:
    """ "2,048" and "2.048" (thousands) → "2048"; "5,6" and "5.6" (decimals) → "5.6"."""
    if _THOUSANDS.match(number):
        return re.sub(r"[,.]", "", number)
    number = number.replace(",", ".")
    return number.rstrip("0").rstrip(".") if "." in number else number  # 5.60 is 5.6


def tokens(text: str) -> list[str]:
    """The terms of `text` in comparison form: numbers, words, and for Chinese, Japanese and
    Korean runs their character bigrams (a lone character stands as itself)."""
    found: list[str] = []
    for match in _WORD.finditer(fold(text)):
        token = match.group()
        if token[0].isdigit() and _NUMBER.fullmatch(token):
            found.append(_number_key(token))
        elif CJK_RUN.fullmatch(token):
            found.extend(cjk_bigrams(token))
        elif len(token) > 1 or token.isdigit():
            found.append(token)
    return found


def is_number(term: str) -> bool:
    return term[0].isdigit()


class Vocabulary:
    """The terms of a text, looked up by exact form or by a shared stem."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = set(terms)
        self._by_head: dict[str, list[str]] = {}
        for term in self.terms:
            if _stemmable(term):
                self._by_head.setdefault(term[:STEM], []).append(term)

    def has(self, term: str) -> bool:
        """`term` stands here as it is, or as another form of the same word."""
        if term in self.terms:
            return True
        if not _stemmable(term):
            return False
        return any(_same_word(term, other) for other in self._by_head.get(term[:STEM], ()))


def _stemmable(term: str) -> bool:
    return len(term) >= STEM and term.isalpha() and not CJK_RUN.match(term)


def _same_word(a: str, b: str) -> bool:
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= max(STEM, min(len(a), len(b)) - STEM_SLACK)


@dataclass(frozen=True)
class Weighed:
    """A term and how much it says: -log of its share of the corpus's chunks."""

    term: str
    weight: float
    anchor: bool  # a number, or a term no chunk holds: it must be found


@lru_cache(maxsize=4096)
def informative(text: str, share: Share) -> tuple[Weighed, ...]:
    """The terms of `text` that say something in this corpus, each once, in order (kept for
    the last few thousand texts: attribution weighs one sentence against many)."""
    out: dict[str, Weighed] = {}
    for term in tokens(text):
        if term in out:
            continue
        part = 0.0 if is_number(term) else share(term)
        if part > COMMON_SHARE:
            continue
        weight = -math.log(max(part, 1e-4))
        out[term] = Weighed(term, weight, is_number(term) or part == 0)
    return tuple(out.values())


@dataclass(frozen=True)
class Lacking:
    """What a sentence's evidence does not hold: its anchors that are missing, and, when
    what is found carries less than MIN_COVERAGE of the weight of its other informative
    terms, those of them that are missing."""

    anchors: tuple[str, ...] = ()
    thin: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.anchors or self.thin)

    def describe(self) -> str:
        return ", ".join(self.anchors or self.thin)


def lacking(claim: str, evidence: Sequence[str], share: Share) -> Lacking:
    """What of `claim` its `evidence` (quotes and the places they stand in) does not hold."""
    held = Vocabulary(term for text in evidence for term in tokens(text))
    weighed = informative(claim, share)
    missing = tuple(w.term for w in weighed if w.anchor and not held.has(w.term))
    others = [w for w in weighed if not w.anchor]
    unfound = [w for w in others if not held.has(w.term)]
    total = sum(w.weight for w in others)
    thin = total > 0 and total - sum(w.weight for w in unfound) < MIN_COVERAGE * total
    return Lacking(missing, tuple(w.term for w in unfound) if thin else ())


def unheld(wanted: Sequence[str], evidence: Sequence[str]) -> tuple[str, ...]:
    """The terms of `wanted` (as `tokens` gives them) that no text of `evidence` holds."""
    held = Vocabulary(term for text in evidence for term in tokens(text))
    return tuple(term for term in wanted if not held.has(term))


def share_in(texts: Sequence[str]) -> Share:
    """A `Share` counted over `texts` as the index counts over its chunks (for tests and
    tools with no index at hand): a word the lexical index drops as a stop word is in all."""
    vocabularies = [Vocabulary(tokens(text)) for text in texts]
    count = max(1, len(vocabularies))

    def share(term: str) -> float:
        if words(term) and not index_terms(term):
            return 1.0
        return sum(1 for v in vocabularies if v.has(term)) / count

    return share
