"""Text normalisation with a map back to the original offsets, and word tokens for matching.

Quotes are compared after folding curly quotes, dashes and runs of white space; `Normalized`
remembers, for every character it keeps, where that character stood in the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from assistant.text.english import IRREGULAR_VERBS, STOPWORDS

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u200b": "",
        "\u00ad": "",
        "\ufeff": "",
    }
)


@dataclass(frozen=True)
class Normalized:
    """Folded text and, per kept character, its offset in the original."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised slice [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def fold(text: str) -> str:
    """The comparison form of a string: quotes and dashes folded, white space collapsed."""
    return normalize(text).text


def normalize(text: str) -> Normalized:
    """Fold quotes/dashes/spaces and collapse white space runs to one space, keeping a map."""
    chars: list[str] = []
    origin: list[int] = []
    pending_space = -1
    for index, raw in enumerate(text):
        ch = raw.translate(_FOLD)
        if not ch:
            continue
        if ch.isspace():
            if pending_space < 0:
                pending_space = index
            continue
        if pending_space >= 0 and chars:
            chars.append(" ")
            origin.append(pending_space)
        pending_space = -1
        chars.append(ch)
        origin.append(index)
    return Normalized("".join(chars), tuple(origin))


_POSSESSIVE = re.compile(r"'s$")
# Chinese, Japanese and Korean write words without spaces: a run of their characters is read
# as its character bigrams (a lone character as itself), here and in answer/terms.py.
HIRAGANA, KATAKANA = "\u3040-\u309f", "\u30a0-\u30ff"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = f"{HIRAGANA}{KATAKANA}{HAN}\uac00-\ud7af"
CJK_RUN = re.compile(f"[{CJK}]+")
# A word: letters and digits of any alphabet (a dot or apostrophe inside: u.s, it's); a CJK run
_WORD = re.compile(rf"[^\W_{CJK}]+(?:[.'][^\W_{CJK}]+)*|[{CJK}]+")
_ACCENT = re.compile("[\u0300-\u036f]")  # combining accents of Latin, Greek, Cyrillic letters


def words(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (dots kept inside acronyms like u.s); a CJK run's
    character bigrams."""
    text = text.translate(_FOLD)
    if not text.isascii():  # "gegründet" is one word, and the same as "gegrundet"
        text = unicodedata.normalize("NFC", _ACCENT.sub("", unicodedata.normalize("NFD", text)))
    found: list[str] = []
    for word in _WORD.findall(text):
        if CJK_RUN.fullmatch(word):
            found.extend(cjk_bigrams(word))
        else:
            found.append(word.lower())
    return found


_HIRAGANA = re.compile(f"[{HIRAGANA}]+")
_SCRIPT_SEGMENT = re.compile(f"[{HIRAGANA}]+|[{KATAKANA}]+|[^{HIRAGANA}{KATAKANA}]+")


def cjk_bigrams(run: str) -> list[str]:
    """ "創業者" → ["創業", "業者"]; a lone character stands as itself. Japanese writes its
    grammar (particles, endings: の, は, ですか) in hiragana between words in kanji or
    katakana, so where a run mixes them it is cut where the script changes and its hiragana
    left out, with the lone characters between them (何 "what", 誰 "who", the stem of a verb
    such as 使 in 使って): "DeepSeekの創業者は誰ですか" gives 創業, 業者 — not の創, 者は, すか,
    which span two words. A run of hiragana alone is kept as it is written."""
    if len(run) == 1:
        return [run]
    segments = [run]
    if _HIRAGANA.search(run) and not _HIRAGANA.fullmatch(run):
        segments = [s for s in _SCRIPT_SEGMENT.findall(run) if not _HIRAGANA.fullmatch(s)]
    return [seg[i : i + 2] for seg in segments for i in range(len(seg) - 1)]


# The form of the terms the chunk table's keyword index holds: a change here changes the
# terms of every chunk, so a reindex reads every file again (embedding nothing anew).
# 2: an inflected -er word stems as the word does ("lowered" → "low", as "lower" → "low")
# 3: Chinese, Japanese and Korean text is kept, as character bigrams
# 4: a word of any alphabet is one word, without its accents ("gegründet" was "gegr", "ndet")
# 5: a Japanese run is cut where kanji, katakana and hiragana meet, its hiragana left out;
#    the files read again also get chunks whose sentences that abut in the file (Chinese,
#    Japanese) abut in the chunk (`chunking._make_chunk`): their quotes were not verbatim
TERMS_VERSION = 5
_INFLECTIONS = frozenset({"ed", "ing", "ings", "s", "es"})
_DOUBLED = re.compile(r"([b-df-hj-km-np-rtv-z])\1$")
_SUFFIXES = (
    ("ies", "y"),
    ("ied", "y"),
    ("sses", "ss"),
    ("ings", ""),
    ("ing", ""),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("ly", ""),
)


def stem(word: str) -> str:
    """A light suffix stemmer: enough to match spend/spends, restriction/restrictions."""
    word = word.replace(".", "")
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, keep in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                continue
            word = word[: -len(suffix)] + keep
            if suffix in _INFLECTIONS and word.endswith("er") and len(word) >= 5:
                word = word[:-2]  # lowered, lowers, lowering → low, as lower → low
            if suffix in ("ed", "ing", "er", "ers") and _DOUBLED.search(word):
                word = word[:-1]
            break
    if len(word) >= 5 and word.endswith("e"):
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Content terms for lexical matching: words minus stop words, possessives, stemmed."""
    found = []
    for word in words(text):
        term = _TERMS.get(word)
        if term is None:
            term = _term(word)
            if len(_TERMS) < _TERM_CACHE:
                _TERMS[word] = term
        if term:
            found.append(term)
    return found


_TERM_CACHE = 500_000
_TERMS: dict[str, str] = {}  # word → term ("" for a stop word): a corpus has few distinct words


def _term(word: str) -> str:
    word = _POSSESSIVE.sub("", word).replace("'", "")
    return stem(word) if word and word not in STOPWORDS else ""


_VERB_BASES = {
    _term(form): _term(base)
    for form, base in (pair.split(":") for pair in IRREGULAR_VERBS.split())
    if _term(form) and _term(base)
}


def base_terms(text: str) -> set[str]:
    """`terms`, with irregular verb forms as their base verb: "met" is "meet", "took" is
    "take". For comparing what a sentence says with what a question asks; the index keeps
    `terms` as they are."""
    return {_VERB_BASES.get(term, term) for term in terms(text)}
