"""Does a sentence say only what its quotes say? A check of the facts that can be checked.

A model can cite a real, verbatim quote and still write a claim it does not support: "Tim
Cook said DeepSeek was a wake-up call" over a quote in which Trump says it, or "DeepSeek
used 200,000 H100 GPUs to train V3" over a sentence about xAI's Grok 3. Meaning cannot be
checked without a model, but the facts that make a claim checkable can: every number, date
and proper name in an answer sentence must stand in the quotes it cites.

A name or number the sentence takes from the question is allowed too (the question says
what is asked about: "Who founded DeepSeek?" → "Liang Wenfeng founded DeepSeek"), unless
the quote is visibly about someone else: it names another entity the sentence does not
mention (the Grok 3 quote names Grok and xAI), or, for a year, gives another year.
Pure functions, no I/O.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass

from assistant.answer.messages import ENGLISH, language_of
from assistant.text.english import (
    GENERIC_NAMES,
    NOT_NAMES,
    STOPWORDS,
    TITLES,
)
from assistant.text.textnorm import base_terms, fold

_NAME_RUN = re.compile(r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*)*")
_DASH = re.compile(r"[\u2012-\u2015]")


def _unaccented(text: str) -> str:
    """ "Golfín" → "Golfin"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold_text(text: str) -> str:
    """`textnorm.fold`, without accents and with a dash between words made a space
    ("Maria—who" is two words)."""
    return fold(_unaccented(_DASH.sub(" ", text)))


# A number: digits with thousands separators or decimals ("2,048", "5.6", "25%").
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[,.]\d+)*(?![\w])")
# A word as written, keeping inner capitals, digits, hyphens, apostrophes and underscores
# ("xAI's", "H100", "PYTHON_DOTENV_DISABLED": an identifier is one name, not its parts).
_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_'’\-]|\.(?=[A-Za-z0-9]))*")
# Where a sentence starts: not after a title's abbreviation ("Dr. Moore" is a name).
_SENTENCE_START = re.compile(
    r"(?:^|(?<!\bDr)(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bSt)(?<!\bProf)(?<!\bGen)(?<!\bSgt)"
    r"(?<!\bCapt)(?<!\bLt)(?<!\bCol)(?<!\bRev)(?<!\bJr)(?<!\bSr)[.!?:;]\s+|[\"“(]\s*)$"
)


@dataclass(frozen=True)
class Facts:
    """The checkable facts of a text: proper names and numbers, in comparison form."""

    names: frozenset[str]
    numbers: frozenset[str]


def facts(text: str, known: frozenset[str] = frozenset()) -> Facts:
    """Names (capitalised words, acronyms, words with digits) and numbers of `text`. A
    capitalised first word of a sentence is a name only if `known` (words capitalised inside
    a sentence somewhere) holds it: "Training cost …" is not about someone called Training."""
    text = fold_text(text)
    names = set()
    for match in _TOKEN.finditer(text):
        word = match.group()
        if word[0].isdigit() and _NUMBER.fullmatch(word):
            continue
        at_start = bool(_SENTENCE_START.search(text[: match.start()]))
        if _is_name(word) and (not at_start or opens_as_name(word, known)):
            names.add(_name_key(word))
    numbers = {_number_key(m.group()) for m in _NUMBER.finditer(text)}
    return Facts(frozenset(n for n in names if n), frozenset(numbers))


def inner_capitals(*texts: str) -> frozenset[str]:
    """Capitalised words that stand inside a sentence (so are names) in any of `texts`."""
    found = set()
    for text in texts:
        text = fold_text(text)
        for match in _TOKEN.finditer(text):
            word = match.group()
            if _is_name(word) and not _SENTENCE_START.search(text[: match.start()]):
                found.add(_name_key(word))
    return frozenset(found)


def opens_as_name(word: str, known: frozenset[str]) -> bool:
    """Whether a capitalised word opening a sentence is a name: one wherever it stands
    (H100, DeepSeek), or one that `known` (`inner_capitals`) holds."""
    return _marked(word) or _name_key(word) in known


def _is_name(word: str) -> bool:
    bare = _name_key(word)
    if not bare or bare in NOT_NAMES:
        return False
    return _marked(word) or word[0].isupper()


def _marked(word: str) -> bool:
    """A word that is a name wherever it stands: H100, V3, DeepSeek, xAI, GPU."""
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


def _name_key(word: str) -> str:
    """A word in comparison form: lower case, no accents ("Golfín" = "Golfin"), no 's."""
    word = re.sub(r"'s$|'$", "", _unaccented(word.replace("’", "'")))
    return word.strip("-'_").lower()


def _number_key(number: str) -> str:
    bare = number.replace(",", "")
    if "." in bare:
        bare = bare.rstrip("0").rstrip(".") or "0"
    return bare


def _words(text: str) -> set[str]:
    """The text's words in comparison form; a dotted or underscored word gives its parts
    too: a quote that says "libtasn1.h" names "libtasn1", and "load_dotenv" names "dotenv"
    (but not "DOTENV_LOAD")."""
    found = {_name_key(m.group()) for m in _TOKEN.finditer(fold_text(text))}
    split = {
        part for word in found if "." in word or "_" in word for part in re.split(r"[._]", word)
    }
    return found | {part for part in split if part}


_POLARITY = frozenset("yes no not never none neither nor".split())


_LOOP_WORDS = 6  # a run of this many words said three times in one sentence is a loop
_LOOP_TIMES = 3


def repeats_itself(sentence: str) -> bool:
    """True when a run of six words comes three times in the sentence: a small model caught
    in a loop ("… SandboxAQ, said Stefan Leichenauer, vice president … SandboxAQ, said Stefan
    Leichenauer, …" until the reply's token cap) writes no claim a reader can use, even when
    every name in it is in its quote."""
    words = re.findall(r"\w+", sentence.lower())
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(words) - _LOOP_WORDS + 1):
        run = tuple(words[i : i + _LOOP_WORDS])
        seen[run] = seen.get(run, 0) + 1
        if seen[run] >= _LOOP_TIMES:
            return True
    return False


def asks(sentence: str, quotes: Sequence[str]) -> bool:
    """True when the sentence is a question that its quotes do not ask: a small model echoing
    what it was asked ("Question: Who came back to hold hand with Susan?") claims nothing,
    whatever it cites. A source's own question, quoted, is the source's."""
    return sentence.rstrip(" \"'”’)").endswith("?") and not any("?" in q for q in quotes)


def restates(question: str, sentence: str) -> bool:
    """True when the sentence adds nothing to the question: every content word of it is the
    question's ("Which technique does she say lets rivals do more with less?" answered with
    "She says rivals can do more with less."). A yes or a no is something, and so is a number
    or a name the question does not have ("10,000 A100 GPUs")."""
    said = base_terms(sentence)
    if not said or _POLARITY & set(re.findall(r"[a-z]+", sentence.lower())):
        return False
    known = inner_capitals(sentence, question)
    claim, asked = facts(sentence, known), facts(question, known)
    if claim.numbers - asked.numbers or claim.names - asked.names:
        return False
    return said <= base_terms(question)


def says_what_is_asked(question: str, quotes: Sequence[str]) -> bool:
    """True when the quotes hold a word of what the question asks beyond the names it asks
    about, or it asks nothing beyond them: "the LZMA2 encoder competes with bzip2" names bzip2
    but says nothing of "Who holds the copyright for bzip2?". A looser test than it seems
    (a quote may say "established" for "founded"), so it gates only second choices."""
    named = set().union(
        *(base_terms(name) for name in facts(question, inner_capitals(question)).names)
    )
    asked = base_terms(question) - named - base_terms("whose")
    return not asked or bool(asked & base_terms(" ".join(quotes)))


def subjects_asked(question: str, files: Iterable[str]) -> frozenset[str]:
    """The question's lower-case words that open a corpus file's name, when it names nothing
    capitalised: "tqdm" of "tqdm_README.md", "bzip2" of "bzip2_copyright.txt". A technical
    corpus names its subjects so, and "Who was the original author of tqdm?" answered from
    mmh3's README is beside the question, whatever names that answer's quote holds."""
    if names_asked(question):
        return frozenset()
    heads = {re.split(r"[_.]", name.rsplit("/", 1)[-1], maxsplit=1)[0].lower() for name in files}
    said = {m.group() for m in _TOKEN.finditer(fold_text(question)) if m.group().islower()}
    return frozenset(w for w in said & heads if len(w) > 2 and not w.isdigit())


def off_topic(
    question: str,
    evidence: Sequence[str],
    ordinary: Set[str] = frozenset(),
    subjects: Set[str] = frozenset(),
) -> bool:
    """True when the question names someone or something and the evidence — the quotes and
    the text around them, where a "he" or "the company" is named — names none of them:
    the sentence may be true, but it is not about what was asked ("Who kills the Wieroo
    king?" answered with a sentence about Ming). A title ("the Wieroo King") does not count:
    a sentence about Cleo King is not about the Wieroo King. A hyphenated or dotted name is
    named when its parts are ("MIME-info" in "shared-mime-info-spec.pdf"); the caller may
    give the cited file's name as evidence, which names what a technical document is about.
    One word of a name of several words is enough ("Carlyle" for "Archibald Carlyle") unless
    `shadowed` says it is another name's, `ordinary` being the lower-case words of the
    documents the evidence comes from. `subjects` are further names the question asks about
    (`subjects_asked`)."""
    asked = names_asked(question) | subjects
    if not asked:
        return False
    joined = " ".join(evidence)
    said = _words(joined)
    said |= {part for word in said for part in _parts(word)}
    named = {
        name
        for name in asked
        if name in said
        or set(_parts(name)) <= said
        or bool((versioned := _version_parts(name)) and set(versioned) <= said)
    }
    runs = [run for run in asked_runs(question, asked) if run & named]
    return all(shadowed(run, joined, said, ordinary) for run in runs)


def asked_runs(question: str, asked: Set[str]) -> list[frozenset[str]]:
    """The question's names grouped as it writes them: "Microsoft Public License", "Tom"; a
    name outside any run of capitalised words ("xAI") is a run of its own."""
    runs = [frozenset(_run_words(run) & asked) for run in _NAME_RUN.findall(fold_text(question))]
    runs = [run for run in runs if run]
    alone = asked - set().union(*runs) if runs else asked
    return [*runs, *(frozenset({name}) for name in alone)]


def ordinary_words(text: str) -> frozenset[str]:
    """The words `text` writes in lower case as words of its prose (not in an address or a
    file name): a licence's "license", a story's "rose"; "mozilla.org" gives no "mozilla"."""
    return frozenset(m.group() for m in _LOWER_WORD.finditer(text))


_LOWER_WORD = re.compile(r"(?<![\w./@:-])[a-z]+(?![\w/@-]|\.\w)")


def shadowed(run: Set[str], text: str, said: Set[str], ordinary: Set[str] = frozenset()) -> bool:
    """True when `text` holds another name sharing words with the question's `run` of names
    and nothing that is the run's own: "Mozilla Public License" is not the "Microsoft Public
    License", "Cornelia Carlyle" not "Archibald Carlyle". The run's own is a word of it that
    the other names lack, or the whole run, or a short form of it whose words are not all
    `ordinary` (lower-case words of the text's documents) and that follows no "the" or
    "this": "Mr. Carlyle" counts, "this License" does not."""
    if len(run) < 2:
        return False
    text = fold_text(text)
    # each run with the text before its first name word ("This License": "… This ")
    runs = [(_run_words(m.group()), _name_start(m)) for m in _NAME_RUN.finditer(text)]
    others = [f for f, _ in runs if f & run and not run <= f and f - run - ordinary]
    if not others or any(run <= found for found, _ in runs):
        return False
    if (run - set().union(*others)) & said:
        return False
    return not any(
        found and found <= run and found - ordinary and not _DETERMINED.search(text[:start])
        for found, start in runs
    )


# A capitalised word after one of these is a thing's short name ("this License") or a defined
# term ('"License" means'), not a person's.
_DETERMINED = re.compile(
    r"(?:\b(?:the|this|that|these|those|such|each|any|every|a|an)\s+|[\"“‘])$", re.IGNORECASE
)


def _name_start(match: re.Match[str]) -> int:
    """Where the first word of a run of capitalised words that is no grammar starts."""
    offset = match.start()
    for word in match.group().split():
        offset = match.string.index(word, offset)
        if _run_words(word):
            break
    return offset


def _run_words(run: str) -> set[str]:
    """The name words of a run of capitalised words: not grammar, titles or places like "U.S."."""
    words = {_name_key(word).rstrip(".") for word in run.split()}
    return words - NOT_NAMES - STOPWORDS - TITLES - GENERIC_NAMES - {""}


def _parts(name: str) -> list[str]:
    """The pieces of a hyphenated or dotted word: "mime-info" → mime, info."""
    return [part for part in re.split(r"[-.]", name) if part]


_VERSIONED = re.compile(r"([a-z]{2,}?)v?(\d+(?:\.\d+)*)")


def _version_parts(name: str) -> list[str]:
    """A name with its version run together, as its name and its number: "gplv3" → gpl, 3;
    the text may write "the GPL, version 3" or "GPL-3.0"."""
    match = _VERSIONED.fullmatch(name)
    return [match[1], match[2]] if match else []


# A name is taken as mentioned in a slipped spelling ("Shopia" for "Sophia") this close.
_SLIP_RATIO = 0.8


def names_asked(question: str) -> frozenset[str]:
    """The names a question asks about, less titles ("the Wieroo King": Wieroo); none when
    the question is not in English, whose capitals are what this module reads as names:
    German capitalises every noun ("Welche Variable trägt man …"), and the other languages
    are not read this way either, so the checks of names (`off_topic`, `unmentioned`) pass
    their questions by."""
    if language_of(question) != ENGLISH:
        return frozenset()
    asked = facts(question, inner_capitals(question)).names - GENERIC_NAMES
    return asked - TITLES if asked - TITLES else asked


def unmentioned(question: str, texts: Sequence[str]) -> list[str]:
    """The names the question asks about that none of `texts` mentions, spelt as the
    question spells them, a name of several words as one ("Benjamin Bathurst"): "Wieroo"
    for "Who kills the Wieroo king?" over passages about other stories. Each name of a run of
    capitalised words counts for the run: "Cliff Steinhauer" is mentioned when "Steinhauer"
    is. A word counts as mentioned inside a longer word ("Nela" in "Marianela"), with a slip
    ("Shopia"), or through any part of a hyphenated name; not when the word is another
    name's ("Public License" of the Mozilla Public License does not mention the Eclipse
    Public License: `shadowed`)."""
    asked = names_asked(question)
    if not asked:
        return []
    joined = fold_text(" ".join(texts))
    present = _words(joined)
    capitalised = {_name_key(m.group()) for m in _TOKEN.finditer(joined) if m.group()[0].isupper()}
    present |= {part for word in present for part in word.split("-")}  # "DeepSeek-V3": V3
    capitalised |= {part for word in capitalised for part in word.split("-")}
    runs = [{_name_key(w) for w in run.split()} for run in _NAME_RUN.findall(fold_text(question))]
    asked_by_run = asked_runs(question, asked)
    ordinary = ordinary_words(" ".join(texts))
    missing = set()
    for name in asked:
        run = next((r for r in runs if name in r), {name})
        parts = {p for word in run - TITLES for p in word.split("-") if p} or {name}
        if not any(_mentioned_word(part, present, capitalised) for part in parts) or any(
            name in r and shadowed(r, joined, present, ordinary) for r in asked_by_run
        ):
            missing.add(name)
    words = [m.group() for m in _TOKEN.finditer(fold_text(question))]
    keys = [_name_key(word) for word in words]
    spelt = []
    for asked_run in asked_by_run:
        if asked_run & missing:
            found = [w for w, k in zip(words, keys, strict=True) if k in asked_run]
            spelt.append(" ".join(dict.fromkeys(re.sub(r"['’]s?$", "", w) for w in found)))
    return spelt


def _mentioned_word(word: str, present: Set[str], capitalised: Set[str]) -> bool:
    """`_mentioned`, or for a name with its version run together ("GPLv3"), the name
    mentioned and the number present ("GPL" and "Version 3")."""
    if _mentioned(word, present, capitalised):
        return True
    versioned = _version_parts(word)
    return (
        bool(versioned)
        and _mentioned(versioned[0], present, capitalised)
        and (versioned[1] in present)
    )


def _mentioned(name: str, present: Set[str], capitalised: Set[str]) -> bool:
    """`name` is one of the `present` words, or close to one of the `capitalised` (names)."""
    if name in present or name in NOT_NAMES:
        return True
    if len(name) < 4:
        return False
    for word in capitalised:
        if word.endswith(name) or word.startswith(name):
            return True
        # a slip: a letter changed, dropped or added, or two swapped ("Shopia", "Laura")
        if len(name) >= 5 and abs(len(word) - len(name)) <= 1:
            matcher = difflib.SequenceMatcher(a=name, b=word, autojunk=False)
            if matcher.quick_ratio() >= _SLIP_RATIO and matcher.ratio() >= _SLIP_RATIO:
                return True
    return False
