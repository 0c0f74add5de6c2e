"""What kind of answer a question asks for, and whether a sentence holds one (pure), and the
extractive backend abstaining on sentences about the right subject without the answer."""

from __future__ import annotations

import pytest

from assistant.answer.answer_types import (
    AGE,
    DATE,
    MONEY,
    NAME,
    PERCENT,
    PLACE,
    QUANTITY,
    TIME,
    YEAR,
    answer_types,
    contradicts_time,
    fits,
    has_count,
    measure_word,
    names_someone_asked,
)
from assistant.service import Assistant
from tests.conftest import settings_for, write_corpus


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("On what date did the ministers meet?", {DATE}),
        ("In what year was the firm founded?", {YEAR}),
        ("When does the night ferry leave?", {TIME}),
        ("How old is the founder?", {AGE}),
        ("How many GPUs did Meta use?", {QUANTITY}),
        ("By how much did revenue fall?", {QUANTITY}),
        ("How much did Musk spend on the campaign?", {MONEY}),
        ("What was Meta's revenue in 2024?", {MONEY}),
        ("What percentage of sales come from China?", {PERCENT}),
        ("In which Chinese city is the company based?", {PLACE}),
        ("Where does the ferry dock?", {PLACE}),
        ("Where does the analyst rank China among markets?", set()),
        ("Which company makes the chips?", {NAME}),
        ("Who founded DeepSeek?", {NAME}),
        ("Who ultimately holds the real advantage?", set()),
        ("Who is Cliff Steinhauer?", set()),
        ("What did Amodei say about the researchers?", set()),
        ("By what yardstick should success be judged?", set()),
    ],
)
def test_answer_types(question: str, kinds: set[str]) -> None:
    assert answer_types(question) == kinds


@pytest.mark.parametrize(
    ("kind", "text", "question", "expected"),
    [
        (DATE, "The rule takes effect on May 15.", "On what date?", True),
        (DATE, "They met in recent weeks.", "On what date did they meet?", False),
        (DATE, "Shares fell on Monday.", "On what day?", True),
        (YEAR, "The firm was founded in 2023.", "In what year?", True),
        (TIME, "The ferry leaves at 23:40 from pier four.", "When does it leave?", True),
        (TIME, "The ferry leaves from pier four.", "When does it leave?", False),
        (AGE, "Liang, 40, founded the firm.", "How old is Liang?", True),
        (AGE, "Liang revealed in a 2023 interview that he had chips.", "How old?", False),
        (QUANTITY, "It used 2,048 chips.", "How many chips did it use?", True),
        (QUANTITY, "It used the R1 and H100 designs.", "How many chips did it use?", False),
        (QUANTITY, "Founded in 2023, it used chips.", "How many chips did it use?", False),
        (QUANTITY, "It used 16,000 chips.", "How many GPUs did it use?", False),
        (MONEY, "He spent $300 million on it.", "How much did he spend?", True),
        (MONEY, "The bun costs four krona.", "How much does the bun cost?", True),
        (MONEY, "Revenue fell 20% last year.", "What was its revenue?", False),
        (MONEY, "It could take a $7 billion hit.", "What was its revenue?", False),
        (PERCENT, "Shares plunged 17 percent.", "What percentage did shares fall?", True),
        (PLACE, "The firm is based in Hangzhou.", "In which city is the firm based?", True),
        (PLACE, "The firm builds Chinese chips.", "In which city is the firm based?", False),
        (NAME, "The chips are made by Huawei.", "Which company makes the chips?", True),
        (NAME, "The chips are made in China by a partner.", "Which company makes them?", True),
        (NAME, "The chips are cheap.", "Which company makes the chips?", False),
    ],
)
def test_fits(kind: str, text: str, question: str, expected: bool) -> None:
    assert fits(kind, text, question, close=False) is expected


def test_a_close_sentence_may_count_a_synonym_but_must_name_an_abstract_measure() -> None:
    assert fits(QUANTITY, "It used 16,000 chips.", "How many GPUs did it use?", close=True)
    assert not fits(MONEY, "A $7 billion hit.", "What was the revenue?", close=True)


def test_numbers_that_are_years_or_names_do_not_count() -> None:
    assert has_count("it needed 2048 chips")
    assert not has_count("in 2023 the firm grew")
    assert not has_count("the V3 and R1 models")
    assert has_count("a day or two per week")


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        ("What was revenue in 2023?", "Revenue was $18 billion in 2024.", True),
        ("What was revenue in 2024?", "Revenue was $18 billion in 2024.", False),
        ("What was revenue in 2023?", "Revenue was $18 billion this year.", False),
        ("How far did shares rebound on Tuesday?", "Shares fell 17 percent on Monday.", True),
        ("How far did shares fall?", "Shares fell 17 percent on Monday.", False),
    ],
)
def test_a_sentence_about_another_year_or_day_contradicts(
    question: str, text: str, expected: bool
) -> None:
    assert contradicts_time(question, text) is expected


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
        ("What was the budget Globex Corporation put into welding robots?", "$3 million"),
        # a sentence hard-wrapped over three lines is one sentence, quoted whole
        ("By how much had the pilings of the old pier sunk?", "twelve centimetres"),
    ],
)
def test_typed_questions_are_answered(acme: Assistant, question: str, expected: str) -> None:
    answer = acme.answer(question)
    assert not answer.abstained and expected in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "What was Acme Robotics' revenue in 2023?",  # only 2024 is given
        "On what date did Dana Whitfield meet the trade minister?",  # "in recent weeks"
        "How old is Acme's chief executive Dana Whitfield?",
        "In which city does Acme Robotics build its robot arms?",  # "near the river"
        "How many robot arms does Acme Robotics build a year?",
        "How much did Acme Robotics spend on new welding robots?",  # Globex did
    ],
)
def test_sentences_on_the_subject_without_the_answer_abstain(
    acme: Assistant, question: str
) -> None:
    answer = acme.answer(question)
    assert answer.abstained, answer.answer


def test_a_figure_about_someone_else_does_not_answer() -> None:
    question = "How much did it cost to train DeepSeek's model?"
    assert not names_someone_asked(question, "OpenAI reportedly spent over $100 million.")
    assert names_someone_asked(question, "DeepSeek-R1 had a $5.6 million budget.")
    assert names_someone_asked("How much did it cost?", "It cost $5.")


def test_words_for_the_same_measure_are_one_term() -> None:
    assert measure_word("cost") == measure_word("budget") == measure_word("spent")
    assert measure_word("revenu") != measure_word("cost")
    assert measure_word("glacier") == "glacier"


def test_acronyms_are_one_name_and_not_someone() -> None:
    from assistant.followup import entities

    assert entities("When did the U.S. government act?") == ["U.S"]
    question = "How many countries would the AI diffusion rules limit?"
    assert names_someone_asked(question, "It limits access in 150 countries.")


def test_a_change_is_a_quantity_not_a_sum_of_money() -> None:
    assert answer_types("What is Tesla's net income drop in the first quarter?") == {QUANTITY}
    assert fits(QUANTITY, "a 71% plunge in net income", "What was the income drop?", False)
