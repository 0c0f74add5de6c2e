"""What the documents say nearest to a question they do not answer (`answer.related`), and
how a related passage is shown apart from an answer: JSON, CLI, eval, the chat."""

from __future__ import annotations

from typing import Any

from assistant.answer.related import related
from assistant.answer.terms import share_in
from assistant.cli.output import print_answer
from assistant.evaluation.scoring import Corpus, GoldQuestion, score_run
from assistant.types import Answer, Backend, Citation
from tests.test_extractive import idf_of, passage

STORY = (
    "Yorick's journey starts in Calais, where he meets a monk who begs for donations. "
    "He and the monk exchange their snuff-boxes. He buys a chaise to continue his journey.\n\n"
    "In Paris the police ask for his passport at his hotel."
)
OTHER = "Tristram rides to Lyon with his father and uncle Toby, who talk of sieges all the way."


def share_of(*texts: str) -> Any:
    # Yorick is in more of the corpus than his chaise
    more = ["Yorick travels on to Versailles.", "Yorick meets a count."]
    return share_in([p for text in texts for p in text.split("\n\n")] + more + [OTHER] * 6)


def test_a_sentence_on_the_subject_asked_about_is_related() -> None:
    found = related(
        "How much did Yorick pay for his chaise?",
        [passage("yorick_s_journey.txt", STORY), passage("tristram.txt", OTHER)],
        idf_of({"chaise": 4.0, "yorick": 3.0, "pay": 3.0}),
        share_of(STORY),
    )
    assert found is not None
    assert found.quote.file == "yorick_s_journey.txt"
    assert "He buys a chaise" in found.quote.quote  # Yorick is named beside it, and in the file
    assert "chaise" in found.mentions


def test_nothing_is_related_when_no_retrieved_sentence_is_about_the_question() -> None:
    assert (
        related(
            "Who wrote the Vim text editor?",
            [passage("yorick_s_journey.txt", STORY)],
            idf_of({"vim": 6.0, "editor": 4.0}),
            share_of(STORY),
        )
        is None
    )


def abstention(related_files: tuple[str, ...] = ("a.txt",)) -> Answer:
    return Answer(
        question="What is gzip's default compression level?",
        answer="The corpus does not say.",
        abstained=True,
        citations=(),
        backend=Backend("extractive", None, "minilm", "chosen with --llm extractive"),
        index={"version": "abc", "files": {}},
        timings_ms={"total": 12.0},
        related=tuple(
            Citation(1, f, "gzip uses by default the LZ77 algorithm", 0, 39) for f in related_files
        ),
        related_note="The documents mention gzip's default but do not answer this; their "
        "nearest passage is shown as related.",
    )


def test_a_related_passage_is_shown_apart_from_sources(capsys: Any) -> None:
    answer = abstention()
    data = answer.to_json()
    assert data["citations"] == [] and data["related"][0]["file"] == "a.txt"
    assert data["related_note"].startswith("The documents mention gzip's default")
    print_answer(answer)
    out = capsys.readouterr().out
    assert "Sources:" not in out
    assert "Related, not an answer:" in out and "LZ77" in out
    assert out.index("The corpus does not say.") < out.index("The documents mention")


def test_eval_counts_a_related_passage_as_no_answer() -> None:
    gold = GoldQuestion("q1", "What is gzip's default compression level?", False, (), ())
    result = abstention().to_json() | {"id": "q1"}
    run = score_run(
        [gold], [result], Corpus.of({"a.txt": "gzip uses by default the LZ77 algorithm."})
    )
    overall = run.overall()
    assert run.questions[0].correct  # it abstained: the related passage is not an answer
    assert overall["citations"] == 0
    assert (overall["abstentions"], overall["abstentions_with_related"]) == (1, 1)
