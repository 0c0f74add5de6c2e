"""Faults: killed or concurrent reindexes, damaged indexes, a failing Ollama, a corpus changed
since indexing. The assistant keeps working, loses nothing, and says what happened."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.index.chunkstore import read_chunk_table
from assistant.index.corpus import read_document
from assistant.index.manifest import read_manifest
from assistant.index.store import STORES_DIR, ChunkVectors, new_store_name
from assistant.service import Assistant
from tests import stress_kill_reindex
from tests.conftest import settings_for, write_corpus
from tests.ollama_standin import OllamaStandin
from tests.reindex_killed_at import KILL_POINTS

GLACIER = "The alpine glacier retreated forty meters last year, the survey found. " * 3
ZEBRA = "The zebra herd crossed the river at dawn on the ninth of May. " * 3
FOUNDER = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    corpus = write_corpus(tmp_path / "corpus", {"glacier.txt": GLACIER, "zebra.txt": ZEBRA})
    Assistant(settings_for(corpus, tmp_path / "index")).reindex()
    return corpus, tmp_path / "index"


def store_dir(index: Path) -> Path:
    manifest = read_manifest(index)
    assert manifest is not None
    return index / STORES_DIR / manifest.store


def _damage(index: Path, how: str) -> None:
    manifest_path = index / "manifest.json"
    if how == "index deleted":
        shutil.rmtree(index)
    elif how == "store deleted":
        shutil.rmtree(index / STORES_DIR)
    elif how == "sqlite truncated":
        with (store_dir(index) / "chroma.sqlite3").open("r+b") as handle:
            handle.truncate(4096)
    elif how == "sqlite emptied":
        (store_dir(index) / "chroma.sqlite3").write_bytes(b"")
    elif how == "chunk table deleted":
        for table in index.glob("chunks-*.sqlite3"):
            table.unlink()
    elif how == "chunk table truncated":
        for table in index.glob("chunks-*.sqlite3"):
            with table.open("r+b") as handle:
                handle.truncate(8192)
    elif how == "chunk table garbage":
        for table in index.glob("chunks-*.sqlite3"):
            table.write_bytes(b"not a database at all" * 100)
    elif how == "manifest truncated":
        manifest_path.write_bytes(manifest_path.read_bytes()[:100])
    elif how in ("older schema", "store outside the index", "table outside the index"):
        data = json.loads(manifest_path.read_text())
        if how == "older schema":
            data["schema_version"] = 1
        elif how == "store outside the index":
            data["store"] = "../../../tmp"
        else:
            data["chunk_table"] = "../../../etc/passwd"
        manifest_path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "how",
    [
        "index deleted",
        "store deleted",
        "sqlite truncated",
        "sqlite emptied",
        "chunk table deleted",
        "chunk table truncated",
        "chunk table garbage",
        "manifest truncated",
        "older schema",
        "store outside the index",
        "table outside the index",
    ],
)
def test_a_damaged_index_says_run_reindex_and_reindex_repairs_it(
    small: tuple[Path, Path], capsys: pytest.CaptureFixture[str], how: str
) -> None:
    corpus, index = small
    _damage(index, how)
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "extractive"]
    code, out, err = cli(capsys, *args, "ask", "How far did the alpine glacier retreat?")
    assert code == 4 and out == "", err
    assert "hint: run `assistant reindex`" in err
    code, _, err = cli(capsys, *args, "reindex")
    assert code == 0, err
    code, out, _ = cli(capsys, *args, "ask", "How far did the alpine glacier retreat?")
    assert code == 0 and "forty meters" in out


BUILD_BIG_STORE = """
import sys, numpy as np
from pathlib import Path
from assistant.index.store import ChunkVectors
from assistant.types import Chunk
vectors = ChunkVectors(Path(sys.argv[1]), None, sys.argv[2], create=True)
chunks = [Chunk(f"c{i}", "f.txt", "sha", i, i + 1, f"text {i}", i) for i in range(1500)]
vectors.add(chunks, np.random.default_rng(0).normal(size=(1500, 384)).astype("float32"))
"""

OPEN_AND_CHECK = """
import sys
from pathlib import Path
from assistant.errors import IndexMissingError
from assistant.index.store import ChunkVectors
try:
    ChunkVectors(Path(sys.argv[1]), None, sys.argv[2]).self_check(["c0", "c750", "c1499"])
    print("whole")
except IndexMissingError as exc:
    print(exc.message, "|", exc.hint)
"""


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store past Chroma's brute-force buffer, so the vectors live in HNSW files. (Written
    by another process: Chroma caches an open store per process.)"""
    root = tmp_path_factory.mktemp("big")
    name = new_store_name()
    subprocess.run([sys.executable, "-c", BUILD_BIG_STORE, str(root), name], check=True)
    return root, name


def _open_copy(big_store: tuple[Path, str], tmp_path: Path, damage: Callable[[Path], None]) -> str:
    """Damage a copy of the big store's HNSW segment, then open and check it in a child
    process, so that a crash inside Chroma fails this test instead of killing the run."""
    root, name = big_store
    shutil.copytree(root, tmp_path / "index")
    (segment,) = [p for p in (tmp_path / "index" / STORES_DIR / name).iterdir() if p.is_dir()]
    damage(segment)
    child = subprocess.run(
        [sys.executable, "-c", OPEN_AND_CHECK, str(tmp_path / "index"), name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, f"the child died ({child.returncode}): {child.stderr[-2000:]}"
    return child.stdout.strip()


def test_the_undamaged_big_store_passes_its_checks(
    big_store: tuple[Path, str], tmp_path: Path
) -> None:
    assert _open_copy(big_store, tmp_path, lambda segment: None) == "whole"


@pytest.mark.parametrize(
    ("file", "size"),
    [
        ("data_level0.bin", 1000),
        ("data_level0.bin", 0),
        ("header.bin", 50),
        ("length.bin", 100),
        ("link_lists.bin", 1000),
    ],
)
def test_a_truncated_hnsw_file_is_an_index_error_not_a_crash(
    big_store: tuple[Path, str], tmp_path: Path, file: str, size: int
) -> None:
    """Chroma's native reader trusts these files: truncated, they crashed the process with a
    segmentation fault, or silently dropped vectors from results."""

    def truncate(segment: Path) -> None:
        with (segment / file).open("r+b") as handle:
            handle.truncate(size)

    out = _open_copy(big_store, tmp_path, truncate)
    assert "is damaged" in out and file in out, out
    assert out.endswith("| run `assistant reindex`")


def test_a_missing_hnsw_file_is_an_index_error(big_store: tuple[Path, str], tmp_path: Path) -> None:
    out = _open_copy(big_store, tmp_path, lambda segment: (segment / "data_level0.bin").unlink())
    assert "data_level0.bin is missing" in out


def test_overwritten_vectors_are_caught_by_the_self_check(
    big_store: tuple[Path, str], tmp_path: Path
) -> None:
    """Damage that keeps every size right: the stored vectors no longer find themselves."""

    def zero_vectors(segment: Path) -> None:
        header = (segment / "header.bin").read_bytes()
        # after the int32 version: offsetLevel0, max_elements, cur_element_count,
        # size_data_per_element, label_offset, offsetData (size_t each)
        record, _, offset = struct.unpack_from("<3Q", header, 4 + 8 * 3)
        data = bytearray((segment / "data_level0.bin").read_bytes())
        for begin in range(0, len(data), record):
            data[begin + offset : begin + offset + 384 * 4] = bytes(384 * 4)
        (segment / "data_level0.bin").write_bytes(bytes(data))

    out = _open_copy(big_store, tmp_path, zero_vectors)
    assert "is damaged" in out and "not found by its own vector" in out, out


@pytest.mark.slow
def test_kill_9_during_reindex_loses_nothing(
    bundled_index: tuple[Path, Path], tmp_path: Path
) -> None:
    """The short form of tests/stress_kill_reindex.py (the full run kills 20 reindexes at
    random moments): one kill at each phase of a reindex, at a set point rather than after a
    delay, so that every kill lands whatever the machine's speed."""
    corpus, index = bundled_index
    # The kill after a commit comes first: the final reindex then has changes to commit and
    # collects what the killed ones left. (After a kill between commit and collection, a
    # reindex with nothing to do leaves the older store on disk until the next real one.)
    after_commit, *others = sorted(KILL_POINTS, key=lambda phase: phase != "after the commit")
    report = stress_kill_reindex.run(
        tmp_path / "work", 3, 0, seed=5, corpus=corpus, index=index, kill_at=[after_commit, *others]
    )
    assert report.failures == []
    assert report.kills == 3 and report.survived == 3 and report.lost_chunks == 0
    assert report.phases == dict.fromkeys(KILL_POINTS, 1)
    assert report.final_reindex_ok


@pytest.mark.slow
def test_questions_during_a_reindex_come_from_one_consistent_index(
    bundled_index: tuple[Path, Path], tmp_path: Path
) -> None:
    shutil.copytree(bundled_index[0], tmp_path / "corpus")
    shutil.copytree(bundled_index[1], tmp_path / "index")
    settings = settings_for(tmp_path / "corpus", tmp_path / "index")
    before = read_manifest(settings.index)
    assert before is not None
    for path in sorted(settings.corpus.glob("001*.txt")):
        path.write_text(path.read_text() + "\nA sentence added while questions were asked.\n")
    assistant = Assistant(settings)
    child = subprocess.Popen(
        stress_kill_reindex.reindex_command(tmp_path), stderr=subprocess.PIPE, text=True
    )
    versions = []
    while child.poll() is None or not versions:
        answer = assistant.answer("Who founded DeepSeek?")
        assert not answer.abstained and "Liang Wenfeng" in answer.answer
        for citation in answer.citations:
            text = read_document(settings.corpus, citation.file).text
            assert text[citation.start : citation.end] == citation.quote
        versions.append(answer.index["version"])
    assert child.wait() == 0, child.stderr.read() if child.stderr else ""
    after = read_manifest(settings.index)
    assert after is not None and after.version != before.version
    assert set(versions) <= {before.version, after.version}
    # the same Assistant notices the commit and answers from the new index
    assert assistant.answer("Who founded DeepSeek?").index["version"] == after.version


def test_two_reindexes_at_once_one_waits_then_both_succeed(small: tuple[Path, Path]) -> None:
    corpus, index = small
    (corpus / "new.txt").write_text("The harbour seal colony grew to ninety animals. " * 3)
    # a generous wait for the lock: the second must wait however slow the first is
    command = stress_kill_reindex.reindex_command(index.parent, wait=600)
    children = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(child.wait(), child.stderr.read() if child.stderr else "") for child in children]
    assert [code for code, _ in results] == [0, 0], results
    manifest = read_manifest(index)
    assert manifest is not None and sorted(manifest.files) == [
        "glacier.txt",
        "new.txt",
        "zebra.txt",
    ]
    chunks = read_chunk_table(index / manifest.chunk_table)
    assert ChunkVectors(index, None, manifest.store).ids() == {c.chunk_id for c in chunks}


def test_a_reindex_that_changes_nothing_writes_nothing(small: tuple[Path, Path]) -> None:
    corpus, index = small
    before = (index / "manifest.json").stat().st_mtime_ns, sorted((index / STORES_DIR).iterdir())
    summary = Assistant(settings_for(corpus, index)).reindex()
    assert summary.chunks_embedded == 0 and summary.unchanged == ["glacier.txt", "zebra.txt"]
    after = (index / "manifest.json").stat().st_mtime_ns, sorted((index / STORES_DIR).iterdir())
    assert after == before


def test_an_unexpected_failure_is_one_line_not_a_traceback(
    small: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk I/O error\ninside a library")

    monkeypatch.setattr("assistant.index.indexer._reindex_locked", boom)
    corpus, index = small
    code, _, err = cli(capsys, "--corpus", str(corpus), "--index", str(index), "reindex")
    assert code == 1
    assert "error: unexpected failure (RuntimeError: disk I/O error inside a library)" in err
    assert "ASSISTANT_DEBUG=1" in err


def test_a_changed_corpus_is_warned_and_stale_quotes_are_not_shown_as_valid(
    small: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = small
    (corpus / "glacier.txt").write_text(GLACIER.replace("forty meters", "a little"))
    questions = tmp_path / "q.txt"
    questions.write_text("How far did the alpine glacier retreat last year?\n")
    out = tmp_path / "r.jsonl"
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "extractive"]
    code, _, err = cli(capsys, *args, "batch", str(questions), "--out", str(out))
    assert code == 0 and "corpus changed since indexing (glacier.txt: changed)" in err
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert "forty meters" not in row["answer"]
    assert all("forty" not in c["quote"] for c in row["citations"])
    assert any("changed since indexing: glacier.txt (changed)" in w for w in row["warnings"])


def test_ask_warns_about_a_changed_corpus_once(
    small: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, index = small
    (corpus / "glacier.txt").write_text(GLACIER.replace("forty meters", "a little"))
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "extractive"]
    code, _, err = cli(capsys, *args, "ask", "How far did the alpine glacier retreat?")
    assert code == 0
    assert err.count("changed since indexing") == 1, err
    assert "corpus changed since indexing (glacier.txt: changed)" in err


# --- Ollama in `auto`: every failure gives a clear reason and the extractive answer ----------

GOOD_REPLY = [
    "DeepSeek was founded by ",
    "Liang Wenfeng [1].",
    "\n\nQUOTES:\n",
    f'[1] "{FOUNDER}"\n',
]


def _program(standin: OllamaStandin, fault: str) -> None:
    standin.reply = list(GOOD_REPLY)
    if fault == "refusing (HTTP 500)":
        standin.fail_status = 500
    elif fault == "stalling":
        standin.delay_between = 3.0
    elif fault == "dropping mid-stream":
        standin.drop_after = 1
    elif fault == "malformed line":
        standin.malformed_after = 1
    elif fault == "empty output":
        standin.reply = []
    elif fault == "no sentence backed by its quotes":
        standin.reply = f'Tim Cook founded DeepSeek in 1999 [1].\nQUOTES:\n[1] "{FOUNDER}"'

    elif fault == "model not pulled":
        standin.models = ["mistral:7b"]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("down", "not reachable"),
        ("refusing (HTTP 500)", "HTTP 500"),
        ("stalling", "stopped answering within 0.5 s"),
        ("dropping mid-stream", "cut off"),
        ("malformed line", "not valid Ollama JSON"),
        ("empty output", "empty answer"),
        ("no sentence backed by its quotes", "no sentence of Ollama's answer was backed"),
        ("model not pulled", "does not have the model llama3.2"),
    ],
)
def test_auto_falls_back_to_extractive_in_cli_and_batch(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    dead_ollama_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    fault: str,
    reason: str,
) -> None:
    _program(ollama_standin, fault)
    url = dead_ollama_url if fault == "down" else ollama_standin.url
    corpus, index = bundled_index
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "auto", "--ollama-host", url]
    config = tmp_path / "assistant.toml"
    config.write_text("ollama_timeout = 0.5\n")
    args += ["--config", str(config)]
    code, out, err = cli(capsys, *args, "ask", "Who founded DeepSeek?")
    assert code == 0 and "Liang Wenfeng" in out
    assert "[extractive; auto:" in err and reason in err, err
    questions = tmp_path / "q.txt"
    questions.write_text("Who founded DeepSeek?\n")
    results = tmp_path / "r.jsonl"
    code, _, _ = cli(capsys, *args, "batch", str(questions), "--out", str(results))
    (row,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert (
        code == 0 and row["backend"]["llm"] == "extractive" and reason in row["backend"]["reason"]
    )
    assert not row["abstained"] and "Liang Wenfeng" in row["answer"]


def test_stress_script_runs_standalone() -> None:
    """The stress script is a module with a CLI (its full run is by hand)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.stress_kill_reindex", "--help"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.returncode == 0 and "--kills" in result.stdout


def test_an_hnsw_header_of_an_unknown_version_is_left_to_chroma(tmp_path: Path) -> None:
    """A newer Chroma may lay its files out differently: not judged, not refused."""
    from assistant.index.hnsw_files import segment_problem

    (tmp_path / "header.bin").write_bytes(struct.pack("<i", 2) + bytes(10))
    assert segment_problem(tmp_path) == ""
    (tmp_path / "header.bin").write_bytes(b"\x01\x00")
    assert "header.bin is truncated" in segment_problem(tmp_path)
