"""Bounded quote search: a quote not in its cited file is looked for in the retrieved and
corroborating files, then in a few files the full-text index proposes — never in every file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.answer.citations import Draft, ProposedQuote, verify_draft
from assistant.answer.verify import CANDIDATE_FILES, RARE_TERMS, FileTexts, full_text_candidates
from assistant.index.chunkstore import ChunkStore
from assistant.service import Assistant
from assistant.types import Chunk
from tests.conftest import settings_for, write_corpus
from tests.ollama_standin import OllamaStandin

QUOTE = "the lighthouse keeper counted nine hundred gulls"


_SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "so", "ti", "vu", "ze"]


def made_up_word(n: int) -> str:
    """A different pseudo-word for every n < 1000 ("kaloni")."""
    return "".join(_SYLLABLES[int(digit)] for digit in f"{n:03d}")


QUESTION = f"What is {made_up_word(22)}?"  # a word of f03.txt


def topic(i: int) -> str:
    """File i's sentence: words no other file has, so no two files are near-duplicates."""
    return " ".join(made_up_word(7 * i + j) for j in range(7)).capitalize() + "."


def corpus_texts(n: int, holder: int) -> dict[str, str]:
    texts = {f"f{i:02d}.txt": f"{topic(i)} {topic(i)}" for i in range(n)}
    texts[f"f{holder:02d}.txt"] += f" In spring {QUOTE} on the rocks."
    return texts


class ReadLog:
    """File texts read on demand, remembering which files were read."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.read: list[str] = []

    def load(self, name: str) -> str | None:
        self.read.append(name)
        return self.texts.get(name)

    def file_texts(self) -> FileTexts:
        return FileTexts(loader=self.load, names=self.texts)


def test_a_quote_in_no_preferred_file_is_not_looked_for_in_every_file() -> None:
    files = ReadLog(corpus_texts(40, holder=33))
    draft = Draft("Gulls [1].", {1: ProposedQuote("f01.txt", QUOTE)})
    result = verify_draft(draft, files.file_texts(), ["f02.txt", "f03.txt"])
    assert result.abstained and result.dropped_quotes == 1
    assert sorted(files.read) == ["f01.txt", "f02.txt", "f03.txt"]


def test_a_quote_is_looked_for_in_corroborating_then_proposed_files_and_reattributed() -> None:
    files = ReadLog(corpus_texts(40, holder=33))
    asked: list[str] = []

    def propose(quote: str) -> list[str]:
        asked.append(quote)
        return ["f10.txt", "f33.txt", "f20.txt"]

    draft = Draft("Gulls [1].", {1: ProposedQuote("f01.txt", QUOTE, corroborating=("f05.txt",))})
    result = verify_draft(draft, files.file_texts(), ["f02.txt"], propose)
    (citation,) = result.citations
    assert citation.file == "f33.txt" and result.reattributed == 1
    assert files.texts["f33.txt"][citation.start : citation.end] == QUOTE
    assert files.read == ["f01.txt", "f02.txt", "f05.txt", "f10.txt", "f33.txt"]
    assert asked == [QUOTE]


def test_at_most_a_few_proposed_files_are_searched() -> None:
    files = ReadLog(corpus_texts(40, holder=39))
    every_file = sorted(files.texts)
    draft = Draft("Gulls [1].", {1: ProposedQuote("f00.txt", QUOTE)})
    result = verify_draft(draft, files.file_texts(), [], lambda quote: every_file)
    assert result.dropped_quotes == 1
    assert len(files.read) == 1 + CANDIDATE_FILES


class TermCounts:
    """A stand-in for the chunk table's full-text index."""

    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts
        self.asked: list[tuple[list[str], int]] = []

    def frequency(self, term: str) -> int:
        return self.counts.get(term, 0)

    def files_matching(self, wanted: Sequence[str], limit: int) -> list[str]:
        self.asked.append((list(wanted), limit))
        return ["x.txt"]


def test_full_text_candidates_are_found_by_the_quotes_rarest_terms() -> None:
    counts = {"lighthous": 2, "keep": 5, "count": 40, "nine": 30, "hundr": 50, "gull": 3}
    index = TermCounts(counts)
    assert full_text_candidates(index)(QUOTE) == ["x.txt"]
    assert index.asked == [(["lighthous", "gull", "keep", "nine"][:RARE_TERMS], CANDIDATE_FILES)]


def test_a_quote_with_a_word_no_chunk_holds_gets_no_candidates() -> None:
    index = TermCounts({"lighthous": 2, "keep": 5, "count": 40, "nine": 30, "hundr": 50})
    assert full_text_candidates(index)(QUOTE) == []  # no chunk holds "gulls"
    assert index.asked == []


def test_an_elided_quote_is_looked_up_by_its_longest_fragment() -> None:
    index = TermCounts({"lighthous": 2, "keep": 5, "count": 40})
    full_text_candidates(index)("the lighthouse keeper counted … invented words")
    assert index.asked == [(["lighthous", "keep", "count"], CANDIDATE_FILES)]


def chunk(n: int, file: str, text: str) -> Chunk:
    return Chunk(f"{file}:{n}", file, "0" * 64, 0, len(text), text, n)


def test_the_chunk_table_proposes_the_files_of_its_best_chunks(tmp_path: Path) -> None:
    table = ChunkStore.create(tmp_path / "chunks.sqlite3")
    table.add(
        [
            chunk(0, "a.txt", "The keeper of the lighthouse fed the gulls."),
            chunk(1, "a.txt", "The lighthouse keeper counted gulls every spring."),
            chunk(0, "b.txt", "A lighthouse stood on the cape."),
            chunk(0, "c.txt", "Harbour seals rested on the rocks."),
        ]
    )
    assert table.files_matching(["lighthous", "keep", "gull"], 5) == ["a.txt", "b.txt"]
    assert table.files_matching(["lighthous", "keep", "gull"], 1) == ["a.txt"]
    assert table.files_matching(["seal"], 5) == ["c.txt"]
    assert table.files_matching(["nowhere"], 5) == []
    assert table.frequency("lighthous") == 3 and table.frequency("nowhere") == 0
    table.close()


@pytest.fixture
def harbour_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus", corpus_texts(24, holder=17))
    index = tmp_path / "index"
    Assistant(settings_for(corpus, index)).reindex()
    return corpus, index


def test_a_quote_cited_to_the_wrong_file_is_found_in_an_unretrieved_one(
    harbour_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The answer cites f03.txt; the quote stands only in f17.txt, which retrieval for the
    question did not find: the full-text index finds it, and the citation moves there."""
    read = record_reads(monkeypatch)
    corpus, idx = harbour_index
    ollama_standin.reply = f'Gulls were counted [1].\n\nQUOTES:\n[1] "{QUOTE}"\n'
    settings = settings_for(
        corpus, idx, llm="ollama", ollama_host=ollama_standin.url, top_k=2, reply_format="text"
    )
    answer = Assistant(settings).answer(QUESTION)
    (citation,) = answer.citations
    assert citation.file == "f17.txt" and citation.quote == QUOTE
    assert (corpus / "f17.txt").read_text()[citation.start : citation.end] == QUOTE
    assert len(set(read)) <= 2 + 1 + CANDIDATE_FILES  # retrieved, cited, candidates


def test_a_made_up_quote_is_dropped_without_reading_the_corpus(
    harbour_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read = record_reads(monkeypatch)
    corpus, idx = harbour_index
    for made_up in (
        f"the {made_up_word(21)} was closed after a storm",  # "storm" is in no file
        f"{made_up_word(22)} {made_up_word(63)} {made_up_word(21)}",  # words the corpus has
    ):
        read.clear()
        ollama_standin.reply = f'It is so [1].\n\nQUOTES:\n[1] "{made_up}"\n'
        settings = settings_for(
            corpus, idx, llm="ollama", ollama_host=ollama_standin.url, top_k=2, reply_format="text"
        )
        answer = Assistant(settings).answer(QUESTION)
        assert answer.abstained and answer.dropped_quotes == 1
        assert len(set(read)) <= 2 + 1 + CANDIDATE_FILES < len(list(corpus.iterdir()))


def record_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the corpus files the service reads to verify quotes."""
    import assistant.service as service

    read: list[str] = []
    original = service.read_document_or_none

    def reading(root: Path, name: str, index_dir: Path | None = None) -> object:
        read.append(name)
        return original(root, name, index_dir)

    monkeypatch.setattr(service, "read_document_or_none", reading)
    return read
