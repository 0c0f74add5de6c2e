"""Bad input gives one clear line (or a warning), never a traceback or a half-built index."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path
from typing import Any

import pytest

from assistant.cli.command import main
from assistant.errors import CorpusError
from assistant.index import corpus as corpus_module
from assistant.index import indexer
from assistant.index.corpus import read_document
from assistant.index.manifest import read_manifest
from assistant.service import Assistant
from tests.conftest import settings_for, write_corpus

GLACIER = "The alpine glacier retreated forty meters last year, the survey found. " * 3
ZEBRA = "The zebra herd crossed the river at dawn on the ninth of May. " * 3


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def test_unreadable_corpus_or_a_file_given_as_corpus_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": GLACIER})
    index = str(tmp_path / "index")
    # Tests run as root here, where chmod 000 does not stop reads: deny access instead.
    monkeypatch.setattr(corpus_module.os, "access", lambda *_: False)
    code, _, err = run_cli(capsys, "--corpus", str(corpus), "--index", index, "reindex")
    assert code == 3 and "is not readable" in err and "hint:" in err
    monkeypatch.undo()
    code, _, err = run_cli(capsys, "--corpus", str(corpus / "a.txt"), "--index", index, "reindex")
    assert code == 3 and "is not a folder" in err
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_odd_files_are_skipped_with_reasons_and_the_rest_indexed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"glacier.txt": GLACIER, "empty.txt": ""})
    (corpus / "blank.md").write_text("   \n\n\t\n")
    (corpus / "loop.txt").symlink_to(corpus / "loop.txt")  # a symlink loop
    (corpus / "cycle").symlink_to(corpus)  # a folder link back to the corpus
    (tmp_path / "outside.txt").write_text("secret outside the corpus " * 5)
    (corpus / "escape.txt").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(corpus / "pipe.txt")  # reading it would block forever
    (corpus / "utf8bom.txt").write_bytes(codecs.BOM_UTF8 + ZEBRA.encode())
    (corpus / "utf16be.txt").write_bytes(codecs.BOM_UTF16_BE + ZEBRA.encode("utf-16-be"))
    code, out, err = run_cli(
        capsys, "--corpus", str(corpus), "--index", str(tmp_path / "index"), "reindex"
    )
    assert code == 0 and "3 added" in out, out
    warnings = {line for line in err.splitlines() if line.startswith("warning: skipped")}
    for name, reason in [
        ("empty.txt", "empty file"),
        ("blank.md", "empty file"),
        ("loop.txt", "looping symlink"),
        ("cycle", "symlinked folder"),
        ("escape.txt", "outside the corpus"),
        ("pipe.txt", "not a regular file"),
    ]:
        assert any(name in w and reason in w for w in warnings), (name, warnings)
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None
    assert sorted(manifest.files) == ["glacier.txt", "utf16be.txt", "utf8bom.txt"]


def test_quotes_from_bom_files_verify_with_offsets_into_the_decoded_text(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "zebra.txt").write_bytes(codecs.BOM_UTF16_LE + ZEBRA.encode("utf-16-le"))
    assistant = Assistant(settings_for(corpus, tmp_path / "index"))
    assistant.reindex()
    answer = assistant.answer("When did the zebra herd cross the river?")
    assert not answer.abstained and answer.citations
    for citation in answer.citations:
        text = read_document(corpus, citation.file).text
        assert text[citation.start : citation.end] == citation.quote


def test_a_50_mb_file_is_skipped_at_once_with_the_setting_to_raise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Skipped by its size alone: the reindex never reads it."""
    corpus = write_corpus(tmp_path / "corpus", {"glacier.txt": GLACIER})
    line = b"A line of a very large log file that nobody should embed by accident.\n"
    (corpus / "huge.txt").write_bytes(line * (50 * 1024 * 1024 // len(line) + 1))
    read: list[str] = []

    def reading(root: Path, name: str, *args: Any, **kwargs: Any) -> corpus_module.Document:
        read.append(name)
        return read_document(root, name, *args, **kwargs)

    monkeypatch.setattr(indexer, "read_document", reading)
    summary = Assistant(settings_for(corpus, tmp_path / "index")).reindex()
    assert read == ["glacier.txt"]
    assert summary.added == ["glacier.txt"]
    reason = dict(summary.skipped)["huge.txt"]
    assert "larger than 10 MB" in reason and "max_file_mb" in reason


def test_a_corpus_with_no_usable_text_leaves_the_previous_index(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"glacier.txt": GLACIER})
    settings = settings_for(corpus, tmp_path / "index")
    Assistant(settings).reindex()
    before = read_manifest(settings.index)
    (corpus / "glacier.txt").unlink()
    (corpus / "empty.txt").write_text("")
    (corpus / "blob").write_bytes(b"\x00\x01" * 100)
    with pytest.raises(CorpusError, match=r"no file .* has usable text") as caught:
        Assistant(settings).reindex()
    assert "empty.txt" in caught.value.message
    assert read_manifest(settings.index) == before


def test_files_vanishing_while_listed_or_read_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = write_corpus(
        tmp_path / "corpus", {"a.txt": GLACIER, "b.txt": ZEBRA, "c.txt": GLACIER + ZEBRA}
    )
    real_unusable = corpus_module._unusable
    real_read = indexer.read_document

    def unusable_then_gone(path: Path, root: Path, max_bytes: int) -> str:
        reason = real_unusable(path, root, max_bytes)
        if path.name == "b.txt":
            path.unlink()  # deleted between the checks and the stat
        return reason

    def read_then_gone(root: Path, name: str, *args: Any, **kwargs: Any) -> object:
        if name == "c.txt":
            (root / name).unlink()  # deleted just before reindex reads it
        return real_read(root, name, *args, **kwargs)

    monkeypatch.setattr(corpus_module, "_unusable", unusable_then_gone)
    monkeypatch.setattr(indexer, "read_document", read_then_gone)
    summary = Assistant(settings_for(corpus, tmp_path / "index")).reindex()
    skipped = dict(summary.skipped)
    assert summary.added == ["a.txt"]
    assert "vanished while listing" in skipped["b.txt"]
    assert skipped["c.txt"] == "deleted while reading"


@pytest.mark.parametrize("question", ["", "   \n\t  ", "\x00\x1b\x07\x7f"])
def test_cli_empty_questions_exit_2(
    bundled_index: tuple[Path, Path], capsys: pytest.CaptureFixture[str], question: str
) -> None:
    corpus, index = bundled_index
    code, out, err = run_cli(
        capsys, "--corpus", str(corpus), "--index", str(index), "--llm", "extractive", "ask",
        question,
    )  # fmt: skip
    assert code == 2 and out == ""
    assert "error: the question is empty" in err


def test_cli_huge_and_markup_questions_are_answered_with_a_warning(
    bundled_index: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = bundled_index
    question = "<b>Who</b> founded [red]DeepSeek[/red]? {x} $(rm -rf /) " + "é" * 10_000
    code, out, _ = run_cli(
        capsys, "--corpus", str(corpus), "--index", str(index), "--llm", "extractive", "ask",
        question, "--json",
    )  # fmt: skip
    result = json.loads(out)
    assert code == 0 and len(result["question"]) == 2000
    assert any("shortened" in w for w in result["warnings"])


def test_batch_file_problems_are_one_line(
    bundled_index: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = bundled_index
    base = ["--corpus", str(corpus), "--index", str(index), "--llm", "extractive", "batch"]
    out = str(tmp_path / "r.jsonl")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Qui a fondé DeepSeek ?\n".encode("latin-1"))
    for path, message in [
        (tmp_path / "missing.jsonl", "cannot read questions file"),
        (latin, "is not UTF-8 text"),
    ]:
        code, _, err = run_cli(capsys, *base, str(path), "--out", out)
        assert code == 2 and message in err
    wrong = tmp_path / "q.jsonl"
    wrong.write_text(
        '{"id": "a", "question": 5}\n[1, 2]\n{"id": "b", "question": "Who founded DeepSeek?"}\n'
    )
    code, _, _ = run_cli(capsys, *base, str(wrong), "--out", out)
    rows = [json.loads(line) for line in Path(out).read_text().splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["a", "line2", "b"]
    assert "line 1" in rows[0]["error"] and "line 2" in rows[1]["error"]
    assert "error" not in rows[2] and not rows[2]["abstained"]


def test_bad_settings_from_environment_and_file_name_the_key_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    code, _, err = run_cli(capsys, "--index", str(tmp_path / "i"), "ask", "hi?")
    assert code == 2 and "'top_k'" in err and len(err.splitlines()) == 2
    monkeypatch.delenv("ASSISTANT_TOP_K")
    config = tmp_path / "assistant.toml"
    config.write_text('[assistant]\nmax_file_mb = "big"\ncolour = "blue"\n')
    code, _, err = run_cli(capsys, "--config", str(config), "reindex")
    assert code == 2 and "'max_file_mb'" in err and "unknown key 'colour'" in err
