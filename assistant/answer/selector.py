"""The general answer selector of the extractive backend (pure: numpy, no models).

Every sentence of the retrieved passages is a candidate. Each gets a handful of features that
carry over from one corpus to another (`FEATURES`); a linear score `SELECTOR.weights · f +
SELECTOR.bias` (a logistic regression fitted on both shared gold sets together by
`eval/fit_selector.py`) ranks them. A second linear model, the gate, decides from the best
sentence's score and features whether it answers or the backend abstains; a few more
sentences of the same file follow when they score nearly as high.

What each feature is worth on each set: `eval/SELECTOR.md`, which also lists the nine
candidate features that were fitted and dropped (MiniLM closeness among them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.followup import entities
from assistant.answer.layout import Layout, Span
from assistant.answer.messages import ENGLISH, language_of
from assistant.answer.support import inner_capitals, opens_as_name
from assistant.text.english import COUNT_WORDS, MONTH_CAPITALISED, OPENS_REFERRING_BACK
from assistant.text.sentences import text_sentences
from assistant.text.textnorm import terms
from assistant.types import Chunk, Passage

# The answer kinds a question may ask for: (kind, question pattern, sentence pattern). A
# sentence holds the kind when the pattern matches words the question does not already say.
_NAME = r"(?<=[\w,;:'’\"”)]\s)[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*"
ANSWER_KINDS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    (
        "time",
        re.compile(
            r"^\s*when\b|\b(?:what|which)\s+(?:year|date|day|month|century|decade|time)\b", re.I
        ),
        re.compile(
            rf"\b(?:1[0-9]|20)\d\ds?\b|\b(?:{MONTH_CAPITALISED})\b|\b\d{{1,2}}(?:st|nd|rd|th)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow\s+(?:many|much|old|long|far|big|large|often|tall)\b|"
            r"\bwhat\s+(?:number|percent(?:age)?|amount|age|size|price)\b",
            re.I,
        ),
        re.compile(rf"\d|\b(?:{COUNT_WORDS})\b", re.I),
    ),
    (
        "place",
        re.compile(
            r"^\s*where\b|\b(?:what|which)\s+(?:country|city|town|place|state|island|village|"
            r"region|planet|street|house|school|university|ship|land|directory|file|path)\b",
            re.I,
        ),
        re.compile(r"\b(?:in|at|from|to|into|near|on)\s+(?:the\s+)?(?:[A-Z][\w'’-]+|/\S+)"),
    ),
    (
        "person",
        re.compile(
            r"\b(?:who|whom|whose)\b|\b(?:what|which)\s+(?:person|man|woman|character|company|"
            r"organi[sz]ation|group|author|name)\b",
            re.I,
        ),
        re.compile(_NAME),
    ),
)

FEATURES = (
    "local",  # share of the question's terms the sentence holds, a term weighing more the
    # fewer of the retrieved sentences hold it
    "kind_held",  # the question asks for a kind of answer and the sentence holds one
    "names_missing",  # share of the question's names the sentence and its neighbours lack
    "unknown",  # share of the question's idf weight on terms no chunk of the corpus holds
    "rank",  # 1 / (1 + rank of its passage)
)


@dataclass(frozen=True)
class SelectorParams:
    """Fitted by `eval/fit_selector.py` on dev + narrativeqa (see `eval/SELECTOR.md`).

    Two linear models: `weights`/`bias` rank the sentences (which one answers best); `gate`
    (over the best sentence's score and its features, then a bias) decides whether that best
    sentence answers at all, or the backend abstains."""

    weights: tuple[float, ...]
    bias: float
    gate: tuple[float, ...]  # 1 + len(FEATURES) weights, then the bias
    margin: float  # a further sentence is added when it scores within this of the best
    max_sentences: int = 2
    same_file: bool = True  # further sentences only from the first one's file


SELECTOR = SelectorParams(
    weights=(2.728, 1.223, -1.140, -0.999, 1.327),
    bias=-3.895,
    gate=(2.054, 0.289, -0.881, -1.455, -0.842, -0.118, 5.127),
    margin=1.000,
    max_sentences=3,
    same_file=True,
)

_QUESTION_FORM = frozenset(terms("many much kind type sort name named called happen happens"))
_NUMBER = re.compile(r"\b\w*\d[\w.,]*")
SHORT_SENTENCE = 60
MIN_SENTENCE_CHARS = 20
UNSEEN = "qqqunseenqqq"  # a term no corpus holds


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer. `quote` adds the sentence before when this one is short or
    opens by referring back to it ("He then …"); `before`/`after` are its neighbours.
    `announced`: when the sentence ends its line with a colon, what it announces — the list,
    table, command or value after it — and `context`: the lines a table row or a command reads
    under (`layout`), each with where it starts in the file. Both are shown with the sentence
    and count as what it says."""

    text: str
    quote: str
    file: str
    near: int
    rank: int
    corroborating: tuple[str, ...]
    before: str
    after: str
    announced: tuple[tuple[str, int], ...] = ()
    context: tuple[tuple[str, int], ...] = ()

    @property
    def shown(self) -> str:
        """The sentence with what it is shown with."""
        lines = [*(t for t, _ in self.context), self.quote, *(t for t, _ in self.announced)]
        return " ".join(lines)


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every sentence of the passages. Removed page chrome may sit between a chunk's lines, so
    a quote is one sentence, or two with no line break between them: verbatim in the file."""
    found: list[Candidate] = []
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        files = tuple(dict.fromkeys(c.file for c in passage.corroborating))
        spans = text_sentences(chunk.text)
        layout = Layout.of(chunk.text)
        sentences = [chunk.text[s:e] for s, e in spans]

        for i, (start, _) in enumerate(spans):
            sentence = sentences[i]
            row = layout.row(start)
            if row is not None:  # a table row is one candidate, however many sentences
                if row[0] != start:
                    continue
                spans[i] = row
                sentence = chunk.text[row[0] : row[1]].strip()
            if len(sentence) < MIN_SENTENCE_CHARS:
                continue
            before = sentences[i - 1] if i else ""
            after = sentences[i + 1] if i + 1 < len(sentences) else ""
            refers = len(sentence) < SHORT_SENTENCE or OPENS_REFERRING_BACK.match(sentence)
            adjacent = i > 0 and "\n" not in chunk.text[spans[i - 1][1] : start]
            # the two as the file writes them: one space in English, none in Japanese
            quote = chunk.text[spans[i - 1][0] : spans[i][1]] if adjacent and refers else sentence
            found.append(
                Candidate(
                    sentence,
                    quote,
                    chunk.file,
                    chunk.start + start,
                    rank,
                    files,
                    before,
                    after,
                    _placed(chunk, layout.announced(spans[i])),
                    _placed(chunk, layout.context(spans[i])),
                )
            )
    return _fullest(found)


def _fullest(found: list[Candidate]) -> list[Candidate]:
    """One candidate per sentence of a file: a sentence in two overlapping chunks is read in
    the one that also holds what it announces or reads under ("… you can use:" at the end of
    one chunk, with the command at the start of the next)."""
    best: dict[tuple[str, int], Candidate] = {}
    for cand in found:
        key = (cand.file, cand.near)
        if key not in best or len(cand.shown) > len(best[key].shown):
            best[key] = cand
    return [c for c in found if best[(c.file, c.near)] is c]


def _placed(chunk: Chunk, lines: tuple[Span, ...]) -> tuple[tuple[str, int], ...]:
    """Lines of a chunk as (text, where it starts in the file)."""
    return tuple((chunk.text[s:e].strip(), chunk.start + s) for s, e in lines)


def question_weights(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """The question's content terms and how much each matters (rarer in the corpus = more);
    words that only say what kind of answer is wanted ("how many", "what kind") are left out."""
    return {term: idf(term) for term in terms(question) if term not in _QUESTION_FORM}


def asked_kinds(question: str) -> list[tuple[str, re.Pattern[str]]]:
    return [(kind, held) for kind, asked, held in ANSWER_KINDS if asked.search(question)]


def holds_kind(pattern: re.Pattern[str], text: str, question_terms: set[str]) -> bool:
    """Whether the text holds an answer of the kind: a match the question does not say."""
    return any(
        not set(terms(m.group())) or not set(terms(m.group())) <= question_terms
        for m in pattern.finditer(text)
    )


def asked_names(question: str, pool: Sequence[Candidate]) -> list[str]:
    """The question's names (`followup.entities`), less a capitalised opening word that no
    retrieved sentence capitalises within it: "Roughly how much …", "Under the MIT License
    …", "Whom does …" open with grammar, not a name; "Fletch takes Gail …" opens with one."""
    names = entities(question)
    if not names or not question.lstrip().startswith(names[0].split()[0]):
        return names
    first, *rest = names[0].split()
    if opens_as_name(first, inner_capitals(question, *(c.text for c in pool))):
        return names
    return [n for n in [" ".join(rest), *names[1:]] if n]


def features(
    question: str,
    pool: Sequence[Candidate],
    idf: Callable[[str], float],
) -> np.ndarray:
    """One row of `FEATURES` per candidate."""
    weights = question_weights(question, idf)
    total = sum(weights.values()) or 1.0
    asked = set(weights)
    kinds = [pattern for _, pattern in asked_kinds(question)]
    # a capitalised word is a name in English; German capitalises every noun, and the other
    # languages are not read this way either: their questions' names are not looked for
    named = asked_names(question, pool) if language_of(question) == ENGLISH else []
    found = [frozenset(terms(n)) for n in [*named, *_NUMBER.findall(question)]]
    names = [set(n) for n in dict.fromkeys(found) if n]
    unseen = idf(UNSEEN)  # the idf of a term the corpus lacks
    unknown = sum(w for w in weights.values() if w >= unseen - 1e-9) / total
    held = [set(terms(cand.shown)) for cand in pool]
    # a term weighs more the fewer of the retrieved sentences hold it
    local = {t: math.log(1 + len(pool) / (1 + sum(t in h for h in held))) for t in asked}
    local_total = sum(local.values()) or 1.0
    rows = np.zeros((len(pool), len(FEATURES)))
    for i, cand in enumerate(pool):
        said = held[i] | set(terms(f"{cand.before} {cand.after}"))
        rows[i] = (
            sum(local[t] for t in held[i] & asked) / local_total,
            1.0 if any(holds_kind(p, cand.shown, asked) for p in kinds) else 0.0,
            sum(not n & said for n in names) / len(names) if names else 0.0,
            unknown,
            1.0 / (1 + cand.rank),
        )
    return rows


def scores(rows: np.ndarray, params: SelectorParams = SELECTOR) -> np.ndarray:
    return rows @ np.asarray(params.weights) + params.bias if len(rows) else np.zeros(0)


def answers(best_score: float, best_row: np.ndarray, params: SelectorParams = SELECTOR) -> float:
    """The gate: above 0, the best sentence answers; below, the backend abstains."""
    gate = np.asarray(params.gate)
    return float(gate[0] * best_score + best_row @ gate[1:-1] + gate[-1])


def select(
    pool: Sequence[Candidate], rows: np.ndarray, params: SelectorParams = SELECTOR
) -> list[Candidate]:
    """The answer's sentences, best first: none when the gate shuts on the best one."""
    score = scores(rows, params)
    order = sorted(range(len(pool)), key=lambda i: (-score[i], i))
    if not order or answers(score[order[0]], rows[order[0]], params) < 0:
        return []
    picked = [pool[order[0]]]
    for i in order[1:]:
        if len(picked) >= params.max_sentences or score[i] < score[order[0]] - params.margin:
            break
        cand = pool[i]
        if params.same_file and cand.file != picked[0].file:
            continue
        extended = [n for n, p in enumerate(picked) if p.text in cand.quote and p.file == cand.file]
        if extended:  # "He names it Greenwich." with the sentence before, already picked
            picked[extended[0]] = cand
        elif not any(cand.text in p.quote for p in picked):
            picked.append(cand)
    return picked


def sentence_scores(
    question: str, passages: Sequence[Passage], idf: Callable[[str], float]
) -> dict[str, float]:
    """The selector's score of every sentence of the passages, keyed by its words (white space
    folded); a sentence in several passages keeps its best score."""
    pool = candidates(passages)
    best: dict[str, float] = {}
    for cand, score in zip(pool, scores(features(question, pool, idf)), strict=True):
        key = " ".join(cand.text.split())
        best[key] = max(best.get(key, -math.inf), float(score))
    return best
