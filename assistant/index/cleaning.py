"""Page-chrome removal that keeps a map back to the file.

Works line by line: navigation menus, share bars, date-stamped link lists, photo credits,
"Related posts", comment forms and disclaimers are dropped; everything else, including whole
unrelated articles glued to the end of a page, is kept. The result is a list of spans of the
original text, so every kept character still knows its offset in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.english import MONTH, WEEKDAY
from assistant.text.sentences import ENDS_SENTENCE, WRAP_MAX, WRAP_MIN
from assistant.text.textnorm import CJK_RUN

# The version of the cleaning and line joining that chunks are cut from: a change rebuilds
# every file's chunks at the next reindex. 2: indented hard-wrapped lines are joined. 3: the
# text of readers that keep only the document's own text is not cleaned (`Format.chrome`).
# 4: a chunk does not end on a line that announces the next one (`chunking._group`).
# 5: lines of Chinese and Japanese, written without spaces, are counted by their characters
#    and end sentences with 。！？ (they were dropped as short lines of page chrome)
CLEANER_VERSION = 5

_DATE_LINE = re.compile(
    rf"^(?:{WEEKDAY},?\s+)?(?:{MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{MONTH}"
    rf"(?:\s+\d{{4}})?|\d{{4}}-\d{{2}}-\d{{2}}(?:\s+[\d:]+)?|{WEEKDAY})$",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^[•·▪◦*\-–»›>]\s*")
_CHROME_LINE = re.compile(
    r"^(?:connect with us|published|on|by|share|tweet|email|print|continue reading|trending|"
    r"related(?: articles| posts| stories)?|read more|leave a reply|most popular|"
    r"recent comments|recent posts|popular posts|our picks|what's hot|about|categories|"
    r"contact(?: us)?|privacy policy|terms (?:&|and) conditions|advertisement|"
    r"please enter your (?:comment|name) here!?|please enter your comment!|"
    r"(?:share\.?\s+)?(?:facebook|twitter|instagram|pinterest|linkedin|youtube|whatsapp|telegram|tumblr|reddit|email|x)(?:\s+(?:facebook|twitter|instagram|pinterest|linkedin|youtube|whatsapp|telegram|tumblr|reddit|email|x))*|"
    r"[,;|/·•]+)$",
    re.IGNORECASE,
)
_CHROME_PREFIX = re.compile(
    r"^(?:see also\b|watch:|tag:|tags:|disclaimer:|copyright\b|©|powered by\b|"
    r"follow us\b|scan (?:the )?wechat|open your phone and scan|type above and press|"
    r"leave a reply\b|sign up for\b|subscribe to\b|we're social\b|home\s*>|all rights reserved)",
    re.IGNORECASE,
)
_READ_TIME = re.compile(
    r"\d+\s*mins? read\b|no comments\d*|\d{4}-\d{2}-\d{2} \d{2}:\d{2}", re.IGNORECASE
)
_TRAILING_DATE = re.compile(rf"{MONTH}\s+\d{{1,2}},?\s+\d{{4}}$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)…。！？：；」』）]$")


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


def split_lines(text: str) -> list[Line]:
    """Non-blank lines as spans of `text`, leading and trailing white space trimmed."""
    lines = []
    for match in re.finditer(r"[^\r\n]+", text):
        raw = match.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        lines.append(Line(start, start + len(stripped), stripped))
    return lines


def is_date_line(text: str) -> bool:
    return bool(_DATE_LINE.match(text.strip()))


def _is_separated_chrome(line: str, word_count: int) -> bool:
    """Breadcrumbs and photo credits: "Home » Tech » …", "Name | Agency | Getty Images"."""
    pipes = line.count(" | ")
    return pipes >= 2 or (pipes == 1 and word_count <= 6) or " >> " in line or line.count("»") >= 2


def _is_chrome(line: str, next_line: str | None) -> bool:
    # words as spaces part them, and a CJK run (written without spaces) as its bigrams: a run
    # of n characters, one word to split(), is n - 1 of them
    count = len(line.split()) + sum(max(len(run) - 2, 0) for run in CJK_RUN.findall(line))
    if _CHROME_LINE.match(line) or _CHROME_PREFIX.match(line) or is_date_line(line):
        return True
    if _is_separated_chrome(line, count):
        return True
    if _READ_TIME.search(line) or (count <= 6 and _TRAILING_DATE.search(line)):
        return True
    ends_sentence = bool(_SENTENCE_END.search(line))
    if _BULLET.match(line) and count <= 12 and not ends_sentence:
        return True
    if count <= 3 and not ends_sentence:
        return True
    if re.search(r"\(\d[\d,]*\)$", line) and count <= 5:
        return True
    # A headline followed by a date is an entry of a link list, not article text.
    return count <= 30 and next_line is not None and is_date_line(next_line)


def clean_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that hold article text, in order."""
    lines = split_lines(text)
    kept: list[tuple[int, int]] = []
    for index, line in enumerate(lines):
        following = lines[index + 1].text if index + 1 < len(lines) else None
        continues = bool(kept) and kept[-1] == (lines[index - 1].start, lines[index - 1].end)
        wrapped = continues and _continues_wrapped(text, lines[index - 1], line)
        if wrapped or not _is_chrome(line.text, following):
            kept.append((line.start, line.end))
    return kept


def _continues_wrapped(text: str, before: Line, line: Line) -> bool:
    """`line` is the next line of a hard-wrapped paragraph, not a line of its own: it follows
    a kept line of wrapping width that ends no sentence, with no blank line between, and is
    as long itself. Such a line is article text whatever it starts with ("copyright notice
    that is included in …" in a licence)."""
    return (
        text.count("\n", before.end, line.start) == 1
        and WRAP_MIN <= len(before.text) <= WRAP_MAX
        and not ENDS_SENTENCE.search(before.text)
        and WRAP_MIN <= len(line.text) <= WRAP_MAX
    )
