"""The extractive answerer as a pure function: passages in, a draft out, with the corpus'
term rarity (idf) and the semantic closeness (similarity) given by the test."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.extractive import extractive_draft
from assistant.textnorm import terms
from assistant.types import Chunk, Passage

OKAFOR = "Mira Okafor said the glaciers are retreating faster than anyone expected."
ALPS = "The report described the glaciers of the Alps in great detail."
SHRINKING = "Glaciers have been shrinking steadily over the last decade."


def passage(file: str, text: str, start: int = 0, rank_score: float = 1.0) -> Passage:
    return Passage(
        Chunk(f"{file}#0", file, "0" * 64, start, start + len(text), text, 0), rank_score
    )


def idf_of(rare: dict[str, float], default: float = 1.0) -> Callable[[str], float]:
    weights = {terms(word)[0]: value for word, value in rare.items()}
    return lambda term: weights.get(term, default)


def closeness(scores: dict[str, float], default: float = 0.5) -> Callable[..., list[float]]:
    """Similarity by the sentence's first word (the test's sentences start differently)."""

    def similarity(question: str, sentences: list[str]) -> list[float]:
        return [scores.get(s.split()[0], default) for s in sentences]

    return similarity


def test_the_sentence_that_answers_is_quoted_with_its_file_and_offset() -> None:
    text = f"The weather was mild that week in the valley.\n\n{OKAFOR}"
    draft = extractive_draft(
        "What did Mira Okafor say about glaciers?",
        [passage("news.txt", text, start=500)],
        idf_of({"okafor": 6.0, "glaciers": 2.0}),
        closeness({"Mira": 0.7, "The": 0.1}),
    )
    assert not draft.abstained
    (quote,) = draft.quotes.values()
    assert (quote.file, quote.quote) == ("news.txt", OKAFOR)
    assert quote.near == 500 + text.index(OKAFOR)
    assert draft.text == f"{OKAFOR} [1]"


def test_the_rarer_question_word_decides_which_sentence_answers() -> None:
    question = "What did the report say about shrinking glaciers?"
    passages = [passage("alps.txt", ALPS), passage("shrinking.txt", SHRINKING)]
    same_closeness = closeness({}, default=0.5)
    rare_shrinking = extractive_draft(
        question, passages, idf_of({"shrinking": 5.0}), same_closeness
    )
    rare_report = extractive_draft(question, passages, idf_of({"report": 5.0}), same_closeness)
    assert rare_shrinking.quotes[1].file == "shrinking.txt"
    assert rare_report.quotes[1].file == "alps.txt"


def test_closeness_decides_between_sentences_with_the_same_words() -> None:
    question = "What did the report say about glaciers?"
    first = "Reports on glaciers were sent to the ministry every spring."
    second = "Glaciers, the report says, will lose half their ice by 2100."
    passages = [passage("a.txt", first), passage("b.txt", second)]
    idf = idf_of({})
    assert (
        extractive_draft(question, passages, idf, closeness({"Glaciers,": 0.8}, 0.3)).quotes[1].file
        == "b.txt"
    )
    assert (
        extractive_draft(question, passages, idf, closeness({"Reports": 0.8}, 0.3)).quotes[1].file
        == "a.txt"
    )


def test_no_sentence_sharing_a_word_with_the_question_abstains_without_embedding() -> None:
    embedded: list[list[str]] = []

    def similarity(question: str, sentences: list[str]) -> list[float]:
        embedded.append(sentences)
        return [0.9] * len(sentences)

    draft = extractive_draft(
        "What did Mira Okafor say about volcanoes?",
        [passage("alps.txt", ALPS)],
        idf_of({}),
        similarity,
    )
    assert draft.abstained and draft.quotes == {}
    assert embedded == []


def test_a_sentence_neither_close_nor_covering_the_question_is_no_answer() -> None:
    """It shares a word, but little of the question's weight, and reads far from it."""
    draft = extractive_draft(
        "What did the report say about the glaciers of Patagonia?",
        [passage("alps.txt", ALPS)],
        idf_of({"patagonia": 8.0, "glaciers": 4.0}),
        closeness({}, default=0.05),
    )
    assert draft.abstained


def test_no_passages_abstain() -> None:
    assert extractive_draft("Who founded DeepSeek?", [], idf_of({}), closeness({})).abstained
