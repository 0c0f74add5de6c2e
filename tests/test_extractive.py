"""The extractive answerer as a pure function: passages in, a draft out, with the corpus'
term rarity (idf) given by the test."""

from __future__ import annotations

from collections.abc import Callable

from assistant.answer.answer_types import answer_types
from assistant.answer.extractive import extractive_draft
from assistant.text.textnorm import terms
from assistant.types import Chunk, Passage

OKAFOR = "Mira Okafor said the glaciers are retreating faster than anyone expected."
ALPS = "The report described the glaciers of the Alps in great detail."


def passage(file: str, text: str, start: int = 0, rank_score: float = 1.0) -> Passage:
    return Passage(
        Chunk(f"{file}#0", file, "0" * 64, start, start + len(text), text, 0), rank_score
    )


def idf_of(rare: dict[str, float], default: float = 1.0) -> Callable[[str], float]:
    weights = {terms(word)[0]: value for word, value in rare.items()}
    return lambda term: weights.get(term, default)


def far(question: str, sentences: list[str]) -> list[float]:
    """MiniLM closeness, as if no sentence read close to the question."""
    return [0.0] * len(sentences)


def test_the_sentence_that_answers_is_quoted_with_its_file_and_offset() -> None:
    text = f"The weather was mild that week in the valley.\n\n{OKAFOR}"
    draft = extractive_draft(
        "What did Mira Okafor say about glaciers?",
        [passage("news.txt", text, start=500)],
        idf_of({"okafor": 6.0, "glaciers": 2.0}),
        far,
    )
    assert not draft.abstained
    (quote,) = draft.quotes.values()
    assert (quote.file, quote.quote) == ("news.txt", OKAFOR)
    assert quote.near == 500 + text.index(OKAFOR)
    assert draft.text == f"{OKAFOR} [1]"


def test_no_sentence_sharing_a_word_with_the_question_abstains() -> None:
    draft = extractive_draft(
        "What did Mira Okafor say about volcanoes?", [passage("alps.txt", ALPS)], idf_of({}), far
    )
    assert draft.abstained and draft.quotes == {}


def test_a_sentence_covering_little_of_the_question_is_no_answer() -> None:
    """It shares a word, but little of the question's weight, and not its name."""
    draft = extractive_draft(
        "What did the report say about the glaciers of Patagonia?",
        [passage("alps.txt", ALPS)],
        idf_of({"patagonia": 8.0, "glaciers": 4.0}),
        far,
    )
    assert draft.abstained


def test_no_passages_abstain() -> None:
    assert extractive_draft("Who founded DeepSeek?", [], idf_of({}), far).abstained


def test_the_best_sentence_without_the_asked_kind_of_answer_is_no_answer() -> None:
    """It is about Okafor and the glaciers, but gives no time: "when" is not answered."""
    draft = extractive_draft(
        "When did Mira Okafor say the glaciers are retreating?",
        [passage("news.txt", OKAFOR)],
        idf_of({"okafor": 6.0, "glaciers": 2.0}),
        far,
    )
    assert draft.abstained


def test_an_age_or_a_version_is_answered_only_by_a_sentence_that_gives_one() -> None:
    """eval/answerability: "What is Liang Wenfeng's age?" is not answered by the sentence
    that says he founded DeepSeek, nor "Which release of gzip …" by the README's first line."""
    founder = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview that he stockpiled GPUs."
    rare = idf_of({"liang": 6.0, "wenfeng": 6.0, "gzip": 5.0, "readme": 3.0, "make": 3.0})
    assert answer_types("What is Liang Wenfeng's age?") == {"age"}
    assert answer_types("How old is Dale Denton?") == {"age"}
    aged = "Dale Denton is a 25-year-old process server."
    assert extractive_draft(
        "What is Liang Wenfeng's age?", [passage("a.txt", founder)], rare, far
    ).abstained
    assert not extractive_draft(
        "How old is Dale Denton?", [passage("b.txt", aged)], rare, far
    ).abstained
    readme = "This is the file README for the gzip distribution."
    release = "This directory contains the 4.3 release of GNU Make."
    assert answer_types("Which release of gzip does its README describe?") == {"version"}
    clause = "What is the first source pyenv reads to decide which Python version to run?"
    assert answer_types(clause) == frozenset()  # it asks for a source, not a version
    question = "Which release of {} does its README describe?"
    assert extractive_draft(
        question.format("gzip"), [passage("g.txt", readme)], rare, far
    ).abstained
    made = extractive_draft(
        "Which release of GNU Make does this directory contain?",
        [passage("m.txt", release)],
        rare,
        far,
    )
    assert not made.abstained and "4.3" in made.text


def test_a_sentence_about_another_year_is_no_answer() -> None:
    text = "In 2024 the glaciers of the Alps lost three percent of their ice, Okafor said."
    question = "What happened to the glaciers of the Alps in {}?"
    rare = idf_of({"okafor": 6.0, "glaciers": 2.0, "alps": 3.0})
    assert not extractive_draft(
        question.format(2024), [passage("a.txt", text)], rare, far
    ).abstained
    assert extractive_draft(question.format(2023), [passage("a.txt", text)], rare, far).abstained


def test_an_opening_when_clause_sets_the_scene_and_asks_for_no_time() -> None:
    """NarrativeQA: "When Philip is living in Germany, where is he encouraged to move to?"
    asks for a place; the sentence giving it has no time and is still the answer."""
    moved = "In Germany, Philip's uncle encourages him to move to London as an apprentice."
    question = "When Philip is living in Germany, where is he encouraged to move to?"
    assert answer_types(question) == frozenset()
    assert answer_types("When did Philip move to London?") == {"time"}
    assert answer_types("Where did he go, and when did he leave?") == {"time"}
    draft = extractive_draft(
        question,
        [passage("philip.txt", moved)],
        idf_of({"philip": 6.0, "london": 4.0}),
        far,
    )
    assert not draft.abstained


def test_a_sentence_ending_with_a_colon_is_quoted_with_the_line_it_announces() -> None:
    """Documentation says "you can use:" and gives the command on the next line; the first
    alone answers nothing, so both are quoted, each verbatim."""
    lead = "If you want cargo to automatically open the generated documentation, you can use:"
    text = f"Cargo builds the docs of every crate in the workspace.\n\n{lead}\n\ncargo doc --open"
    draft = extractive_draft(
        "How do you get cargo to open the generated documentation automatically?",
        [passage("rustdoc.txt", text, start=100)],
        idf_of({"cargo": 3.0, "documentation": 2.0, "automatically": 3.0}),
        far,
    )
    assert not draft.abstained
    assert [q.quote for q in draft.quotes.values()] == [lead, "cargo doc --open"]
    assert draft.quotes[2].near == 100 + text.index("cargo doc --open")
    assert draft.text == f"{lead} cargo doc --open [1][2]"  # one statement


def test_a_colon_inside_a_line_or_at_a_passages_end_announces_nothing_more() -> None:
    lead = "The committee listed the following reasons for closing the old bridge to traffic:"
    text = f"Meanwhile the ferry ran twice a day: at dawn and at dusk. {lead}"
    draft = extractive_draft(
        "Why did the committee close the old bridge?",
        [passage("minutes.txt", text)],
        idf_of({"committee": 3.0, "bridge": 3.0}),
        far,
    )
    assert [q.quote for q in draft.quotes.values()] == [lead]


def test_a_number_that_names_a_standard_is_no_count() -> None:
    """eval/answerability techdocs an-tech-03: "How many CA certificates does the
    ca-certificates package ship?" was answered with a sentence whose only number is the
    "3647" of "RFC 3647"; a count of certificates it is not."""
    from assistant.answer.answer_types import has_count

    assert not has_count("audited for trustworthiness or RFC 3647 compliance")
    assert not has_count("dates in the ISO 8601 format")
    assert has_count("It used 2,048 chips.")
    rare = idf_of({"ca": 5.0, "certificates": 4.0, "package": 2.0, "ship": 3.0})
    question = "How many CA certificates does the package ship?"
    rfc = "The CA certificates in this package were never audited for RFC 3647 compliance."
    assert extractive_draft(question, [passage("a.txt", rfc)], rare, far).abstained
    ships = "The package ships 140 CA certificates from Mozilla's list."
    assert not extractive_draft(question, [passage("b.txt", ships)], rare, far).abstained


def test_a_day_of_a_month_and_a_measured_period_are_no_count_of_the_asked_thing() -> None:
    """eval/openai (Qwen2.5-Coder-1.5B, replayed): "How many public comments were submitted
    …?" was answered with "There is a 120-day comment period that ends on May 15 …": its
    numbers are a length in days and a day of May, not a count of comments."""
    from assistant.answer.answer_types import fits, has_count

    question = "How many public comments were submitted on the AI diffusion rules?"
    period = "There is a 120-day comment period that ends on May 15 on the AI diffusion rules."
    assert not fits("quantity", period, question, close=True)
    assert fits("quantity", "More than 200 comments were submitted.", question, close=True)
    assert not has_count("the period ends on May 15")
    # asked for a length, the 120 days answer it
    assert fits("quantity", period, "How long is the comment period?", close=True)
