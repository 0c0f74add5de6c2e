"""The extractive backend's general answer selector: answer kinds, features, the gate, and
answers over a small corpus (what replaced the phrasing rules of `answer_types`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from assistant.answer.selector import (
    FEATURES,
    SELECTOR,
    Candidate,
    asked_kinds,
    features,
    holds_kind,
    select,
    sentence_scores,
)
from assistant.service import Assistant
from assistant.text.textnorm import terms
from assistant.types import Chunk, Passage
from tests.conftest import settings_for, write_corpus


def kinds(question: str) -> set[str]:
    return {kind for kind, _ in asked_kinds(question)}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("When does the night ferry leave?", {"time"}),
        ("In what year was the firm founded?", {"time"}),
        ("How many GPUs did Meta use?", {"number"}),
        ("How old is the founder?", {"number"}),
        ("Where does the ferry dock?", {"place"}),
        ("In which city is the company based?", {"place"}),
        ("Who founded DeepSeek?", {"person"}),
        ("Which company makes the chips?", {"person"}),
        ("What did Amodei say about the researchers?", set()),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, expected: set[str]) -> None:
    assert kinds(question) == expected


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("When was it founded?", "The firm was founded in 2023.", True),
        ("When was it founded?", "The firm was founded by engineers.", False),
        ("How many chips did it use?", "It used 2,048 chips.", True),
        ("How many chips did it use?", "It used many chips.", False),
        ("Where is the firm based?", "The firm is based in Hangzhou.", True),
        ("Who founded DeepSeek?", "DeepSeek was founded by Liang Wenfeng.", True),
        # a name the question already says is not an answer to it
        ("Who founded DeepSeek?", "The founders of DeepSeek are engineers.", False),
    ],
)
def test_a_sentence_holds_the_kind_only_with_words_the_question_does_not_say(
    question: str, text: str, expected: bool
) -> None:
    asked = set(terms(question))
    assert any(holds_kind(pattern, text, asked) for _, pattern in asked_kinds(question)) is expected


def candidate(text: str, file: str = "a.txt", rank: int = 0, before: str = "") -> Candidate:
    quote = f"{before} {text}" if before else text
    return Candidate(text, quote, file, 0, rank, (), before, "")


def test_features_see_the_question_terms_names_and_kind() -> None:
    pool = [
        candidate("Liang Wenfeng founded DeepSeek in 2023 in Hangzhou."),
        candidate("The weather in Paris was mild that spring."),
    ]
    rows = features("When did Liang Wenfeng found DeepSeek?", pool, lambda t: 1.0)
    column = dict(zip(FEATURES, rows.T, strict=True))
    assert rows.shape == (2, len(FEATURES))
    assert column["local"][0] == 1.0 and column["local"][1] == 0.0
    assert list(column["kind_held"]) == [1.0, 0.0]
    assert list(column["names_missing"]) == [0.0, 1.0]
    assert list(column["rank"]) == [1.0, 1.0]


def test_a_capitalised_opening_word_is_a_name_only_where_the_sentences_capitalise_it() -> None:
    pool = [
        candidate("Overhead is low: about 60ns per iteration, unit tested."),
        candidate("Then Fletch takes Gail on a vacation to Rio."),
    ]

    def missing(question: str) -> list[float]:
        rows = features(question, pool, lambda t: 1.0)
        return list(dict(zip(FEATURES, rows.T, strict=True))["names_missing"])

    # "Roughly" and "Under" open the question; no sentence names anyone so
    assert missing("Roughly how much overhead per iteration?") == [0.0, 0.0]
    assert missing("Under the terms, whom does Fletch take to Rio?") == [1.0, 0.0]
    # "Fletch" opens it too, but the sentences write it as a name
    assert missing("Fletch takes Gail to where?") == [1.0, 0.0]
    assert missing("Fletch's Gail goes to where?") == [1.0, 0.0]
    jones = [candidate("Then Davy Jones sails to Rio."), candidate("Overhead is low.")]
    rows = features("Jones sails where?", jones, lambda t: 1.0)
    assert list(dict(zip(FEATURES, rows.T, strict=True))["names_missing"]) == [0.0, 1.0]


def test_a_german_questions_nouns_are_not_taken_for_names() -> None:
    """German writes every noun with a capital: "Prüfung aller Abhängigkeiten" names no one,
    and a sentence that lacks those words is not about someone else."""
    pool = [candidate("Sie können jederzeit durch Ausführung von apt-get check geprüft werden.")]
    question = "Wie führt man die Prüfung aller Abhängigkeiten von APT aus?"
    rows = features(question, pool, lambda t: 1.0)
    assert list(dict(zip(FEATURES, rows.T, strict=True))["names_missing"]) == [0.0]
    # in English a capitalised word inside the question is read as a name: "Dependencies"
    english = features("How does APT check the Dependencies?", pool, lambda t: 1.0)
    assert list(dict(zip(FEATURES, english.T, strict=True))["names_missing"]) == [0.5]


def test_sentence_scores_rank_the_answering_sentence_first_across_passages() -> None:
    text = "The weather in Paris was mild that spring.  Liang Wenfeng founded DeepSeek in 2023."
    first = Passage(Chunk("a", "a.txt", "s", 0, len(text), text, 0), 1.0)
    again = Passage(
        Chunk("b", "b.txt", "s", 0, 40, "Liang Wenfeng  founded DeepSeek in 2023.", 0), 0.5
    )
    scored = sentence_scores(
        "When did Liang Wenfeng found DeepSeek?", [first, again], lambda t: 1.0
    )
    assert set(scored) == {
        "The weather in Paris was mild that spring.",
        "Liang Wenfeng founded DeepSeek in 2023.",
    }  # keyed by the words, white space folded; a repeated sentence keeps its best score
    assert (
        scored["Liang Wenfeng founded DeepSeek in 2023."]
        > scored["The weather in Paris was mild that spring."]
    )


def test_the_gate_abstains_and_follow_on_sentences_stay_in_the_first_file() -> None:
    pool = [candidate("First answer sentence here."), candidate("Other file.", "b.txt")]
    pool.append(candidate("Second answer sentence here.", rank=1))
    rows = np.zeros((3, len(FEATURES)))
    rows[:, 0] = [1.0, 0.9, 0.8]  # local coverage alone ranks them
    ranked = dataclasses.replace(
        SELECTOR,
        weights=(1.0, *(0.0,) * (len(FEATURES) - 1)),
        bias=0.0,
        margin=0.5,
        max_sentences=2,
    )
    open_gate = dataclasses.replace(ranked, gate=(0.0, *(0.0,) * len(FEATURES), 1.0))
    shut_gate = dataclasses.replace(ranked, gate=(0.0, *(0.0,) * len(FEATURES), -1.0))
    assert [c.text for c in select(pool, rows, open_gate)] == [
        "First answer sentence here.",
        "Second answer sentence here.",
    ]
    assert select(pool, rows, shut_gate) == []


def test_a_sentence_quoted_with_the_one_before_replaces_that_one() -> None:
    first = candidate("Emerging at an unknown place, David frees his captive.")
    second = candidate("He names the place Greenwich.", before=first.text)
    rows = np.zeros((2, len(FEATURES)))
    rows[:, 0] = [1.0, 0.9]
    params = dataclasses.replace(
        SELECTOR,
        weights=(1.0, *(0.0,) * (len(FEATURES) - 1)),
        bias=0.0,
        gate=(0.0, *(0.0,) * len(FEATURES), 1.0),
        margin=0.5,
    )
    assert [c.quote for c in select([first, second], rows, params)] == [second.quote]


FACTS = {
    "acme.txt": (
        "Acme Robotics reported its annual results on Tuesday. "
        "Acme Robotics said its revenue was $4.2 billion in 2024, up from a year earlier. "
        "The company's chief executive, Dana Whitfield, met the trade minister in recent weeks "
        "to discuss tariffs on robot arms. "
        "Acme Robotics builds its robot arms in a factory near the river.\n"
    ),
    "ferry.txt": "The night ferry to Elm Island leaves at 23:40 from pier four.\n",
    "globex.txt": "Globex Corporation spent $3 million on new welding robots last year.\n",
    "wrapped.txt": (
        "The harbour survey of 2021 was carried out by a team of eleven divers who\n"
        "mapped the old pier, and it found that the pilings had sunk by twelve\n"
        "centimetres since the last survey.\n"
    ),
}


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    root = tmp_path_factory.mktemp("acme")
    corpus = write_corpus(root / "corpus", FACTS)
    assistant = Assistant(settings_for(corpus, root / "index", llm="extractive"))
    assistant.reindex()
    return assistant


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What was Acme Robotics' revenue in 2024?", "$4.2 billion"),
        ("When does the night ferry to Elm Island leave?", "23:40"),
        ("How much did Globex Corporation spend on welding robots?", "$3 million"),
        # a sentence hard-wrapped over three lines is one sentence, quoted whole
        ("By how much had the pilings of the old pier sunk?", "twelve centimetres"),
    ],
)
def test_questions_are_answered_with_the_sentence_holding_the_answer(
    acme: Assistant, question: str, expected: str
) -> None:
    answer = acme.answer(question)
    assert not answer.abstained and expected in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "Who is the goalkeeper of the Zanzibar Comets?",
        "What did Professor Okonkwo discover about quasars?",
    ],
)
def test_questions_about_what_the_corpus_never_names_abstain(
    acme: Assistant, question: str
) -> None:
    answer = acme.answer(question)
    assert answer.abstained, answer.answer


def test_a_part_of_a_conjoined_question_is_answered_from_the_passages_of_any_part() -> None:
    from assistant.answer.extractive import answer_parts
    from assistant.answer.selector import UNSEEN
    from assistant.types import Chunk, Passage

    text = (
        "The night ferry to Elm Island leaves at 23:40 from pier four. "
        "A single ticket for the night ferry costs twelve euros."
    )
    passage = Passage(Chunk("c1", "ferry.txt", "sha", 0, len(text), text, 0), 1.0)
    parts = ["When does the night ferry leave?", "what does a ticket cost?"]
    # nothing was retrieved for the first part; the second part's passage answers both
    idf = lambda t: 9.0 if t == UNSEEN else 2.0  # noqa: E731
    draft = answer_parts(parts, [[], [passage]], idf, lambda q, s: [0.0] * len(s))
    assert not draft.abstained
    assert "23:40" in draft.text and "Nothing in the corpus" not in draft.text
    assert len(draft.quotes) == 1  # the sentence given for both parts is quoted once
