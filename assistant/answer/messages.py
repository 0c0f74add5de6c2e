"""The assistant's own words in the language of the question (pure).

A question asked in Japanese gets its abstention in Japanese, not "The corpus does not say.".
The language is read from the question itself: kana make it Japanese, Han characters without
kana Chinese; a question in Latin letters is counted against the short words each language's
questions are made of (articles, question words, a few verbs: `FUNCTION_WORDS`) and the
letters only one of them writes (ß, ñ, ¿, ç …). Only the languages with a table below are
told apart; any other, and a question with no clue, gets English.

The documents' own words (quotes) are never translated: only these few sentences are.
"""

from __future__ import annotations

import re

from assistant.text.textnorm import HAN, HIRAGANA, KATAKANA

ENGLISH = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "cannot_answer": "The corpus does not say.",
        "abstain_hint": (
            "No passage in the index supports an answer, so none is given. Rephrase the "
            "question, or check that the corpus covers it."
        ),
        "related_note": (
            "The documents mention {mentions} but do not answer this; their nearest passage "
            "is shown as related."
        ),
        "related_some": (
            "The documents do not answer this; their nearest passage is shown as related."
        ),
    },
    "de": {
        "cannot_answer": "Die Dokumente sagen dazu nichts.",
        "abstain_hint": (
            "Keine Stelle im Index stützt eine Antwort, daher wird keine gegeben. Formulieren "
            "Sie die Frage um, oder prüfen Sie, ob die Dokumente das Thema behandeln."
        ),
        "related_note": (
            "Die Dokumente erwähnen {mentions}, beantworten die Frage aber nicht; ihre "
            "nächstliegende Stelle wird als verwandt gezeigt."
        ),
        "related_some": (
            "Die Dokumente beantworten die Frage nicht; ihre nächstliegende Stelle wird als "
            "verwandt gezeigt."
        ),
    },
    "fr": {
        "cannot_answer": "Les documents ne le disent pas.",
        "abstain_hint": (
            "Aucun passage de l'index ne permet de répondre, aucune réponse n'est donc donnée. "
            "Reformulez la question, ou vérifiez que les documents traitent du sujet."
        ),
        "related_note": (
            "Les documents mentionnent {mentions} mais ne répondent pas à la question ; leur "
            "passage le plus proche est montré comme lié."
        ),
        "related_some": (
            "Les documents ne répondent pas à la question ; leur passage le plus proche est "
            "montré comme lié."
        ),
    },
    "es": {
        "cannot_answer": "Los documentos no lo dicen.",
        "abstain_hint": (
            "Ningún pasaje del índice respalda una respuesta, así que no se da ninguna. "
            "Reformule la pregunta, o compruebe que los documentos tratan el tema."
        ),
        "related_note": (
            "Los documentos mencionan {mentions}, pero no responden a la pregunta; su pasaje "
            "más cercano se muestra como relacionado."
        ),
        "related_some": (
            "Los documentos no responden a la pregunta; su pasaje más cercano se muestra como "
            "relacionado."
        ),
    },
    "ja": {
        "cannot_answer": "文書には書かれていません。",
        "abstain_hint": (
            "索引のどの箇所も回答を裏付けないため、回答していません。質問を言い換えるか、文書がその内容を扱っているか確認してください。"
        ),
        "related_note": (
            "文書は{mentions}に触れていますが、この質問には答えていません。"
            "最も近い箇所を関連として示します。"
        ),
        "related_some": "文書はこの質問に答えていません。最も近い箇所を関連として示します。",
    },
    "zh": {
        "cannot_answer": "文档中没有说明。",
        "abstain_hint": (
            "索引中没有能支持回答的段落，因此不作回答。请换一种问法，或确认文档涵盖了这一内容。"
        ),
        "related_note": "文档提到了{mentions}，但没有回答这个问题；最接近的段落作为相关内容显示。",
        "related_some": "文档没有回答这个问题；最接近的段落作为相关内容显示。",
    },
}

# The short words a question in each language is made of; a word in several lists counts for
# each ("la": French and Spanish). English is the fallback, so it needs the fewest.
FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the a an is are was were who whom whose what when where which why how of and not "
        "for in on with to did does do has have".split()
    ),
    "de": frozenset(
        "der die das den dem des ein eine einen einer ist sind war wer wen wem was wie wann "
        "wo woher wohin warum welche welcher welches hat haben von mit und nicht für auf im "
        "zu zum zur nach über".split()
    ),
    "fr": frozenset(
        "le la les l a des du un une est sont était qui que qu quoi quel quelle quels quelles "
        "quand où pourquoi comment et pas pour dans au aux avec sur par ce cette".split()
    ),
    "es": frozenset(
        "el la los las del a un una es son era quién quiénes qué cuál cuáles cuándo dónde por "
        "cómo y no para en con al sobre este esta".split()
    ),
}
# Letters (and marks) that one of these languages writes and the others do not.
_OWN_LETTERS = {"de": "äöüß", "fr": "çèêëàâîïôûœ", "es": "ñ¿¡áíóú"}
_KANA = re.compile(f"[{HIRAGANA}{KATAKANA}\u31f0-\u31ff\uff66-\uff9f]")  # and half-width
_HAN = re.compile(f"[{HAN}]")
_WORD = re.compile(r"[^\W\d_]+")


def language_of(question: str) -> str:
    """The language of `question` among those with messages, English when unsure."""
    if _KANA.search(question):
        return "ja"
    if _HAN.search(question):
        return "zh"
    words = _WORD.findall(question.casefold())
    votes = {lang: sum(w in table for w in words) for lang, table in FUNCTION_WORDS.items()}
    for lang, letters in _OWN_LETTERS.items():
        votes[lang] += 2 * sum(question.casefold().count(c) for c in letters)
    best = max(votes, key=lambda lang: (votes[lang], lang == ENGLISH))
    return best if votes[best] > votes[ENGLISH] else ENGLISH


def message(key: str, question: str, **fields: str) -> str:
    """The assistant's sentence `key` in the question's language (English when it has none)."""
    table = MESSAGES.get(language_of(question), MESSAGES[ENGLISH])
    return table[key].format(**fields)
