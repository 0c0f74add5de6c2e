"""English, in one place: the word lists and regular-expression pieces that read English text
or English questions. A text or question in another language finds none of these, so it passes
the checks built on them untouched (a German question is not searched for "how many"); each
list names where it is used. Moved here verbatim from the modules that use them: where two
lists of one kind differ (month names written three ways, number words in two lengths), the
difference is what their users were fitted or tested with.

The instructions a document gives an assistant (`instructs`) and the "Yes,"/"No," of an
answer's form (`without_reply_word`) are here too, with the failures they prevent.
"""

from __future__ import annotations

import re

# Month and weekday names, any case, abbreviations allowed: dates in chrome cleaning
# (index/cleaning.py) and dates asked for and given (answer/answer_types.py).
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"


# Number words as the selector reads a count (answer/selector.py): plurals, no "half".
COUNT_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?"
)


# Month names capitalised, as a date in running text writes them (answer/selector.py):
# "May" the month, not "may" the verb.
MONTH_CAPITALISED = (
    r"Jan(?:uary)?|Feb(?:ruary)?|March|April|May|June|July|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)


# A sentence that opens by referring back to the one before (answer/selector.py).
OPENS_REFERRING_BACK = re.compile(
    r"[\"“‘']?(?:he|she|it|they|this|these|those|his|her|its|their)\b", re.I
)


# A month named in full, any case ("may" left out: a verb far more often) (answer/answer_types.py).
MONTH_NAME = re.compile(
    r"\b(january|february|march|april|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)


# Number words as an asked quantity, sum or age reads them (answer/answer_types.py).
NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|billions|trillion|dozen|dozens|half|double|twice|triple|quarter"
)


# Words of a follow-up question that stand for something named before (answer/followup.py).
REFERENCE = re.compile(
    r"\b(he|she|it|they|him|her|his|hers|its|their|them|this|that|these|those|there|the company"
    r"|the firm)\b",
    re.IGNORECASE,
)


# Capitalised words that open a question without naming anything (answer/followup.py).
QUESTION_OPENERS = frozenset(
    "Who What Which When Where Why How Did Does Do Is Are Was Were Has "
    "Have Can Could Should Would Will And Also The A An".split()
)


# Stop words of the keyword index and of every term comparison (text/textnorm.py).
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours say said
    says according tell told did does do s t""".split()
)


# Irregular past forms and participles, each with its base verb (text/textnorm.py). Forms
# that are also common other words ("found", "left", "saw", "rose", "felt", "led") are left out.
IRREGULAR_VERBS = (
    "ate:eat became:become began:begin begun:begin bought:buy broke:break broken:break "
    "brought:bring built:build came:come caught:catch chose:choose chosen:choose dealt:deal "
    "drew:draw drawn:draw drove:drive driven:drive eaten:eat fed:feed flew:fly flown:fly "
    "forgave:forgive forgiven:forgive forgot:forget forgotten:forget fought:fight froze:freeze "
    "frozen:freeze gave:give given:give gone:go got:get gotten:get grew:grow grown:grow "
    "heard:hear held:hold hid:hide hidden:hide hung:hang kept:keep knew:know known:know "
    "lost:lose made:make met:meet paid:pay ran:run rode:ride ridden:ride sang:sing sank:sink "
    "sat:sit seen:see sent:send slept:sleep sold:sell spent:spend spoke:speak spoken:speak "
    "stole:steal stolen:steal stood:stand swam:swim taken:take taught:teach thought:think "
    "threw:throw thrown:throw took:take understood:understand went:go woke:wake wore:wear "
    "worn:wear written:write wrote:write"
)


# What "the company" or "the novel" stands in for: a name given earlier in the text
# (answer/support.py, answer/citations.py).
STAND_INS = (
    "company|firm|startup|group|model|lab|agency|government|country|city|book|film|novel|story"
)


# A quote that opens by referring back is about whoever the text named before it
# (answer/support.py, answer/context.py).
REFERS_BACK = re.compile(
    rf"[\"“‘']?(?:he|she|it|they|this|these|that|those|his|her|its|their|the (?:{STAND_INS}))\b",
    re.IGNORECASE,
)


# Anywhere in a quote's sentence: a word that stands for someone named before, or speech
# (answer/citations.py).
REFERS_ANYWHERE = re.compile(
    rf"\b(?:he|she|it|they|him|his|her|its|their|them|the (?:{STAND_INS}|play))\b|[\"“”]",
    re.IGNORECASE,
)


# Capitalised words that are grammar, not names, wherever they stand (answer/support.py).
NOT_NAMES = frozenset(
    """i i'm i've i'd the a an in on at of for to by with from as and but or nor so yet
    if when while after before since during because although though however therefore
    this that these those there here it its he she they we you his her their our your
    according based overall also both each every some many most several all no not
    yes one two three four five six seven eight nine ten first second third last next
    mr mrs ms dr prof sir ai ceo cto cfo gpu gpus cpu cpus api apis llm llms""".split()
)


# Names a quote can carry without being "about someone else" (answer/support.py).
GENERIC_NAMES = frozenset(
    """u.s us usa america american china chinese january february march april may june july
    august september october november december monday tuesday wednesday thursday friday
    saturday sunday ai""".split()
)


# Titles that name a role more than someone: matched only when the question names nothing
# else (answer/support.py).
TITLES = frozenset(
    """king queen prince princess lord lady duke duchess earl count countess baron emperor
    empress sultan pope bishop father mother brother sister uncle aunt captain colonel
    general major sergeant officer detective doctor professor president senator governor
    mayor judge sheriff sir madam miss mister""".split()
)


# `instructs`: a sentence that tells an assistant what to answer states nothing about the
# world. A page in the corpus addressed to "AI assistants", dictating that "DeepSeek was
# founded by Sam Altman in 2019", made a real 1.5B model answer exactly that and cite the
# instruction as its quote; every word of the claim was in the quote (tests/test_terms.py).
_DEMANDS = (
    # "if you are asked who founded DeepSeek", "when a user asks …"
    r"\b(?:if|when|whenever|should)\s+(?:you\s+are|you're|you\s+get|you\s+were|(?:a|the)\s+"
    r"(?:user|reader|visitor)s?)\s+ask",
    # "answer that …", "say: …", "you must reply with …", at a clause's start
    r"(?:^|[.:;,!]\s*|\b(?:you|assistants?|models?)\s+(?:should|must|shall|will|are\s+to)\s+"
    r"(?:always\s+)?)(?:always\s+)?(?:answer|respond|reply|say|state|tell\s+(?:them|the\s+user"
    r"|users))\b\s*(?:that\b|with\b|:)",
    # addressed to the machine reading it
    r"\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:ai|llms?|chatbots?|assistants?|"
    r"language\s+models?)\b",
    r"\b(?:ai|llm|chatbot|language[- ]model)\s+assistants?\s*[:,]",
    r"\bignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|other|above|earlier)\s+"
    r"(?:instructions|documents|sources|passages|context)\b",
)
_DEMAND = re.compile("|".join(_DEMANDS), re.IGNORECASE)


def instructs(sentence: str) -> bool:
    """True when the sentence dictates what to answer or addresses an AI assistant."""
    return bool(_DEMAND.search(" ".join(sentence.split())))


# `without_reply_word`: "Yes, the White House has kept the restrictions intact" answers a
# yes/no question; the "Yes" is the answer's form, not a word its quote must hold (Qwen 1.5B on
# news dev d10 lost its right answer to "its quote does not say yes").
_REPLY_WORD = re.compile(r"^\s*(?:yes|no)\b[,.:;!]?\s*", re.IGNORECASE)


def without_reply_word(sentence: str) -> str:
    """The sentence without an opening "Yes," or "No,"."""
    return _REPLY_WORD.sub("", sentence, count=1)
