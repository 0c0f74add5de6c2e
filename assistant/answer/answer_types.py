"""Whether the selector's sentence holds the kind of answer the question asks for (pure).

"On what date …?" needs a date, "how many GPUs …?" a count of GPUs, "how much did X spend?"
a sum of money. A sentence about the right subject that holds no answer of the asked kind
does not answer the question, however close it reads: the extractive backend abstains.
Nor does a sentence about another year or weekday than the one asked about.

Kept from the phrasing rules this replaced: only the time and quantity kinds, which make the
backend abstain on near misses (`eval/nearmiss.py`) at a small cost on the fitted sets. What
each is worth on each set: `eval/SELECTOR.md`, "Kind checks on the selector's sentence".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.text.english import MONTH, MONTH_NAME, NUMBER_WORDS, WEEKDAY
from assistant.text.textnorm import terms

_WEEKDAY_NAME = re.compile(rf"\b({WEEKDAY})s?\b", re.IGNORECASE)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:1[6-9]|20)\d{2}"
_DATE_TEXT = re.compile(
    rf"\b(?:{MONTH}\s+{_DAY}\b|{_DAY}\s+(?:of\s+)?{MONTH}(?!\w)|{WEEKDAY}\b|"
    rf"\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b|{_YEAR}-\d{{2}}-\d{{2}}\b)",
    re.IGNORECASE,
)
_YEAR_TEXT = re.compile(rf"(?<![\w.,$])({_YEAR})s?(?![\w.,]\d)")
_TIME_TEXT = re.compile(
    rf"\b(?:{MONTH}(?=\s)|{WEEKDAY}|{_YEAR}s?|yesterday|today|tonight|tomorrow|ago|"
    r"\d{1,2}[:.]\d{2}|\d{1,2}\s?[ap]\.?m\b|noon|midnight|o'clock|dawn|dusk|"
    r"recently|earlier|later|(?:last|next|this|past|coming)\s+(?:week|month|year|quarter|"
    r"decade|spring|summer|fall|autumn|winter|weekend)|decades?|centur(?:y|ies))\b",
    re.IGNORECASE,
)
_NUMERAL = re.compile(rf"(?<![\w.])\$?\d[\d,.]*(?![A-Za-z]\w)|\b(?:{NUMBER_WORDS})\b", re.I)
_YEAR_CONTEXT = re.compile(
    r"\b(?:in|since|of|by|from|until|to|early|late|mid|a|an|the|during|before|after|"
    r"fiscal)\s+$",
    re.IGNORECASE,
)
_CURRENCY = (
    r"dollars?|euros?|pounds?|sterling|yuan|renminbi|yen|krona|kronor|krone|kroner|rupees?|"
    r"francs?|rubles?|roubles?|pesos?|won|reais|real|cents?|pence|bucks|usd|eur|gbp|cny|jpy"
)
_MONEY_TEXT = re.compile(
    rf"[$€£¥₹]\s?\d|\b(?:us|hk|a|c)\$|(?:\d[\d,.]*|\b(?:{NUMBER_WORDS}))\s+"
    rf"(?:(?:thousand|million|billion|trillion)\s+)?(?:{_CURRENCY})\b",
    re.IGNORECASE,
)
_MONEY_AMOUNT = re.compile(
    rf"[$€£¥₹]\s?\d[\d,.]*(?:\s+(?:thousand|million|billion|trillion))?|{_MONEY_TEXT.pattern}",
    re.IGNORECASE,
)
_PERCENT_TEXT = re.compile(r"\d[\d.,]*\s?(?:%|percent\b|per\s?cent\b|percentage points?\b)", re.I)

_DATE_Q = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:date|day)\b", re.IGNORECASE)
_YEAR_Q = re.compile(r"\b(?:what|which)\s+year\b", re.IGNORECASE)
_WHEN_Q = re.compile(r"(?:^|[,;]\s*|\band\s+)when\b", re.IGNORECASE)
# "When Philip is living in Germany, where is he encouraged to move to?": the opening
# clause sets the scene; the question is the "where".
_WHEN_CLAUSE = re.compile(
    r"^\s*when\b[^?,]*,\s*(?=(?:who|whom|whose|what|where|which|why|how)\b)", re.IGNORECASE
)
_AGE_Q = re.compile(
    r"\bhow\s+old\b|\bwhat\s+age\b|\bwhat\s+(?:is|was)\s+[\w\s'’.-]{0,40}?\bage\b", re.I
)
_AGE_TEXT = re.compile(
    rf"\b(?:\d{{1,3}}|(?:{NUMBER_WORDS})(?:-\w+)?)[- ]years?[- ]old\b|\baged?\s+\d{{1,3}}\b|"
    rf"\bage\s+of\s+(?:\d{{1,3}}|{NUMBER_WORDS})\b|\b\d{{1,3}}(?:st|nd|rd|th)\s+birthday\b",
    re.IGNORECASE,
)
# the question opens by asking for it: "Which release of gzip …", "Since which dpkg version …"
# (not "What is the first source pyenv reads to decide which Python version to run?")
_VERSION_Q = re.compile(
    r"^\s*(?:(?:in|since|from|with|for|until|before|after)\s+)?(?:what|which)\s+"
    r"(?:[\w.-]+\s+){0,3}?(?:version|release)\b",
    re.IGNORECASE,
)
_VERSION_TEXT = re.compile(
    r"\b\d+(?:\.\d+)+[a-z]?\b|\bv\d+\b|\b(?:version|release)\s+\d+\b|\b\d+(?:st|nd|rd|th)?\s+(?:version|release)\b",
    re.IGNORECASE,
)
_BY_HOW_MUCH = re.compile(
    r"\bby\s+how\s+much\b|\bby\s+what\s+(?:amount|margin|factor|percent|percentage)\b", re.I
)
_PERCENT_Q = re.compile(r"\bwhat\s+(?:percent|percentage|share|proportion|fraction)\b", re.I)
_MONEY_Q = re.compile(
    r"\bhow\s+much\s+money\b|\bin\s+dollars\b|\bhow\s+much\b.*\b(?:spend|spent|spending|cost|"
    r"costs|pay|paid|invest|invested|raise|raised|charge|earn|earned|lose|lost|worth|"
    r"budget|fund|funding)\b|^\s*what\s+(?:is|was|are|were)\b.*\b(?:price|cost|revenue|"
    r"budget|worth|valuation|salary|profit|income)\b",
    re.IGNORECASE,
)
_QUANTITY_Q = re.compile(
    r"\bhow\s+(?:much|many|long|large|big|far|often|high|low|fast|tall|deep)\b|"
    r"\bwhat\s+(?:number|amount)\b",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(
    r"\bhow many\s+([\w\s'’-]+?)\s+(?:did|does|do|is|are|was|were|has|have|had|will|can|"
    r"could|would|should)\b|\bhow many\s+([\w-]+)",
    re.IGNORECASE,
)
# Abstract measures; the words of one group name the same measure.
_MEASURE_GROUPS = [
    "revenue revenues sales turnover",
    "price prices priced cost costs costing budget budgets spend spends spent spending "
    "expense expenses outlay",
    "salary salaries pay paid wage wages",
    "parameter parameters",
    "population",
    "profit profits earnings income",
    "valuation valued worth value",
    "fee fees",
    "tax taxes",
    "rate rates",
    "share shares stake",
    "percentage percent",
    "user users",
    "employee employees staff workforce",
    "funding funded investment investments invested",
    "loss losses lose lost",
]
_MEASURE = {term: terms(group)[0] for group in _MEASURE_GROUPS for term in terms(group)}

DATE, YEAR, TIME, QUANTITY, MONEY, PERCENT = "date", "year", "time", "quantity", "money", "percent"
AGE, VERSION = "age", "version"


def answer_types(question: str) -> frozenset[str]:
    """The kinds of answer the question asks for (empty: any sentence may answer)."""
    found = set()
    if _DATE_Q.search(question):
        found.add(DATE)
    elif _YEAR_Q.search(question):
        found.add(YEAR)
    elif _WHEN_Q.search(_WHEN_CLAUSE.sub("", question)):
        found.add(TIME)
    if _VERSION_Q.search(question):
        found.add(VERSION)
    if _AGE_Q.search(question):
        found.add(AGE)
    elif _PERCENT_Q.search(question):
        found.add(PERCENT)
    elif _MONEY_Q.search(question) and not _BY_HOW_MUCH.search(question):
        found.add(MONEY)
    elif _QUANTITY_Q.search(question) or _BY_HOW_MUCH.search(question):
        found.add(QUANTITY)
    return frozenset(found)


def counted_nouns(question: str) -> set[str]:
    """What a "how many" question counts: "how many H100 GPUs does …" → {h100, gpu}."""
    many = _HOW_MANY.search(question)
    return set(terms(many.group(1) or many.group(2))) if many else set()


def has_count(text: str) -> bool:
    """A number that counts or measures something: not a year ("in 2023"), not part of a
    name ("R1", "H100", and "RFC 3647", "ISO 8601": a number after a word in capitals)."""
    for match in _NUMERAL.finditer(text):
        number = match.group().lstrip("$").rstrip(".,")
        is_year = re.fullmatch(_YEAR, number) and (
            _YEAR_CONTEXT.search(text[: match.start()])
            or not re.match(r"\s+[a-z]", text[match.end() :])
        )
        before = text[: match.start()]
        if not is_year and not _NAMED_BY.search(before) and not _DAY_OF.search(before):
            return True
    return False


_NAMED_BY = re.compile(r"\b[A-Z]{2,}\s$")  # "RFC " before "3647"
_DAY_OF = re.compile(rf"\b{MONTH}\s$", re.IGNORECASE)  # "May " before "15": a day, not a count


_TEXT_HOLDS: dict[str, Callable[[str], object]] = {
    DATE: _DATE_TEXT.search,
    YEAR: _YEAR_TEXT.search,
    TIME: lambda text: _DATE_TEXT.search(text) or _TIME_TEXT.search(text),
    MONEY: _MONEY_TEXT.search,
    PERCENT: _PERCENT_TEXT.search,
    AGE: _AGE_TEXT.search,
    VERSION: _VERSION_TEXT.search,
}


def fits(kind: str, text: str, question: str, close: bool) -> bool:
    """Whether `text` holds an answer of `kind`. `close`: the text is semantically very
    close to the question (a count may then be of a synonym of the asked-for noun, "chips"
    for "GPUs"; an abstract measure — revenue, price — must still be named)."""
    if kind in (DATE, YEAR, TIME, AGE, VERSION):
        return bool(_TEXT_HOLDS[kind](text))
    if kind == QUANTITY:
        counted = counted_nouns(question)
        if counted:  # "how many chips": not a sum of money or a share, nor a "120-day" period
            text = _PERCENT_TEXT.sub(" ", _MONEY_AMOUNT.sub(" ", text))
            text = _MEASURE_WORD.sub(lambda m: m[0] if set(terms(m[1])) & counted else " ", text)
        held = has_count(text)
    else:
        held = bool(_TEXT_HOLDS[kind](text))
    return held and _measures_named(question, text, close)


# A number joined to the word it measures: "a 120-day comment period", "a 3-year-old".
_MEASURE_WORD = re.compile(r"\b\d[\d,.]*-([a-z]+)\b", re.IGNORECASE)


def _measures_named(question: str, text: str, close: bool) -> bool:
    said = set(terms(text))
    abstract = {_MEASURE[t] for t in terms(question) if t in _MEASURE}
    if abstract:
        return bool(abstract & {_MEASURE[t] for t in said if t in _MEASURE})
    counted = counted_nouns(question)
    return close or not counted or bool(counted & said)


def holds_asked_kind(question: str, text: str, close: bool) -> bool:
    """`text` holds an answer of a kind the question asks for (a time, a count, a sum of
    money, a share; any text does when it asks for none of these) and names no other year,
    month or weekday than the question's. `close`: as for `fits`."""
    if contradicts_time(question, text):
        return False
    kinds = answer_types(question)
    return not kinds or any(fits(kind, text, question, close) for kind in kinds)


def _time_names(text: str) -> dict[str, set[str]]:
    return {
        "year": {m.group(1) for m in _YEAR_TEXT.finditer(text)},
        "month": {m.group(1).lower() for m in MONTH_NAME.finditer(text)},
        "weekday": {m.group(1).lower() for m in _WEEKDAY_NAME.finditer(text)},
    }


def contradicts_time(question: str, text: str) -> bool:
    """The question names a year, month or weekday that the text does not, while the text
    names another one ("revenue in 2023?" against "… was $18.35 billion in 2024")."""
    named = _time_names(text)
    for unit, asked in _time_names(question).items():
        if asked and named[unit] and not asked & named[unit]:
            return True
    return False
