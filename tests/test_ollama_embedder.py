"""Embeddings from an Ollama server (`embedder = "ollama:MODEL"`) through the stand-in, whose
`/api/embed` answers with real MiniLM vectors from the assistant's own embedder: batching,
requests in flight, retries, the model's digest in the manifest, and what a question needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.cli.command import main
from assistant.config import Settings
from assistant.config.remote import Endpoint
from assistant.embed.minilm import MiniLMEmbedder
from assistant.embed.ollama import OllamaEmbedder
from assistant.errors import ConfigError, IndexMissingError, OllamaModelMissing
from assistant.index.chunkstore import read_chunk_table
from assistant.index.manifest import read_manifest
from assistant.index.store import ChunkVectors
from assistant.service import Assistant
from tests.conftest import settings_for, write_corpus
from tests.ollama_standin import OllamaStandin
from tests.test_chroma_server import FILES, QUESTION

MODEL = "all-minilm:latest"


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture
def embed_server(minilm: MiniLMEmbedder) -> Iterator[OllamaStandin]:
    """A stand-in Ollama with `all-minilm` whose vectors are the local model's."""
    with OllamaStandin(models=[MODEL, "llama3.2:latest"], embed_with=minilm.embed) as standin:
        yield standin


def _settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    corpus = write_corpus(tmp_path / "corpus", FILES)
    values: dict[str, object] = {"embedder": "ollama:all-minilm", "ollama_host": url}
    values.update(overrides)
    return settings_for(corpus, tmp_path / "index", **values)


def test_reindex_and_ask_through_the_ollama_embedder(
    tmp_path: Path, embed_server: OllamaStandin, minilm: MiniLMEmbedder
) -> None:
    settings = _settings(tmp_path, embed_server.url, embed_batch=2, embed_in_flight=2)
    stages: list[tuple[str, int, int]] = []
    assistant = Assistant(settings)
    summary = assistant.reindex(lambda stage, done, total: stages.append((stage, done, total)))
    assert summary.chunks_embedded == summary.chunks_total == 3

    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None
    assert manifest.embedder == {
        "name": "ollama:all-minilm",
        "model_sha256": next(m["digest"] for m in _tags(embed_server) if m["name"] == MODEL),
        "dimensions": 384,
    }
    embeds = [r.body for r in embed_server.requests_to("/api/embed")]
    assert all(len(body["input"]) <= 2 for body in embeds[1:])  # the first one is the probe
    assert sum(len(body["input"]) for body in embeds[1:]) == 3
    assert ("embedding", 3, 3) in stages

    answer = assistant.answer(QUESTION)
    assert answer.citations[0].file == "harbour.txt" and "Malmo" in answer.answer
    assert answer.backend.embedder == "ollama:all-minilm"
    question = [r.body["input"] for r in embed_server.requests_to("/api/embed")][-1]
    assert question == [QUESTION], "the question is embedded by the index's own model"
    # The vectors stored are the model's: the same as the local embedder's, here.
    store = ChunkVectors(tmp_path / "index", None, manifest.store)
    stored = store.embeddings(sorted(store.ids()))
    texts = {
        c.chunk_id: c.text for c in read_chunk_table(tmp_path / "index" / manifest.chunk_table)
    }
    for chunk_id, vector in stored.items():
        assert float(np.dot(vector, minilm.embed([texts[chunk_id]])[0])) > 0.9999


def _tags(standin: OllamaStandin) -> list[dict[str, str]]:
    import urllib.request

    with urllib.request.urlopen(f"{standin.url}/api/tags") as reply:
        return list(json.load(reply)["models"])


def test_transient_failures_are_retried_with_back_off(embed_server: OllamaStandin) -> None:
    waits: list[float] = []
    embedder = OllamaEmbedder(
        Endpoint(embed_server.url, "ollama_host"), "all-minilm", 10, batch=4, sleep=waits.append
    ).resolve()
    embed_server.embed_failures = 2
    vectors = embedder.embed(["one", "two", "three"])
    assert vectors.shape == (3, 384) and embedder.retried == 2
    assert waits == [0.5, 1.0]


def test_requests_go_out_several_at_a_time(embed_server: OllamaStandin) -> None:
    embedder = OllamaEmbedder(
        Endpoint(embed_server.url, "ollama_host"), "all-minilm", 10, batch=1, in_flight=4
    ).resolve()
    texts = [f"sentence number {n} about harbours" for n in range(24)]
    vectors = embedder.embed(texts)
    assert vectors.shape == (24, 384)
    assert embed_server.max_embeds_in_flight >= 2
    assert len(embed_server.requests_to("/api/embed")) == 25  # 24 batches and the probe


def test_a_missing_model_is_named(embed_server: OllamaStandin) -> None:
    embedder = OllamaEmbedder(Endpoint(embed_server.url, "ollama_host"), "nomic-embed-text", 5)
    with pytest.raises(OllamaModelMissing, match="nomic-embed-text"):
        embedder.resolve()


def test_another_digest_means_a_rebuild_and_questions_wait_for_it(
    tmp_path: Path, embed_server: OllamaStandin
) -> None:
    settings = _settings(tmp_path, embed_server.url)
    Assistant(settings).reindex()
    embed_server.digests[MODEL] = "f" * 64  # the model was re-pulled with other weights
    with pytest.raises(IndexMissingError, match="not the one that embedded"):
        Assistant(settings).answer(QUESTION)
    messages: list[str] = []
    summary = Assistant(settings).reindex(on_message=messages.append)
    assert summary.chunks_embedded == 3
    assert any("embedder changed" in m or "rebuilding every file" in m for m in messages)
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and manifest.embedder["model_sha256"] == "f" * 64
    assert not Assistant(settings).answer(QUESTION).abstained


def test_switching_embedder_needs_a_reindex_or_the_old_setting(
    tmp_path: Path, embed_server: OllamaStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(tmp_path, embed_server.url)
    Assistant(settings).reindex()
    argv = ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    assert main([*argv, "ask", QUESTION, "--llm", "extractive"]) == 4
    err = capsys.readouterr().err
    assert "embedded by ollama:all-minilm" in err and 'embedder = "ollama:all-minilm"' in err
    assert main([*argv, "reindex"]) == 0  # back to the local embedder: every file again
    out = capsys.readouterr().out
    assert "(3 embedded by all-MiniLM-L6-v2-onnx-int8)" in out


def test_the_embedding_server_gets_the_configured_headers(
    tmp_path: Path,
    embed_server: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    embed_server.required_headers = {"X-Api-Key": "embed-key-20c4a9"}
    argv = [
        "--corpus",
        str(write_corpus(tmp_path / "corpus", FILES)),
        "--index",
        str(tmp_path / "index"),
        "--ollama-host",
        embed_server.url,
    ]
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "ollama:all-minilm")
    assert main([*argv, "reindex"]) == 2
    err = capsys.readouterr().err
    assert "HTTP 401" in err and "ollama_headers" in err
    monkeypatch.setenv("ASSISTANT_OLLAMA_HEADERS", json.dumps({"X-Api-Key": "embed-key-20c4a9"}))
    assert main([*argv, "reindex"]) == 0
    out, err = capsys.readouterr()
    assert "3 added" in out and "embed-key-20c4a9" not in out + err


def test_doctor_checks_the_embedding_model(
    tmp_path: Path,
    embed_server: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [
        "--index",
        str(tmp_path / "i"),
        "--ollama-host",
        embed_server.url,
        "--llm",
        "extractive",
    ]
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "ollama:all-minilm")
    main([*argv, "doctor"])
    assert "✓ embedder ollama:all-minilm answers at http://127.0.0.1" in capsys.readouterr().out
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "ollama:nomic-embed-text")
    main([*argv, "doctor"])
    out = capsys.readouterr().out
    assert "✗ embedder ollama:nomic-embed-text" in out and "ollama pull nomic-embed-text" in out


def test_questions_can_be_embedded_locally_against_an_all_minilm_index(
    tmp_path: Path, embed_server: OllamaStandin
) -> None:
    Assistant(_settings(tmp_path, embed_server.url)).reindex()
    before = len(embed_server.requests_to("/api/embed"))
    local = _settings(tmp_path, embed_server.url, query_embedder="local")
    answer = Assistant(local).answer(QUESTION)
    assert "Malmo" in answer.answer
    assert len(embed_server.requests_to("/api/embed")) == before, "no round trip"
    assert answer.backend.embedder == "ollama:all-minilm"


def test_local_questions_are_refused_against_another_model(
    tmp_path: Path, minilm: MiniLMEmbedder
) -> None:
    with OllamaStandin(models=["nomic-embed-text:latest"], embed_with=minilm.embed) as standin:
        settings = _settings(tmp_path, standin.url, embedder="ollama:nomic-embed-text")
        Assistant(settings).reindex()
        local = _settings(
            tmp_path, standin.url, embedder="ollama:nomic-embed-text", query_embedder="local"
        )
        with pytest.raises(ConfigError, match="needs an index embedded by all-MiniLM-L6-v2"):
            Assistant(local).answer(QUESTION)
