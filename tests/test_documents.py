"""PDF, web page and Word documents: extraction (pure parts and built documents), the index's
copy of their text, and page-aware citations that verify against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.index.corpus import read_document
from assistant.readers import read
from assistant.readers.cache import EXTRACTED_DIR
from assistant.readers.docx import read_docx
from assistant.readers.html import read_html
from assistant.readers.pages import fold_ligatures, page_of, page_texts, paragraphs
from assistant.readers.pdf import PdfError, find_gutter, read_pdf
from assistant.service import Assistant
from tests.conftest import settings_for
from tests.docbuilders import NEWS_HTML, minutes_docx, survey_pdf
from tests.pdfwriter import write_pdf

# --- pure: lines of printed pages -----------------------------------------------------------


def test_ligatures_are_folded_and_nothing_else_changes() -> None:
    assert fold_ligatures("ﬁeld ﬂood oﬀer café") == "field flood offer café"


def test_wrapped_lines_become_paragraphs_and_split_words_are_joined() -> None:
    lines = [
        "The committee met on the third of May to review the",
        "budget and agreed that the re-",
        "search should go on with the Smith-",
        "Jones method for another year and a day.",
        "2.1 Methods",
        "Counts were made at dawn by two volunteers at each",
        "of the twelve stations.",
    ]
    assert paragraphs(lines) == [
        "The committee met on the third of May to review the budget and agreed that the "
        "research should go on with the Smith-Jones method for another year and a day.",
        "2.1 Methods",
        "Counts were made at dawn by two volunteers at each of the twelve stations.",
    ]


def test_running_heads_feet_and_page_numbers_are_dropped() -> None:
    bodies = ["Otters were seen.", "Herons nested.", "The road closed.", "Snow fell.", "End."]
    pages = [
        f"Chapter 2: Methods {n}\n{body}\nCopyright 2025 The Survey\n{n}"
        for n, body in enumerate(bodies, 1)
    ]
    assert page_texts(pages) == bodies


def test_markdown_headings_are_its_sections_and_the_first_top_level_one_its_title() -> None:
    from assistant.readers.markdown import read as read_markdown

    reading = read_markdown(b"intro line\n\n## Field notes ##\nherons\n# Later\n")
    assert reading.text == "intro line\n\nField notes\n\nherons\n\nLater"
    assert reading.sections == ((12, "Field notes", 2), (33, "Later", 1))
    assert reading.title == "Later"
    assert read_markdown(b"no heading, #hashtag only\n").sections == ()


def test_numbered_lines_are_a_pdfs_section_headings() -> None:
    from assistant.readers.pages import numbered_headings

    text = "Intro.\n2.2 Naming\nConsider this.\n3 Utilities\n12 apples were sold.\n"
    assert numbered_headings(text) == ((7, "2.2 Naming", 2), (33, "3 Utilities", 1))


def test_a_quote_stands_under_the_last_heading_before_it_and_the_ones_above_that() -> None:
    from assistant.readers import section_offsets, section_path

    text = "Repairs\nThe bridge.\nBudget\nForty thousand.\nBudget notes\nLoans\nNone.\nPlans"
    sections = section_offsets(text, (("Repairs", 1), ("Budget", 2), ("Loans", 3), ("Plans", 1)))
    assert sections == ((0, "Repairs", 1), (20, "Budget", 2), (56, "Loans", 3), (68, "Plans", 1))
    assert [section_path(sections, o) for o in (0, 10, 27, 60, 68)] == [
        ("Repairs",),
        ("Repairs",),
        ("Repairs", "Budget"),
        ("Repairs", "Budget", "Loans"),
        ("Plans",),
    ]
    assert section_path(sections[1:], 10) == ()  # before any heading


def test_page_of_maps_offsets_to_one_based_pages() -> None:
    starts = (0, 100, 100, 250)  # page 3 is empty
    assert [page_of(starts, o) for o in (0, 99, 100, 249, 250, 9999)] == [1, 1, 3, 3, 4, 4]


def test_a_gutter_is_found_only_between_two_columns() -> None:
    left = [(72.0, 700.0 - 14 * i, 290.0, 710.0 - 14 * i) for i in range(6)]
    right = [(320.0, 700.0 - 14 * i, 540.0, 710.0 - 14 * i) for i in range(6)]
    gutter = find_gutter(left + right, 612)
    assert gutter is not None and 290 <= gutter <= 320
    wide = [(72.0, 700.0 - 14 * i, 540.0, 710.0 - 14 * i) for i in range(12)]
    assert find_gutter(wide, 612) is None


# --- built documents ------------------------------------------------------------------------


def test_pdf_text_per_page_with_columns_ligatures_hyphens_and_no_running_head(
    tmp_path: Path,
) -> None:
    pdf = read_pdf(survey_pdf(tmp_path / "survey.pdf"))
    pages = [
        pdf.text[start : (*pdf.page_starts, len(pdf.text))[i + 1]].strip()
        for i, start in enumerate(pdf.page_starts)
    ]
    assert len(pages) == 4 and pdf.title == "Valley Survey 2025"
    assert "research programme should continue with a new field study in the northern" in pages[0]
    assert pages[1] == "" and pdf.empty_pages == (2,)
    # the left column is read whole before the right one
    assert pages[2].index("for six weeks and recorded each sighting.") < pages[2].index(
        "The right column reports the flood of the autumn"
    )
    assert "Valley Survey Annual Report" not in pdf.text
    assert not any(line.strip() in {"1", "3", "4"} for line in pdf.text.split("\n"))


def test_without_a_metadata_title_a_pdfs_title_is_its_first_printed_line(tmp_path: Path) -> None:
    from tests.docbuilders import HEAD

    bodies = ["Otters came back.", "Herons nested.", "The road closed.", "Snow fell early."]
    pages = [[HEAD, (72, 700, body)] for body in bodies]
    pdf = read_pdf(write_pdf(tmp_path / "untitled.pdf", pages))
    assert pdf.title == "Valley Survey Annual Report"  # though dropped as a running head
    assert "Valley Survey Annual Report" not in pdf.text


def test_a_damaged_pdf_is_refused_with_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    with pytest.raises(PdfError, match="damaged"):
        read_pdf(bad)


def test_an_encrypted_pdf_is_refused_as_needing_a_password(tmp_path: Path) -> None:
    locked = write_pdf(tmp_path / "locked.pdf", [[(72, 700, "Secret minutes.")]], locked=True)
    with pytest.raises(PdfError, match="encrypted PDF"):
        read_pdf(locked)


def test_a_pdf_without_any_text_layer_is_refused_as_a_scan(tmp_path: Path) -> None:
    with pytest.raises(PdfError, match="no text layer"):
        read_pdf(write_pdf(tmp_path / "scan.pdf", [[], []]))


def test_html_keeps_the_article_and_title_and_drops_the_site_around_it() -> None:
    page = read_html(NEWS_HTML.encode())
    assert page.title == "Beavers return to the creek | Valley Gazette"
    assert page.text.split("\n\n") == [
        "Beavers return to the creek",
        "Beavers built a dam on the western creek this spring for the first time in thirty "
        "years, the survey team said on Tuesday.",
        "The rangers counted & photographed them every evening for a month.",
    ]
    assert page.headings == (("Beavers return to the creek", 1),)


def test_docx_paragraphs_in_order_with_headings_and_title(tmp_path: Path) -> None:
    document = read_docx(minutes_docx(tmp_path / "minutes.docx"))
    assert document.title == "Minutes of the Bridge Committee"
    assert document.headings == (
        ("Minutes of the Bridge Committee", 0),  # the Title style, above "heading 1"
        ("Repairs", 1),
        ("Budget", 1),
    )
    assert document.text.split("\n\n")[1:3] == [
        "Repairs",
        "The committee approved the repair of the old stone bridge at Millford.",
    ]


def test_a_damaged_docx_is_refused_with_a_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK not a zip")
    with pytest.raises(ValueError, match=r"damaged or not a \.docx"):
        read(bad.name, bad.read_bytes())


# --- the index: one reindex of a mixed folder, page-aware citations -------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("mixed")
    corpus = base / "corpus"
    corpus.mkdir()
    survey_pdf(corpus / "survey.pdf")
    (corpus / "beavers.html").write_text(NEWS_HTML, encoding="utf-8")
    minutes_docx(corpus / "minutes.docx")
    (corpus / "notes.md").write_text(
        "# Field notes\n\nThe heron colony at Lake Morrow grew to forty nests this year.\n"
    )
    (corpus / "plain.txt").write_text("The ferry to Inchmore island runs twice a day in summer.\n")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    write_pdf(corpus / "locked.pdf", [[(72, 700, "Secret minutes.")]], locked=True)
    return corpus, base / "index"


@pytest.mark.slow
def test_a_mixed_folder_indexes_in_one_reindex_with_warnings_naming_files_and_pages(
    mixed: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, index = mixed[0], tmp_path / "index"  # its own index: the others share one
    summary = Assistant(settings_for(corpus, index)).reindex()
    assert sorted(summary.added) == [
        "beavers.html",
        "minutes.docx",
        "notes.md",
        "plain.txt",
        "survey.pdf",
    ]
    skipped = dict(summary.skipped)
    assert sorted(skipped) == ["broken.pdf", "locked.pdf"]
    assert "damaged" in skipped["broken.pdf"] and "encrypted" in skipped["locked.pdf"]
    assert summary.warnings == [("survey.pdf", summary.warnings[0][1])]
    assert "page(s) 2" in summary.warnings[0][1]
    kept = list((index / EXTRACTED_DIR).glob("*.json"))
    assert len(kept) == 4  # the PDF, the page, the Word document and the Markdown file
    assert any(json.loads(p.read_text())["page_starts"] for p in kept)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "file", "page", "words"),
    [
        ("What happened to the river otters on the eastern shore?", "survey.pdf", 3, "April"),
        ("What did the flood of the autumn do to the valley road?", "survey.pdf", 3, "nine days"),
        (
            "What did the committee agree about the research programme?",
            "survey.pdf",
            1,
            "field study",
        ),
        ("What did the beavers build this spring?", "beavers.html", None, "dam"),
        ("How much will the repairs of the stone bridge cost?", "minutes.docx", None, "forty"),
        ("How many nests does the heron colony at Lake Morrow have?", "notes.md", None, "forty"),
        ("How often does the ferry to Inchmore island run?", "plain.txt", None, "twice"),
    ],
)
def test_answers_cite_the_right_file_and_page_with_quotes_that_verify(
    mixed: tuple[Path, Path], question: str, file: str, page: int | None, words: str
) -> None:
    corpus, index = mixed
    settings = settings_for(corpus, index)
    assistant = Assistant(settings)
    assistant.reindex()  # a no-op after the test above, the index otherwise
    answer = assistant.answer(question)
    assert not answer.abstained and words in answer.answer
    cited = [c for c in answer.citations if c.file == file]
    assert cited, answer.to_json()
    text = read_document(corpus, file, index).text
    for citation in cited:
        assert text[citation.start : citation.end] == citation.quote
        assert citation.page == page
        assert (citation.to_json().get("page")) == page


@pytest.mark.slow
def test_ask_reads_the_kept_text_and_never_parses_the_pdf_again(
    mixed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus, index = mixed
    assistant = Assistant(settings_for(corpus, index))
    assistant.reindex()

    def no_parsing(path: Path) -> None:
        raise AssertionError(f"parsed {path} again")

    monkeypatch.setattr("assistant.readers.pdf.read_pdf", no_parsing)
    answer = assistant.answer("What happened to the river otters on the eastern shore?")
    assert answer.citations and answer.citations[0].page == 3
    assert answer.citations[0].title == "Valley Survey 2025"


@pytest.mark.slow
def test_a_citation_names_the_section_its_quote_stands_in(mixed: tuple[Path, Path]) -> None:
    corpus, index = mixed
    assistant = Assistant(settings_for(corpus, index))
    assistant.reindex()
    answer = assistant.answer("How much will the repairs of the stone bridge cost?")
    cited = next(c for c in answer.citations if c.file == "minutes.docx")
    assert (cited.title, cited.section) == ("Minutes of the Bridge Committee", "Budget")
    assert cited.to_json()["section"] == "Budget"


# --- real PDFs that Debian packages install -------------------------------------------------

# These run where the files exist (a Debian machine with libtasn1-doc / shared-mime-info) and
# are skipped elsewhere: CI on a fresh machine relies on the PDFs built above instead.
REAL_PDFS = {
    Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"): "Libtasn1",
    Path("/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf"): "Shared MIME-info Database",
}


@pytest.mark.parametrize("path", REAL_PDFS, ids=lambda p: p.name)
def test_real_debian_pdfs_give_clean_text_per_page(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is not installed on this machine")
    pdf = read_pdf(path)
    assert pdf.title == REAL_PDFS[path]
    assert len(pdf.page_starts) > 10 and not pdf.empty_pages
    assert "\ufffe" not in pdf.text and "\x02" not in pdf.text and "ﬁ" not in pdf.text
    lines = pdf.text.split("\n")
    assert not any(line.strip().isdigit() and len(line.strip()) < 4 for line in lines)
    # a running head repeats on no more than two pages once dropped
    firsts = [pdf.text[s:].split("\n", 1)[0] for s in pdf.page_starts]
    assert max(firsts.count(first) for first in firsts) <= 2


@pytest.mark.slow
def test_the_source_viewer_shows_the_page_and_highlights_the_quote_in_the_pdf_text(
    mixed: tuple[Path, Path],
) -> None:
    import asyncio

    from textual.widgets import Static

    from assistant.tui.viewer import SourceScreen, SourceView
    from tests.test_tui_support import RecordingApp

    corpus, index = mixed
    settings = settings_for(corpus, index)
    Assistant(settings).reindex()
    answer = Assistant(settings).answer("What did the flood of the autumn do to the valley road?")
    citation = next(c for c in answer.citations if c.file == "survey.pdf")
    app = RecordingApp(settings)

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            app.open_citation(citation)
            await pilot.pause()
            assert isinstance(app.screen, SourceScreen)
            header = str(app.screen.query_one("#source-header", Static).render())
            assert "survey.pdf" in header and "page 3" in header
            assert app.screen.query_one(SourceView).highlighted == citation.quote

    asyncio.run(main())


@pytest.mark.slow
def test_a_pdf_may_be_larger_than_max_file_mb_but_its_text_may_not(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    survey = survey_pdf(corpus / "survey.pdf")  # ≈2 KB of PDF, ≈900 characters of text
    (corpus / "plain.txt").write_text("The ferry to Inchmore island runs twice a day.\n")
    limit_mb = 0.0005  # 524 bytes: the PDF's bytes pass (20 × that), its text does not
    assert 524 < survey.stat().st_size < 20 * 524
    summary = Assistant(settings_for(corpus, tmp_path / "index", max_file_mb=limit_mb)).reindex()
    assert summary.added == ["plain.txt"]
    assert "its text is larger than 0.0005 MB" in dict(summary.skipped)["survey.pdf"]
