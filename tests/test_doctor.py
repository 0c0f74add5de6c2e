"""`assistant doctor` against the Ollama stand-in, a dead port and real indexes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.cli.doctor import SMOKE_TEXT
from tests.ollama_standin import OllamaStandin

GOOD_SMOKE = json.dumps(
    {
        "sentences": [
            {
                "source": 1,
                "quote": "The Harbor Bridge opened to traffic on 12 May 1931",
                "text": "The Harbor Bridge opened on 12 May 1931.",
            },
            {
                "source": 1,
                "quote": "Its designer was Ada Lindqvist.",
                "text": "Ada Lindqvist designed it.",
            },
        ]
    }
)


def doctor(index: tuple[Path, Path], *args: str) -> int:
    corpus, idx = index
    return main(["--corpus", str(corpus), "--index", str(idx), *args, "doctor"])


def test_all_checks_pass_with_a_working_model(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ollama_standin.reply = GOOD_SMOKE
    code = doctor(bundled_index, "--llm", "ollama", "--ollama-host", ollama_standin.url)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "✓ Ollama 0.12.6 at" in out and "JSON schema" in out
    assert "✓ model llama3.2 is pulled" in out
    assert "✓ context window num_ctx 8192 (model trained for 131072)" in out
    assert "✓ smoke test: 2 verified quote(s), 0 unsupported sentence(s) removed" in out
    assert "✓ index in" in out and "5 files, 95 chunks" in out
    assert "✗" not in out
    chat = ollama_standin.chat_bodies[-1]
    assert chat["format"]["required"] == ["sentences"] and chat["options"]["num_predict"] > 0
    assert SMOKE_TEXT.split(".")[0] in chat["messages"][-1]["content"]


def test_a_model_that_invents_fails_the_smoke_test(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ollama_standin.reply = json.dumps(
        {
            "sentences": [
                {"source": 1, "quote": "It is 503 metres long", "text": "It opened in 1950."}
            ]
        }
    )
    code = doctor(bundled_index, "--llm", "ollama", "--ollama-host", ollama_standin.url)
    out = capsys.readouterr().out
    assert code == 1
    assert "✗ smoke test: llama3.2 gave no verifiable answer" in out and "fix: try a larger" in out


def test_dead_server_missing_model_and_old_server(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    dead_ollama_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert doctor(bundled_index, "--llm", "ollama", "--ollama-host", dead_ollama_url) == 1
    out = capsys.readouterr().out
    assert f"✗ Ollama is not reachable at {dead_ollama_url}" in out and "ollama serve" in out
    # in auto, a dead server is worth knowing, not a failure: answers come extractively
    assert doctor(bundled_index, "--ollama-host", dead_ollama_url) == 0
    assert "auto answers extractively" in capsys.readouterr().out

    args = ("--llm", "ollama", "--ollama-host", ollama_standin.url, "--model", "qwen3:8b")
    assert doctor(bundled_index, *args) == 1
    out = capsys.readouterr().out
    assert "✗ Ollama at" in out and "does not have the model qwen3:8b" in out
    assert "ollama pull qwen3:8b" in out

    ollama_standin.version = "0.4.7"
    ollama_standin.reply = (
        'It opened on 12 May 1931 [1].\nQUOTES:\n[1] "opened to traffic on 12 May 1931"'
    )
    assert doctor(bundled_index, "--llm", "ollama", "--ollama-host", ollama_standin.url) == 0
    out = capsys.readouterr().out
    assert "! Ollama 0.4.7" in out and "parsed from text" in out
    assert "format" not in ollama_standin.chat_bodies[-1]


def test_index_problems_are_reported_with_their_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The Harbor Bridge opened to traffic in 1931.\n")
    assert doctor((corpus, tmp_path / "index"), "--llm", "extractive") == 1
    out = capsys.readouterr().out
    assert "✗ index: there is no index" in out and "assistant reindex" in out

    assert main(["--corpus", str(corpus), "--index", str(tmp_path / "index"), "reindex"]) == 0
    (corpus / "a.txt").write_text("The Harbor Bridge opened to traffic in 1932.\n")
    assert doctor((corpus, tmp_path / "index"), "--llm", "extractive") == 0
    out = capsys.readouterr().out
    assert "! 1 file(s) changed since the last reindex: a.txt: changed" in out

    # chunks cut with other settings than these: the index still answers, doctor says so
    index = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert main([*index, "reindex"]) == 0
    monkeypatch.setenv("ASSISTANT_CHUNK_SIZE", "400")
    assert doctor((corpus, tmp_path / "index"), "--llm", "extractive") == 0
    out = capsys.readouterr().out
    assert "! the index's chunks were cut another way" in out and "chunk size 700 → 400" in out


def test_files_the_index_could_not_read_are_listed_with_their_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The Harbor Bridge opened to traffic in 1931.\n")
    (corpus / "empty.txt").write_text("")
    (corpus / "data.txt").write_bytes(b"\x00\x01\x02binary" * 20)
    index = ["--corpus", str(corpus), "--index", str(tmp_path / "index")]
    assert main([*index, "reindex"]) == 0
    capsys.readouterr()
    assert doctor((corpus, tmp_path / "index"), "--llm", "extractive") == 0
    out = capsys.readouterr().out
    assert "! 2 corpus file(s) not indexed: data.txt: binary file" in out
    assert "empty.txt: empty file" in out
