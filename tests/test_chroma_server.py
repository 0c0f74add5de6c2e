"""Chroma server mode (`--chroma-url`) against a real `chroma run` server on localhost:
reindex → ask → batch through the CLI, then an incremental update that changes the answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.index.chunkstore import read_chunk_table
from assistant.index.manifest import read_manifest
from tests.chroma_run import chroma_server, free_port
from tests.conftest import write_corpus

pytestmark = pytest.mark.slow

FILES = {
    "harbour.txt": (
        "The Lindqvist harbour crane was built in 1931 by the Malmo shipyard. "
        "It lifted the hulls of forty fishing boats every winter until the yard closed.\n"
    ),
    "orchard.txt": (
        "The Brennan orchard grows eleven kinds of cider apples on the hills above the river. "
        "Its oldest tree was planted by Agnes Brennan in 1888.\n"
    ),
    "observatory.txt": (
        "The Kessler observatory sits on a ridge at 2,400 metres. "
        "Its main telescope has a mirror of 1.2 metres and was installed by Otto Kessler.\n"
    ),
}
QUESTION = "Who built the Lindqvist harbour crane?"


@pytest.fixture
def chroma_url(tmp_path: Path) -> Iterator[str]:
    with chroma_server(tmp_path) as url:
        yield url


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def _server_collections(url: str) -> list[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    return [getattr(c, "name", c) for c in client.list_collections()]


def _server_ids(url: str, name: str) -> set[str]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = int(url.rsplit(":", 1)[1])
    client = chromadb.HttpClient(
        host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
    )
    return set(client.get_collection(name).get(include=[])["ids"])


def _chunk_ids(index: Path) -> set[str]:
    manifest = read_manifest(index)
    assert manifest is not None
    return {c.chunk_id for c in read_chunk_table(index / manifest.chunk_table)}


def test_reindex_ask_batch_and_update_on_a_chroma_server(
    tmp_path: Path, chroma_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", FILES)
    index = tmp_path / "index"
    where = ["--corpus", str(corpus), "--index", str(index), "--chroma-url", chroma_url]

    out = _cli(capsys, "reindex", *where)
    assert "3 added" in out
    assert not (index / "stores").exists(), "vectors belong on the server, not in the index"
    first_collections = _server_collections(chroma_url)
    assert len(first_collections) == 1 and first_collections[0].startswith("assistant-")

    answer = json.loads(_cli(capsys, "ask", QUESTION, "--llm", "extractive", "--json", *where))
    assert not answer["abstained"]
    assert "1931" in answer["answer"] and "Malmo" in answer["answer"]
    citation = answer["citations"][0]
    assert citation["file"] == "harbour.txt"
    text = (corpus / "harbour.txt").read_text("utf-8")
    assert text[citation["start"] : citation["end"]] == citation["quote"]

    questions = tmp_path / "questions.jsonl"
    questions.write_text(
        json.dumps({"id": "crane", "question": QUESTION})
        + "\n"
        + json.dumps(
            {"id": "tree", "question": "Who planted the oldest tree of the Brennan orchard?"}
        )
        + "\n",
        "utf-8",
    )
    results = tmp_path / "results.jsonl"
    out = _cli(
        capsys, "batch", str(questions), "--out", str(results), "--llm", "extractive", *where
    )
    assert "2 answered" in out
    rows = [json.loads(line) for line in results.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["crane", "tree"]
    assert "Agnes Brennan" in rows[1]["answer"]

    # Incremental update: one file changes, only it is embedded again, the answer follows.
    (corpus / "harbour.txt").write_text(
        "The Lindqvist harbour crane was built in 1952 by the Gdansk ironworks. "
        "It lifted the hulls of forty fishing boats every winter until the yard closed.\n",
        "utf-8",
    )
    out = _cli(capsys, "reindex", *where)
    assert "1 changed" in out and "2 unchanged" in out
    updated = json.loads(_cli(capsys, "ask", QUESTION, "--llm", "extractive", "--json", *where))
    assert "1952" in updated["answer"] and "Gdansk" in updated["answer"]
    assert "Malmo" not in updated["answer"]
    assert updated["index"]["version"] != answer["index"]["version"]
    # One collection per index: only the changed file's chunks were added to it, and the
    # previous generation's vectors stay for readers that started before the commit.
    assert _server_collections(chroma_url) == first_collections
    chunk_ids = _chunk_ids(index)
    assert _server_ids(chroma_url, first_collections[0]) > chunk_ids

    # The next change deletes the vectors that neither of the last two generations lists.
    (corpus / "orchard.txt").write_text(FILES["orchard.txt"].replace("eleven", "twelve"), "utf-8")
    out = _cli(capsys, "reindex", *where)
    assert "1 changed" in out and "(1 embedded by all-MiniLM-L6-v2-onnx-int8)" in out
    assert _server_ids(chroma_url, first_collections[0]) == chunk_ids | _chunk_ids(index)

    # Nothing changed: nothing is written, the server keeps the same collections.
    before = sorted(_server_collections(chroma_url))
    out = _cli(capsys, "reindex", *where)
    assert "3 unchanged" in out
    assert sorted(_server_collections(chroma_url)) == before


def test_an_unreachable_chroma_server_is_an_error_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": FILES["harbour.txt"]})
    url = f"http://127.0.0.1:{free_port()}"
    code = main(
        ["reindex", "--corpus", str(corpus), "--index", str(tmp_path / "i"), "--chroma-url", url]
    )
    err = capsys.readouterr().err
    assert code != 0
    assert "hint:" in err
