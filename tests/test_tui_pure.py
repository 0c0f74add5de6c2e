"""The TUI's pure helpers: Markdown export, history files, source layout. No app, no I/O
beyond tmp_path."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

import pytest

from assistant.tui.export import conversation_markdown, default_export_path, write_export
from assistant.tui.history import (
    Conversation,
    answer_from_json,
    history_dir,
    list_conversations,
    load_conversation,
    save_conversation,
)
from assistant.tui.sourcetext import display_text, layout_rows, row_of, wrap_offsets
from assistant.types import Answer, Backend, Citation, Turn


def make_answer(question: str = "Who founded DeepSeek?", abstained: bool = False) -> Answer:
    citations = (
        ()
        if abstained
        else (
            Citation(1, "a.txt", "Liang Wenfeng founded DeepSeek", 10, 40, ("b.txt",)),
            Citation(2, "c.txt", "It is based in\nHangzhou", 0, 23),
        )
    )
    return Answer(
        question=question,
        answer="The corpus does not say." if abstained else "Liang Wenfeng [1], in Hangzhou [2].",
        abstained=abstained,
        citations=citations,
        backend=Backend("extractive", None, "minilm", "chosen with --llm extractive"),
        index={"version": "abc", "files": {}},
        timings_ms={"total": 1234.5},
        warnings=("1 unsupported claim(s) removed",),
        id="q1",
    )


def test_answer_json_round_trip() -> None:
    answer = make_answer()
    assert answer_from_json(answer.to_json()) == answer_from_json(
        answer_from_json(answer.to_json()).to_json()
    )
    back = answer_from_json(answer.to_json())
    assert back.citations == answer.citations
    assert back.backend == answer.backend
    assert back.answer == answer.answer and back.warnings == answer.warnings


def test_conversations_are_saved_listed_and_reloaded(tmp_path: Path) -> None:
    older = Conversation(id="1", started_at="2025-01-01T10:00:00", turns=[])
    older.turns.append(Turn("first?", make_answer("first?")))
    newer = Conversation(id="2", started_at="2025-02-01T10:00:00")
    newer.turns += [Turn("second?", make_answer("second?", abstained=True))]
    for conversation in (older, newer):
        save_conversation(conversation, tmp_path / "h")
    (tmp_path / "h" / "junk.json").write_text("{not json", encoding="utf-8")

    listed = list_conversations(tmp_path / "h")
    assert [info.title for info in listed] == ["second?", "first?"]
    assert listed[0].turns == 1
    reloaded = load_conversation(listed[1].path)
    assert reloaded.turns[0].answer.citations == older.turns[0].answer.citations
    assert listed[1].path.stat().st_mode & 0o777 == 0o600  # the user's own notes stay private
    assert list_conversations(tmp_path / "missing") == []


def test_history_dir_honours_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASSISTANT_HISTORY_DIR", str(tmp_path / "x"))
    assert history_dir() == tmp_path / "x"
    monkeypatch.delenv("ASSISTANT_HISTORY_DIR")
    assert history_dir().name == "conversations"


def test_export_has_questions_answers_citations_and_quotes() -> None:
    turns = [
        Turn("Who founded DeepSeek?", make_answer()),
        Turn("Mars?", make_answer(abstained=True)),
    ]
    text = conversation_markdown(turns, "Conversation", "corpus")
    assert "## 1. Who founded DeepSeek?" in text
    assert "Liang Wenfeng [1], in Hangzhou [2]." in text
    assert "1. `a.txt` (characters 10–40)" in text
    assert "   > Liang Wenfeng founded DeepSeek" in text
    assert "   > It is based in\n   > Hangzhou" in text  # a multi-line quote stays quoted
    assert "Also in: `b.txt`" in text
    assert "## 2. Mars?" in text and "**Not answered from the corpus.**" in text


def test_write_export_to_a_folder_picks_a_dated_name(tmp_path: Path) -> None:
    written = write_export([Turn("q?", make_answer())], tmp_path)
    assert written.parent == tmp_path.resolve() and written.suffix == ".md"
    assert "Liang Wenfeng founded DeepSeek" in written.read_text(encoding="utf-8")
    named = default_export_path(tmp_path, datetime(2025, 3, 4, 5, 6, 7))
    assert named.name == "conversation-20250304-050607.md"


def test_display_text_keeps_every_offset() -> None:
    text = "a\r\nb\tc\rd\x00e"
    shown = display_text(text)
    assert len(shown) == len(text)
    assert shown == "a \nb c\nd e"


@pytest.mark.parametrize("width", [1, 3, 7, 20])
def test_wrapped_rows_cover_the_line_in_order(width: int) -> None:
    line = "The quick brown fox jumps over the lazy dog, supercalifragilistic word  end"
    rows = wrap_offsets(line, width)
    assert rows[0][0] == 0 and rows[-1][1] == len(line)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    assert all(len(line[a:b].rstrip(" ")) <= width for a, b in rows)


def test_wrap_breaks_after_spaces_and_finds_the_row_of_an_offset() -> None:
    text = "ab\n\ncd ef gh"
    rows = layout_rows(text, 4)
    assert [text[a:b] for a, b in rows] == ["ab", "", "cd ", "ef ", "gh"]
    assert row_of(rows, text.index("ef")) == 3
    assert row_of(rows, text.index("gh") + 1) == 4


def test_locate_quote_follows_a_moved_quote_and_gives_up_on_a_gone_one() -> None:
    from assistant.tui.viewer import locate_quote

    quote = "a silver needle"  # a cited quote is at least MIN_QUOTE_CHARS long
    citation = Citation(1, "a.txt", quote, 4, 4 + len(quote))
    assert locate_quote(citation, f"hay {quote} hay") == citation
    moved = locate_quote(citation, f"more hay, {quote}")
    assert moved is not None and f"more hay, {quote}"[moved.start : moved.end] == quote
    assert locate_quote(citation, "only hay") is None


def test_locate_quote_finds_a_quote_after_a_white_space_edit_as_ask_does() -> None:
    """`ask` verifies a quote with white space folded; the viewer must find it the same way
    instead of saying the quote is no longer in the file."""
    from assistant.answer.verify import FileTexts, locate_in
    from assistant.tui.viewer import locate_quote

    quote = "the alpine glacier retreated forty meters"
    citation = Citation(1, "a.txt", quote, 4, 4 + len(quote))
    edited = "hay the alpine\n  glacier retreated\tforty meters, hay"
    assert locate_in(FileTexts({"a.txt": edited}), "a.txt", quote) is not None  # ask: verified
    moved = locate_quote(citation, edited)
    assert moved is not None
    assert (
        edited[moved.start : moved.end]
        == moved.quote
        == "the alpine\n  glacier retreated\tforty meters"
    )


def test_removed_sentences_are_listed_with_why_and_survive_the_history() -> None:
    from dataclasses import replace

    from assistant.tui.widgets import removed_lines

    removed = tuple(f"Sentence {n} about Grok." for n in range(5))
    answer = replace(
        make_answer(),
        unsupported_sentences=removed,
        removed_why=("its quote does not say Grok",) * 5,
    )
    lines = removed_lines(answer)
    assert lines[0] == "✂ removed: Sentence 0 about Grok. (its quote does not say Grok)"
    assert lines[-1] == "✂ … and 2 more" and len(lines) == 4
    back = answer_from_json(answer.to_json())
    assert back.unsupported_sentences == removed and back.removed_why == answer.removed_why
