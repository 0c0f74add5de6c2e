"""Quote verification and the draft-to-answer rules (pure)."""

from __future__ import annotations

from assistant.answer.citations import CANNOT_ANSWER, Draft, ProposedQuote, verify_draft
from assistant.answer.verify import FileTexts, locate_anywhere, locate_in

FILES = {
    "a.txt": "Intro line.\nHe said: “It’s  possible\nthat the AI chip restrictions gave DeepSeek "
    "an incentive” — really.\nThe cat sat on the mat today.",
    "b.txt": "Zeta eta theta iota kappa lambda. The budget was $5.6 million.",
}


def texts() -> FileTexts:
    return FileTexts(FILES)


def test_whitespace_and_quote_variants_verify_with_exact_offsets() -> None:
    found = locate_in(
        texts(),
        "a.txt",
        '"It\'s possible that the AI chip restrictions gave DeepSeek an incentive"',
    )
    assert found is not None
    assert FILES["a.txt"][found.start : found.end] == found.quote
    assert (
        found.quote == "“It’s  possible\nthat the AI chip restrictions gave DeepSeek an incentive”"
    )


def test_fabricated_quote_is_not_found() -> None:
    assert locate_in(texts(), "a.txt", "the restrictions were a total failure") is None
    assert locate_anywhere(texts(), "the restrictions were a total failure", []) is None


def test_misattributed_quote_is_found_in_the_other_file() -> None:
    assert locate_in(texts(), "a.txt", "The budget was $5.6 million") is None
    assert locate_anywhere(texts(), "The budget was $5.6 million", ["a.txt"]) is None
    found = locate_anywhere(
        texts(), "The budget was $5.6 million", ["a.txt"], lambda quote: ["a.txt", "b.txt"]
    )
    assert found is not None and found.file == "b.txt"


def test_a_quote_must_not_start_inside_a_word() -> None:
    assert locate_in(texts(), "b.txt", "eta theta iota kappa") is not None
    assert locate_in(texts(), "b.txt", "ta eta theta iota kappa") is None


def test_elided_quote_verifies_its_longest_fragment() -> None:
    found = locate_in(texts(), "a.txt", "It’s possible … gave DeepSeek an incentive")
    assert found is not None and found.quote == "gave DeepSeek an incentive"


def test_verify_draft_drops_reattributes_and_renumbers() -> None:
    draft = Draft(
        "The cat sat [2]. Eta theta iota [1, 3]. A made-up claim [4]. Dangling [9].",
        {
            2: ProposedQuote("a.txt", "The cat sat on the mat"),
            1: ProposedQuote("a.txt", "eta theta iota kappa"),  # really in b.txt
            3: ProposedQuote("b.txt", "nothing like this is in any file"),
            4: ProposedQuote("a.txt", "fabricated words that appear nowhere"),
        },
    )
    result = verify_draft(draft, texts(), ["a.txt"], lambda quote: ["b.txt"])
    assert result.text == "The cat sat [1]. Eta theta iota [2]."
    assert [(c.n, c.file) for c in result.citations] == [(1, "a.txt"), (2, "b.txt")]
    assert result.dropped_quotes == 2
    assert result.reattributed == 1
    assert result.removed_claims == 2
    for c in result.citations:
        assert FILES[c.file][c.start : c.end] == c.quote


def test_an_answer_with_no_verified_citation_becomes_an_abstention() -> None:
    draft = Draft("Made up [1].", {1: ProposedQuote("a.txt", "words that are nowhere at all")})
    result = verify_draft(draft, texts(), [])
    assert result.abstained and result.text == CANNOT_ANSWER and not result.citations
    assert result.dropped_quotes == 1


def test_conjoined_questions_are_split_and_carry_names() -> None:
    from assistant.answer.followup import split_question

    assert split_question("Who founded DeepSeek, and what did the restrictions push it to do?") == [
        "Who founded DeepSeek?",
        "what did the restrictions push it to do? (DeepSeek)",
    ]
    assert split_question("What did Musk and Trump discuss?") == [
        "What did Musk and Trump discuss?"
    ]
    # a later part that refers back to a first part naming nothing cannot stand alone
    whole = "Is there a variable that turns the loader off, and what is it called?"
    assert split_question(whole) == [whole]


def test_combined_parts_say_which_part_has_no_answer() -> None:
    from assistant.answer.extractive import combine

    quote = ProposedQuote("a.txt", "The cat sat on the mat")
    merged = combine(
        ["Where did the cat sit?", "What did it cost?", "Where was it?"],
        [
            Draft("The cat sat on the mat [1]", {1: quote}),
            Draft("", abstained=True),
            Draft("The cat sat on the mat [1]", {1: quote}),
        ],
    )
    assert (
        merged.text
        == "The cat sat on the mat [1] (Nothing in the corpus answers “What did it cost?”)"
    )
    assert merged.quotes == {1: quote}
    assert combine(["a?"], [Draft("", abstained=True)]).abstained
