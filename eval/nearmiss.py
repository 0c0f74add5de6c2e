"""Near-miss unanswerable questions, made mechanically from the answerable questions of a
fitted gold set, so the selector's fit sees the negatives real users ask: about a corpus'
subject, but asking a detail it does not give.

NarrativeQA's unanswerable questions are about other stories (far misses); a fit on them
alone learns to abstain only when nothing is on topic. Each answerable question here yields
up to two negatives, both about its own document:

- `name`: one of the question's names that its gold files hold is replaced by a name the
  corpus holds elsewhere but the gold files never mention ("Where did Margaret and Chris
  meet?" → "Where did Margaret and Hedda meet?").
- `kind`: the question asks for another kind of answer (a time, a number, a place, a
  person) that none of its gold sentences (those matching its `must_include`) gives ("Who hid
  the eggs from Joanna?" → "When hid the eggs from Joanna?"; the words around are kept, as
  the selector reads only the kind and the terms).
- `term`: the question's rarest content word that its gold files hold is replaced by a word
  of similar rarity that the corpus holds elsewhere but the gold files never use ("Which
  technique lets AI rivals do more with less?" → "Which warranty lets AI rivals …").

A replacement is picked by a seeded random choice, so the set is the same on every run. No
question of a report-only set is read.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from assistant.answer.followup import entities
from assistant.answer.selector import ANSWER_KINDS, holds_kind
from assistant.evaluation.scoring import GoldQuestion
from assistant.text.sentences import text_sentences
from assistant.text.textnorm import terms, words

_FORM_WORDS = frozenset(terms("many much kind type sort name named called happen happens"))
_CLOSEST = 12  # the replacement word is drawn from this many words nearest in rarity


@dataclass(frozen=True)
class NearMiss:
    id: str  # the source question's id, "~", the transform
    question: str
    source: str


def near_misses(
    golds: Iterable[GoldQuestion],
    texts: Mapping[str, str],
    idf: Callable[[str], float],
    seed: int = 10,
) -> list[NearMiss]:
    """Up to three near-miss negatives per answerable question (see the module docstring)."""
    rng = random.Random(seed)
    names_in = {name: set(_corpus_names(text)) for name, text in texts.items()}
    terms_in = {name: set(terms(text)) for name, text in texts.items()}
    words_in = {name: set(words(text)) for name, text in texts.items()}
    found = []
    for gold in golds:
        if not gold.answerable or not set(gold.gold_files) <= set(texts):
            continue
        others = [n for n in texts if n not in gold.gold_files]
        gold_terms = set().union(*(terms_in[f] for f in gold.gold_files))
        swapped = _swap_name(gold.question, gold_terms, others, names_in, rng)
        if swapped:
            found.append(NearMiss(f"{gold.id}~name", swapped, gold.id))
        gold_sentences = [
            sentence
            for f in gold.gold_files
            for sentence in _sentences(texts[f])
            if any(re.search(p, sentence, re.I) for p in gold.must_include)
        ]
        swapped = _swap_kind(gold.question, gold_sentences, rng)
        if swapped:
            found.append(NearMiss(f"{gold.id}~kind", swapped, gold.id))
        swapped = _swap_term(gold.question, gold_terms, others, words_in, idf, rng)
        if swapped:
            found.append(NearMiss(f"{gold.id}~term", swapped, gold.id))
    return found


_OPENER = re.compile(r"^\s*(?:who|whom|what|which|where|when|how\s+(?:many|much))\b", re.I)
_OPENERS = {"time": "When", "number": "How many", "place": "Where", "person": "Who"}


def _sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in text_sentences(text)]


def _swap_kind(question: str, gold_sentences: list[str], rng: random.Random) -> str | None:
    opener = _OPENER.match(question)
    if not opener or not gold_sentences:
        return None
    asked = set(terms(question))
    kinds = [
        kind
        for kind, asks, held in ANSWER_KINDS
        if not asks.search(question)
        and not any(holds_kind(held, sentence, asked) for sentence in gold_sentences)
    ]
    if not kinds:
        return None
    return _OPENERS[rng.choice(kinds)] + question[opener.end() :]


def _names(text: str) -> list[str]:
    return [n for n in entities(text) if len(n) > 2 and terms(n)]


def _corpus_names(text: str) -> list[str]:
    """Names written capitalised inside a sentence (after a lower-case word or a comma), so
    that a capitalised sentence opener ("Unlike", "Three") is not taken for one."""
    inside = " ".join(m.group(1) for m in re.finditer(r"[a-z,] +([A-Z][^.!?;:\n]*)", text))
    return [n for n in _names(inside) if re.search(rf"[a-z,] +{re.escape(n)}\b", text)]


def _swap_name(
    question: str,
    gold_terms: set[str],
    others: list[str],
    names_in: Mapping[str, set[str]],
    rng: random.Random,
) -> str | None:
    held = [n for n in _names(question) if set(terms(n)) <= gold_terms]
    if not held:
        return None
    target = held[0]
    width = len(target.split())
    pool = sorted(
        {
            n
            for other in others
            for n in names_in[other]
            if len(n.split()) == width and not set(terms(n)) & gold_terms
        }
    )
    if not pool:
        return None
    return question.replace(target, rng.choice(pool), 1)


def _swap_term(
    question: str,
    gold_terms: set[str],
    others: list[str],
    words_in: Mapping[str, set[str]],
    idf: Callable[[str], float],
    rng: random.Random,
) -> str | None:
    names = {t for n in _names(question) for t in terms(n)}
    content = [
        w
        for w in re.findall(r"[A-Za-z][a-z]+", question)
        if w.islower()
        and (t := terms(w))
        and t[0] in gold_terms
        and t[0] not in names
        and t[0] not in _FORM_WORDS
    ]
    if not content:
        return None
    target = max(content, key=lambda w: idf(terms(w)[0]))
    rarity = idf(terms(target)[0])
    pool = sorted(
        {
            w
            for other in others
            for w in words_in[other]
            if w.isalpha() and len(w) > 3 and (t := terms(w)) and t[0] not in gold_terms
        }
    )
    if not pool:
        return None
    nearest = sorted(pool, key=lambda w: (abs(idf(terms(w)[0]) - rarity), w))[:_CLOSEST]
    return re.sub(rf"\b{re.escape(target)}\b", rng.choice(nearest), question, count=1)
