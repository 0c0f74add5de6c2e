"""Hybrid retrieval's pure parts, and the chunk table's BM25 search and idf."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.index.chunkstore import ChunkStore
from assistant.index.retrieval import NEAR_DUPLICATE, collapse, fuse, resemblance
from assistant.text.textnorm import terms
from assistant.types import Chunk


def chunk(file: str, text: str, ordinal: int = 0) -> Chunk:
    return Chunk(f"{file}#{ordinal}", file, "0" * 64, 0, len(text), text, ordinal)


# --- fuse ------------------------------------------------------------------------------


def test_fuse_normalises_each_ranking_and_weighs_them() -> None:
    vectors = [("a", 0.9), ("b", 0.6), ("c", 0.3)]
    bm25 = [("c", 12.0), ("d", 4.0)]
    fused = dict(fuse([vectors, bm25], [0.5, 0.5]))
    assert fused == pytest.approx({"a": 0.5, "b": 0.25, "c": 0.5, "d": 0.0})


def test_fuse_keeps_a_margin_that_rank_fusion_would_lose() -> None:
    """A BM25 hit far above the rest (a rare name) beats a vector list of near-equals."""
    vectors = [("v1", 0.81), ("name", 0.80), ("v2", 0.30)]
    bm25 = [("name", 30.0), ("v1", 2.0), ("v2", 1.0)]  # reciprocal ranks: v1 and name tie
    (first, best), (second, next_best), _ = fuse([vectors, bm25], [0.5, 0.5])
    assert (first, second) == ("name", "v1") and best - next_best > 0.4


def test_fuse_orders_by_score_then_id_and_skips_empty_rankings() -> None:
    assert fuse([[("b", 1.0), ("a", 1.0)], []], [0.5, 0.5]) == [("a", 0.0), ("b", 0.0)]
    assert [i for i, _ in fuse([[("x", 3.0), ("y", 1.0)]], [1.0])] == ["x", "y"]
    with pytest.raises(ValueError):
        fuse([[("x", 1.0)]], [0.5, 0.5])


def test_fuse_weights_shift_the_balance() -> None:
    vectors = [("v", 1.0), ("t", 0.0)]
    bm25 = [("t", 1.0), ("v", 0.0)]
    assert fuse([vectors, bm25], [0.7, 0.3])[0][0] == "v"
    assert fuse([vectors, bm25], [0.3, 0.7])[0][0] == "t"


# --- collapse --------------------------------------------------------------------------

STORY = "Nvidia shares fell sharply after DeepSeek released its reasoning model in January."
RETOLD = "After DeepSeek released its reasoning model in January, Nvidia shares fell sharply."
OTHER = "The alpine glacier retreated forty meters last year, the survey found."


def test_near_duplicates_of_other_files_corroborate_the_best_ranked_one() -> None:
    assert resemblance(set(terms(STORY)), set(terms(RETOLD))) >= NEAR_DUPLICATE
    ranked = [(chunk("a.txt", STORY), 0.9), (chunk("b.txt", OTHER), 0.8)]
    ranked.append((chunk("c.txt", RETOLD), 0.7))
    first, second = collapse(ranked, limit=5)
    assert first.chunk.file == "a.txt" and first.score == 0.9
    assert [c.file for c in first.corroborating] == ["c.txt"]
    assert second.chunk.file == "b.txt" and second.corroborating == ()


def test_chunks_of_the_same_file_are_never_collapsed() -> None:
    ranked = [(chunk("a.txt", STORY, 0), 0.9), (chunk("a.txt", RETOLD, 1), 0.8)]
    assert [p.chunk.ordinal for p in collapse(ranked, limit=5)] == [0, 1]


ARTISTIC = (
    "The name of the Copyright Holder may not be used to endorse or promote products derived "
    "from this software without specific prior written permission."
)
BSD = (
    "Neither the name of the University nor the names of its contributors may be used to "
    "endorse or promote products derived from this software without specific prior written "
    "permission."
)


def test_a_file_the_question_names_is_no_duplicate_of_another() -> None:
    # two licences' no-endorsement clauses share most words; asked about the BSD license, the
    # BSD file's clause is a passage of its own, not a corroboration of the Artistic one
    ranked = [(chunk("Artistic.txt", ARTISTIC), 0.9), (chunk("BSD.txt", BSD), 0.8)]
    assert len(collapse(ranked, limit=5)) == 1
    asked = frozenset(terms("Under the BSD license, whose names may not be used to endorse?"))
    first, second = collapse(ranked, limit=5, asked=asked)
    assert second.chunk.file == "BSD.txt" and first.corroborating == ()
    # a lead that is itself the BSD file's takes its duplicates as before
    ranked = [(chunk("BSD.txt", BSD), 0.9), (chunk("Artistic.txt", ARTISTIC), 0.8)]
    assert len(collapse(ranked, limit=5, asked=asked)) == 1


def test_collapse_keeps_the_limit_of_groups_in_rank_order() -> None:
    texts = [STORY, OTHER, "Zebras crossed the river at dawn on the ninth of May."]
    ranked = [(chunk(f"{n}.txt", text), 1.0 - n / 10) for n, text in enumerate(texts)]
    ranked.insert(1, (chunk("dup.txt", RETOLD), 0.95))  # joins the first group
    passages = collapse(ranked, limit=2)
    assert [p.chunk.file for p in passages] == ["0.txt", "1.txt"]


def test_resemblance_is_overlap_relative_to_the_smaller_set() -> None:
    assert resemblance({"a", "b"}, {"a", "b", "c", "d"}) == 1.0
    assert resemblance({"a", "b"}, {"b", "c"}) == 0.5
    assert resemblance(set(), {"a"}) == 0.0


# --- the chunk table: BM25 and idf -----------------------------------------------------


@pytest.fixture
def table(tmp_path: Path) -> ChunkStore:
    store = ChunkStore.create(tmp_path / "chunks.sqlite3")
    store.add(
        [
            chunk("a.txt", "The glacier retreated forty meters, the glacier survey found."),
            chunk("b.txt", "A survey of harbour seals found ninety animals on the rocks."),
            chunk("c.txt", "The survey team counted seals and gulls near the glacier."),
            chunk("d.txt", "Zebras crossed the river at dawn on the ninth of May."),
        ]
    )
    return store


def test_bm25_ranks_the_chunks_holding_the_rarer_words_first(table: ChunkStore) -> None:
    ranked = [chunk_id for chunk_id, _ in table.search("How far did the glacier retreat?", 10)]
    assert ranked[0] == "a.txt#0"  # glacier twice, and "retreat" only there
    assert set(ranked) == {"a.txt#0", "c.txt#0"}
    scores = [score for _, score in table.search("glacier seals zebras", 10)]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_bm25_search_limits_and_empty_questions(table: ChunkStore) -> None:
    assert len(table.search("survey", 2)) == 2
    assert table.search("survey", 0) == []
    assert table.search("what is the of", 5) == []  # only stop words
    assert table.search("quasar", 5) == []
    assert table.search("zebras' river", 5)[0][0] == "d.txt#0"  # punctuation is harmless


def test_idf_is_higher_for_rarer_terms_and_always_positive(table: ChunkStore) -> None:
    survey, glacier, zebra, absent = (
        table.idf(terms(word)[0]) for word in ("survey", "glacier", "zebras", "quasar")
    )
    assert 0 < survey < glacier < zebra < absent  # in 3, 2, 1 and 0 of the 4 chunks
    assert table.idf("zebra") == zebra  # remembered, the same


def test_a_new_chunk_changes_the_counts(table: ChunkStore) -> None:
    assert table.frequency("zebra") == 1 and table.count() == 4
    table.add([chunk("e.txt", "Another zebra herd grazed by the river.")])
    assert table.count() == 5
    table.remove_files(["d.txt"])
    assert table.count() == 4 and [i for i, _ in table.search("zebra", 5)] == ["e.txt#0"]
