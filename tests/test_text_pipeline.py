"""Pure core: cleaning with offsets, sentences, chunking, normalisation."""

from __future__ import annotations

from assistant.chunking import ChunkingParams, chunk_text
from assistant.cleaning import clean_spans
from assistant.sentences import split_sentences
from assistant.textnorm import fold, normalize, stem, terms

PAGE = """• Home
  • Politics
  • Tech
Connect with us

Published

on

Products at the showroom of the Nvidia offices in Taipei.

I-Hwa Cheng | Bloomberg | Getty Images

The U.S. government’s effort to curtail AI development in China didn’t stop DeepSeek.
Security video shows brazen assault of California woman

    October 24, 2023

RELATED ARTICLES
LEAVE A REPLY
Please enter your comment!
Here’s what Elon Musk said about tariffs and their potential effect on Tesla.
Facebook Twitter Instagram
"""


def kept_lines(text: str) -> list[str]:
    return [text[s:e] for s, e in clean_spans(text)]


def test_cleaning_drops_chrome_and_keeps_article_text() -> None:
    kept = kept_lines(PAGE)
    assert (
        "The U.S. government’s effort to curtail AI development in China didn’t stop DeepSeek."
        in kept
    )
    assert "Products at the showroom of the Nvidia offices in Taipei." in kept
    # An unrelated article glued to the end is still text, so it stays.
    assert any(line.startswith("Here’s what Elon Musk said") for line in kept)
    for chrome in (
        "• Home",
        "Connect with us",
        "Published",
        "on",
        "RELATED ARTICLES",
        "LEAVE A REPLY",
        "Facebook Twitter Instagram",
        "October 24, 2023",
        "I-Hwa Cheng | Bloomberg | Getty Images",
        "Security video shows brazen assault of California woman",
    ):
        assert chrome not in kept, chrome


def test_cleaned_spans_map_back_to_the_file() -> None:
    for start, end in clean_spans(PAGE):
        piece = PAGE[start:end]
        assert piece == piece.strip() and piece
        assert "\n" not in piece


def test_sentences_respect_abbreviations() -> None:
    text = "The U.S. government said no. Mr. Smith went to Washington! Then “he left.” Done."
    spans = [text[s:e] for s, e in split_sentences(text)]
    assert spans == [
        "The U.S. government said no.",
        "Mr. Smith went to Washington!",
        "Then “he left.”",
        "Done.",
    ]


def test_chunks_carry_file_offsets_and_overlap() -> None:
    sentences = [f"Sentence number {i} talks about chips and export rules." for i in range(40)]
    text = "Menu\n\n" + " ".join(sentences[:20]) + "\n\n" + " ".join(sentences[20:]) + "\n"
    chunks = chunk_text("a.txt", text, "sha", ChunkingParams(chunk_size=300, chunk_overlap=120))
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.startswith(text[chunk.start : chunk.start + 20])
        assert text[chunk.start : chunk.end].endswith(chunk.text[-20:])
        for sentence in chunk.text.split("\n"):
            assert sentence in text
    # consecutive chunks share their boundary sentences
    assert chunks[1].start < chunks[0].end
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_chunk_ids_are_stable_and_depend_on_content() -> None:
    params = ChunkingParams()
    a = chunk_text("a.txt", "Alpha beta gamma delta. " * 50, "sha1", params)
    b = chunk_text("a.txt", "Alpha beta gamma delta. " * 50, "sha1", params)
    c = chunk_text("a.txt", "Alpha beta gamma delta. " * 50, "sha2", params)
    assert [x.chunk_id for x in a] == [x.chunk_id for x in b]
    assert {x.chunk_id for x in a}.isdisjoint({x.chunk_id for x in c})


def test_a_huge_sentence_is_cut_into_chunks() -> None:
    text = "word " * 5000
    chunks = chunk_text("big.txt", text, "sha", ChunkingParams(chunk_size=500, chunk_overlap=0))
    assert len(chunks) >= 9
    assert all(len(c.text) <= 500 for c in chunks)


def test_normalize_folds_and_maps_offsets() -> None:
    text = "  He said\u00a0“it’s —  fine”\n\tok"
    norm = normalize(text)
    assert norm.text == 'He said "it\'s - fine" ok'
    start = norm.text.index("it's")
    s, e = norm.span(start, start + 4)
    assert text[s:e] == "it’s"
    assert fold("a – b") == "a - b"


def test_terms_stem_and_drop_stopwords() -> None:
    assert terms("The founders founded Tesla's banned restrictions") == [
        "found",
        "found",
        "tesla",
        "ban",
        "restriction",
    ]
    assert stem("spending") == "spend"
