"""Incremental reindex on a real Chroma store with the real embedder."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.errors import CorpusError, IndexBusyError, IndexMissingError
from assistant.index.chunkstore import ChunkStore, read_chunk_table
from assistant.index.lock import index_lock
from assistant.index.manifest import read_manifest
from assistant.index.store import ChunkVectors
from assistant.service import Assistant
from tests.conftest import settings_for, write_corpus

ALPHA = "The alpine glacier retreated forty meters last year, the survey found. " * 3
BRAVO = "Bravo Company shipped nine thousand widgets to Ontario in March. " * 3
CHARLIE = "Charlie the parrot learned to say seventeen words before his second birthday. " * 3


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", {"alpha.txt": ALPHA, "bravo.md": BRAVO})


def test_incremental_add_change_remove(corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    assistant = Assistant(settings)
    first = assistant.reindex()
    assert sorted(first.added) == ["alpha.txt", "bravo.md"] and first.chunks_embedded > 0

    again = assistant.reindex()
    assert again.unchanged == ["alpha.txt", "bravo.md"] and again.chunks_embedded == 0

    (corpus / "charlie.txt").write_text(CHARLIE)
    (corpus / "bravo.md").write_text(BRAVO.replace("nine", "eleven"))
    (corpus / "alpha.txt").unlink()
    third = assistant.reindex()
    assert third.added == ["charlie.txt"]
    assert third.changed == ["bravo.md"]
    assert third.removed == ["alpha.txt"]

    manifest = read_manifest(settings.index)
    assert manifest is not None and sorted(manifest.files) == ["bravo.md", "charlie.txt"]
    chunks = read_chunk_table(settings.index / manifest.chunk_table)
    assert {c.file for c in chunks} == {"bravo.md", "charlie.txt"}
    # Chroma holds exactly the live chunks: the removed and the replaced ones are gone.
    assert ChunkVectors(settings.index, None, manifest.store).ids() == {c.chunk_id for c in chunks}
    answer = assistant.answer("How many widgets did Bravo Company ship to Ontario?")
    assert not answer.abstained and "eleven" in answer.answer


def test_a_reindex_that_dies_half_way_leaves_the_previous_index(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    assistant = Assistant(settings)
    assistant.reindex()
    before = read_manifest(settings.index)

    (corpus / "bravo.md").write_text(BRAVO.replace("nine", "eleven"))
    (corpus / "charlie.txt").write_text(CHARLIE)

    def die(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if killed while writing

    monkeypatch.setattr("assistant.index.indexer.write_manifest", die)
    with pytest.raises(KeyboardInterrupt):
        assistant.reindex()
    monkeypatch.undo()

    assert read_manifest(settings.index) == before
    answer = Assistant(settings).answer("How far did the alpine glacier retreat last year?")
    assert not answer.abstained and "forty meters" in answer.answer
    assert answer.index["version"] == before.version  # type: ignore[union-attr]
    # bravo.md changed on disk: its old quote no longer verifies and is not shown as valid.
    stale = Assistant(settings).answer("How many widgets did Bravo Company ship to Ontario?")
    assert stale.abstained and stale.dropped_quotes >= 1

    summary = Assistant(settings).reindex()
    assert summary.changed == ["bravo.md"] and summary.added == ["charlie.txt"]
    manifest = read_manifest(settings.index)
    assert manifest is not None
    live = {c.chunk_id for c in read_chunk_table(settings.index / manifest.chunk_table)}
    assert ChunkVectors(settings.index, None, manifest.store).ids() == live


def test_a_second_reindex_at_the_same_time_fails_clearly(corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    with index_lock(settings.index, wait=0), pytest.raises(IndexBusyError) as caught:
        Assistant(settings).reindex(wait=0.3)
    assert f"(pid {os.getpid()})" in caught.value.message
    assert "--wait" in caught.value.hint


def test_binary_and_undecodable_files_are_skipped_with_a_reason(
    corpus: Path, tmp_path: Path
) -> None:
    (corpus / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (corpus / "noext").write_bytes(b"\x00\x01\x02binary")
    (corpus / "latin.txt").write_bytes(
        "Café au lait costs three euros in Lyon. ".encode("latin-1") * 3
    )
    (corpus / "utf16.txt").write_text(
        "Utf sixteen text about the zebra herd. " * 3, encoding="utf-16"
    )
    summary = Assistant(settings_for(corpus, tmp_path / "index")).reindex()
    skipped = dict(summary.skipped)
    assert "image.png" in skipped and "noext" in skipped
    assert "binary" in skipped["noext"]
    assert {"latin.txt", "utf16.txt"} <= set(summary.added)


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        Assistant(settings_for(tmp_path / "nope", tmp_path / "index")).reindex()
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no files"):
        Assistant(settings_for(tmp_path / "empty", tmp_path / "index")).reindex()


def test_no_index_and_damaged_manifest_say_run_reindex(corpus: Path, tmp_path: Path) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    with pytest.raises(IndexMissingError) as caught:
        Assistant(settings).answer("anything?")
    assert "assistant reindex" in caught.value.hint
    Assistant(settings).reindex()
    (settings.index / "manifest.json").write_text("{not json")
    with pytest.raises(IndexMissingError, match="damaged"):
        Assistant(settings).answer("anything?")


def test_touched_and_unusable_files_do_not_make_a_new_generation(
    corpus: Path, tmp_path: Path
) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    assistant = Assistant(settings)
    (corpus / "blob.txt").write_bytes(b"\x00\x01binary" * 100)
    (corpus / "menu.txt").write_text("Home\nAbout\nContact\n")  # all page chrome
    first = assistant.reindex()
    assert dict(first.skipped).keys() >= {"blob.txt"}
    before = read_manifest(settings.index)
    assert before is not None and "blob.txt" in before.skipped

    # Unchanged unusable files are remembered, not read again: nothing is written.
    written = _mtime(settings.index)
    again = assistant.reindex()
    assert dict(again.skipped) == dict(first.skipped)
    assert _mtime(settings.index) == written

    # A file touched but not changed keeps its chunks and vectors: same generation.
    stat = (corpus / "alpha.txt").stat()
    os.utime(corpus / "alpha.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    touched = assistant.reindex()
    assert touched.changed == [] and "alpha.txt" in touched.unchanged
    assert touched.chunks_embedded == 0
    after = read_manifest(settings.index)
    assert after is not None
    assert (after.store, after.chunk_table) == (before.store, before.chunk_table)
    assert after.files["alpha.txt"].mtime_ns == stat.st_mtime_ns + 10**9
    assert assistant.reindex().unchanged == ["alpha.txt", "bravo.md"]


def _mtime(index: Path) -> int:
    return (index / "manifest.json").stat().st_mtime_ns


def test_when_the_store_cannot_be_copied_every_chunk_is_embedded_again(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    Assistant(settings).reindex()
    (corpus / "charlie.txt").write_text(CHARLIE)

    def broken_copy(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("assistant.index.store.copy_store", broken_copy)
    messages: list[str] = []
    summary = Assistant(settings).reindex(on_message=messages.append)
    assert any("could not reuse the current vectors" in m for m in messages), messages
    assert summary.added == ["charlie.txt"] and summary.chunks_embedded == summary.chunks_total
    manifest = read_manifest(settings.index)
    assert manifest is not None
    live = {c.chunk_id for c in read_chunk_table(settings.index / manifest.chunk_table)}
    assert ChunkVectors(settings.index, None, manifest.store).ids() == live
    answer = Assistant(settings).answer("How many words did Charlie the parrot learn to say?")
    assert not answer.abstained and "seventeen" in answer.answer


def test_a_table_of_older_keyword_terms_is_rebuilt_without_embedding(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(corpus, tmp_path / "index")
    assistant = Assistant(settings)
    assistant.reindex()
    manifest = read_manifest(settings.index)
    assert manifest is not None
    table = settings.index / manifest.chunk_table
    with sqlite3.connect(table) as older:  # as a table from before the version was recorded
        older.execute("PRAGMA user_version = 0")
    older.close()
    argv = ["--corpus", str(corpus), "--index", str(settings.index), "--llm", "extractive"]
    main([*argv, "doctor"])
    assert "keyword terms are of an earlier version" in capsys.readouterr().out
    messages: list[str] = []
    summary = Assistant(settings).reindex(on_message=messages.append)
    assert any("keyword terms of an earlier version" in m for m in messages), messages
    assert summary.chunks_embedded == 0
    rebuilt = read_manifest(settings.index)
    assert rebuilt is not None and rebuilt.chunk_table != manifest.chunk_table
    assert ChunkStore.open(settings.index / rebuilt.chunk_table).terms_current()
    assert Assistant(settings).reindex().chunks_embedded == 0  # and then nothing to do


def test_an_unchanged_file_a_new_reader_reads_another_way_is_chunked_and_embedded_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from markdown_it import MarkdownIt

    from assistant.readers import cache, markdown

    notes = "# Notes\n\nPin the versions with {ref}`pip freeze` before the release.\n"
    corpus = write_corpus(tmp_path / "corpus", {"notes.md": notes, "alpha.txt": ALPHA})
    settings = settings_for(corpus, tmp_path / "index")
    # Indexed by an earlier version of the assistant, whose Markdown reader knew no MyST roles.
    monkeypatch.setattr(cache, "EXTRACTOR_VERSION", cache.EXTRACTOR_VERSION - 1)
    monkeypatch.setattr(markdown, "_parser", lambda: MarkdownIt("commonmark"))
    Assistant(settings).reindex()
    monkeypatch.undo()

    summary = Assistant(settings).reindex()
    assert summary.chunks_embedded == 1, "the Markdown file's chunk, not alpha.txt's"
    manifest = read_manifest(settings.index)
    assert manifest is not None
    texts = [c.text for c in read_chunk_table(settings.index / manifest.chunk_table)]
    assert any("Pin the versions with pip freeze before the release." in t for t in texts)
    assert not any("{ref}" in text for text in texts)
    answer = Assistant(settings).answer("What pins the versions before the release?")
    assert answer.citations and "pip freeze" in answer.citations[0].quote


def test_a_japanese_document_is_indexed_and_its_words_found_by_keyword(tmp_path: Path) -> None:
    japanese = (
        "LangGraphは、LLMを使ったステートフルなアプリケーションを構築するためのライブラリです。"
        "サイクルを含むワークフローを作成できます。\n"
    )
    corpus = write_corpus(tmp_path / "corpus", {"langgraph.txt": japanese, "alpha.txt": ALPHA})
    settings = settings_for(corpus, tmp_path / "index")
    summary = Assistant(settings).reindex()
    assert summary.skipped == [] and sorted(summary.added) == ["alpha.txt", "langgraph.txt"]
    found, _ = Assistant(settings).search("ワークフローを作成", 1)
    assert found and found[0].where.file == "langgraph.txt"
    assert "サイクルを含むワークフローを作成できます。" in found[0].where.quote
