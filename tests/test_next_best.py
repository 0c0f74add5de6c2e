"""An extractive answer whose every sentence verification removes gets the selector's next
best sentences, once, over a real index of the licence set (its BSD question)."""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant.answer.support import says_what_is_asked
from assistant.service import Assistant
from tests.conftest import settings_for

LICENCES = Path(__file__).resolve().parent.parent / "eval" / "legal" / "corpus"
QUESTION = (
    "Under the BSD license, whose names may not be used to endorse or promote products "
    "derived from the software without permission?"
)


def test_a_removed_best_sentence_gives_way_to_the_next_best(tmp_path: Path) -> None:
    # the selector's best is the Artistic License's no-endorsement clause, which shares most
    # of its words with BSD's; verification removes it as not about the BSD license
    corpus = tmp_path / "corpus"
    shutil.copytree(LICENCES, corpus)
    assistant = Assistant(settings_for(corpus, tmp_path / "index"))
    assistant.reindex()
    answer = assistant.answer(QUESTION)
    assert not answer.abstained
    assert [c.file for c in answer.citations] == ["BSD.txt"]
    assert "the names of its contributors" in answer.answer
    # the first pick is still reported, with why it went
    assert answer.unsupported_sentences == (
        "The name of the Copyright Holder may not be used to endorse or promote products "
        "derived from this software without specific prior written permission.",
    )
    assert answer.removed_why == ("its quote is not about what the question names",)


def test_a_second_choice_must_say_something_of_what_is_asked() -> None:
    # the techdocs set: once the first pick was removed, the next best for "Who holds the
    # copyright for bzip2?" was an xz-utils sentence that only names bzip2
    question = "Who holds the copyright for bzip2?"
    lzma = "In fast modes, the LZMA2 encoder competes with bzip2 in compression speed."
    assert not says_what_is_asked(question, [lzma])
    assert says_what_is_asked(question, ["bzip2 is copyright (C) 1996 Julian Seward."])
    assert says_what_is_asked("Who is Tom?", ["Tom went home."])  # nothing asked but a name
