"""`assistant eval` driven through its argument parser on hand-made results over a tiny corpus."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings, load_settings
from assistant.errors import InputError
from assistant.evaluation import command

FILES = {
    "chips.txt": "Export controls on advanced chips were kept intact by the administration.\n",
    "founder.txt": "DeepSeek was founded by Liang Wenfeng in 2023.\nIt is based in Hangzhou.\n",
}
GOLD = [
    {
        "id": "g1",
        "question": "Who founded DeepSeek?",
        "answerable": True,
        "gold_files": ["founder.txt"],
        "must_include": ["Liang Wenfeng"],
    },
    {
        "id": "g2",
        "question": "Were the controls kept?",
        "answerable": True,
        "gold_files": ["chips.txt"],
        "must_include": ["intact|kept"],
    },
    {
        "id": "g3",
        "question": "What is the API price?",
        "answerable": False,
        "gold_files": [],
        "must_include": [],
    },
]
STAMP = {
    "backend": {"llm": "extractive", "model": None, "embedder": "minilm", "reason": "asked"},
    "index": {
        "version": "v1",
        "files": {n: hashlib.sha256(t.encode()).hexdigest() for n, t in FILES.items()},
    },
}


def quote(file: str, text: str, n: int = 1) -> dict[str, Any]:
    start = FILES[file].index(text)
    return {
        "n": n,
        "file": file,
        "quote": text,
        "start": start,
        "end": start + len(text),
        "corroborating": [],
    }


RESULTS = [
    {
        "id": "g1",
        "question": "Who founded DeepSeek?",
        "answer": "Liang Wenfeng founded it [1].",
        "abstained": False,
        "citations": [quote("founder.txt", "founded by Liang Wenfeng")],
        "timings_ms": {"retrieve": 5.0, "generate": 1.0, "total": 6.0},
        "dropped_quotes": 0,
        "warnings": [],
        **STAMP,
    },
    {"id": "g2", "question": "Were the controls kept?", "error": "Ollama timed out"},
    {
        "id": "g3",
        "question": "What is the API price?",
        "answer": "The documents do not say.",
        "abstained": True,
        "citations": [],
        "timings_ms": {"retrieve": 4.0, "generate": 0.0, "total": 4.0},
        "dropped_quotes": 1,
        "warnings": [],
        **STAMP,
    },
]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in FILES.items():
        (corpus / name).write_text(text)
    return load_settings(corpus=corpus, index=tmp_path / "index", llm="extractive")


@pytest.fixture
def gold_path(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "gold.jsonl", GOLD)


@pytest.fixture
def results_path(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "batch.jsonl", RESULTS)


def run_eval(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv), settings)


def test_scoring_a_results_file_writes_the_report_folder(
    settings: Settings,
    gold_path: Path,
    results_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    assert (
        run_eval(settings, str(gold_path), "--results", str(results_path), "--out", str(out)) == 0
    )

    metrics = json.loads((out / "metrics.json").read_text())
    assert [q["verdict"] for q in metrics["questions"]] == ["correct", "error", "correct"]
    assert metrics["overall"]["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["overall"]["abstention_accuracy"] == 1.0
    assert metrics["overall"]["quote_validity"] == 1.0
    assert metrics["overall"]["dropped_quotes"] == 1
    assert metrics["errors"] == [{"id": "g2", "error": "Ollama timed out"}]
    assert metrics["latency_ms"]["total"] == {"p50": 5.0, "p95": 5.9, "n": 2}
    assert metrics["backend"]["llm"] == "extractive"
    assert metrics["index_version"] == "v1"
    assert metrics["warnings"] == []
    assert metrics["run"]["command"] == f"assistant eval {gold_path} --results {results_path}"

    stamped = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in stamped] == ["g1", "g2", "g3"]
    assert all(r["index"] == STAMP["index"] and r["backend"] == STAMP["backend"] for r in stamped)
    assert stamped[1]["error"] == "Ollama timed out"

    report = (out / "report.md").read_text()
    assert "| g1 | Who founded DeepSeek? | correct | Liang Wenfeng founded it [1]. |" in report
    assert "| g2 | Were the controls kept? | error: Ollama timed out |" in report
    assert "answer accuracy" in report and "█" in report
    assert "[1] `founder.txt` 13–37 valid: “founded by Liang Wenfeng”" in report

    terminal = capsys.readouterr().out
    assert "answer accuracy" in terminal
    assert "2/3 (66.7%)" in terminal
    assert "error g2: Ollama timed out" in terminal


def test_two_scorings_are_identical_apart_from_the_run_block(
    settings: Settings, gold_path: Path, results_path: Path, tmp_path: Path
) -> None:
    for out in ("one", "two"):
        run_eval(
            settings, str(gold_path), "--results", str(results_path), "--out", str(tmp_path / out)
        )
    one, two = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("one", "two"))
    assert one["run"]["out"] != two["run"]["out"]
    one.pop("run"), two.pop("run")
    assert one == two
    for name in ("report.md", "results.jsonl"):
        assert (tmp_path / "one" / name).read_text() == (tmp_path / "two" / name).read_text()


def test_changed_corpus_files_and_unknown_ids_are_warned_about(
    settings: Settings, gold_path: Path, tmp_path: Path
) -> None:
    (settings.corpus / "chips.txt").write_text("Rewritten since the index was built.\n")
    results = write_jsonl(
        tmp_path / "r.jsonl", [*RESULTS, {"id": "stray", "question": "?", "error": "x"}]
    )
    run_eval(settings, str(gold_path), "--results", str(results), "--out", str(tmp_path / "out"))
    warnings = json.loads((tmp_path / "out" / "metrics.json").read_text())["warnings"]
    assert warnings == [
        "corpus files differ from the indexed ones (quotes were checked against the files as "
        "they are now): chips.txt",
        "results for questions not in the gold file: stray",
    ]


def test_malformed_lines_name_their_file_and_line(
    settings: Settings, gold_path: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(RESULTS[0]) + "\n\n{not json\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:3: not valid JSON"):
        run_eval(settings, str(gold_path), "--results", str(bad))
    bad.write_text("[1, 2]\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:1: expected a JSON object"):
        run_eval(settings, str(bad), "--results", str(bad))
    write_jsonl(bad, [GOLD[0], {**GOLD[1], "must_include": ["(oops"]}])
    with pytest.raises(InputError, match=r"bad\.jsonl:2: 'must_include' pattern"):
        run_eval(settings, str(bad), "--results", str(bad))
    write_jsonl(bad, [GOLD[0], GOLD[0]])
    with pytest.raises(InputError, match=r"bad\.jsonl:2: duplicate id 'g1' \(first on line 1\)"):
        run_eval(settings, str(bad), "--results", str(bad))
    with pytest.raises(InputError, match="does not exist"):
        run_eval(settings, str(tmp_path / "absent.jsonl"))


def test_argument_combinations_that_make_no_sense(settings: Settings, gold_path: Path) -> None:
    with pytest.raises(InputError, match="needs a gold file"):
        run_eval(settings)
    with pytest.raises(InputError, match="--compare takes two report folders"):
        run_eval(settings, str(gold_path), "--compare", "a", "b")


def test_readme_block_is_written_by_the_command(
    settings: Settings, gold_path: Path, results_path: Path, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Demo\n<!-- eval:start -->\ntyped by hand\n<!-- eval:end -->\nmore\n")
    argv = [str(gold_path), "--results", str(results_path), "--readme", str(readme)]
    run_eval(settings, *argv, "--out", str(tmp_path / "out"))
    text = readme.read_text()
    assert "typed by hand" not in text
    assert "| answer accuracy | 2/3 (66.7%) |" in text
    assert f"`assistant eval {gold_path} --results {results_path} --readme {readme}`" in text
    run_eval(settings, *argv, "--out", str(tmp_path / "again"))
    assert readme.read_text() == text


def test_compare_shows_better_and_worse_questions(
    settings: Settings,
    gold_path: Path,
    results_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run_eval(
        settings, str(gold_path), "--results", str(results_path), "--out", str(tmp_path / "old")
    )
    fixed = [*RESULTS]
    fixed[1] = {
        **RESULTS[0],
        "id": "g2",
        "answer": "The controls were kept intact [1].",
        "citations": [quote("chips.txt", "kept intact")],
    }
    fixed[0] = {**RESULTS[0], "abstained": True}
    newer = write_jsonl(tmp_path / "new.jsonl", fixed)
    run_eval(settings, str(gold_path), "--results", str(newer), "--out", str(tmp_path / "new"))
    capsys.readouterr()

    assert run_eval(settings, "--compare", str(tmp_path / "old"), str(tmp_path / "new")) == 0
    terminal = capsys.readouterr().out
    assert "1 better, 1 worse, 1 unchanged" in terminal
    assert "false_abstentions" in terminal and "+1" in terminal


def test_default_out_dir_is_a_fresh_timestamped_folder(
    settings: Settings, gold_path: Path, results_path: Path, tmp_path: Path
) -> None:
    run_eval(settings, str(gold_path), "--results", str(results_path))
    run_eval(settings, str(gold_path), "--results", str(results_path))
    folders = sorted((tmp_path / "eval-out").iterdir())
    assert len(folders) == 2
    assert all((folder / "metrics.json").exists() for folder in folders)


def test_terminal_shows_bracketed_text_verbatim(
    settings: Settings, gold_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = write_jsonl(
        tmp_path / "r.jsonl", [{"id": "g1", "question": "?", "error": "[bold]boom"}]
    )
    run_eval(settings, str(gold_path), "--results", str(results), "--out", str(tmp_path / "out"))
    assert "error g1: [bold]boom" in capsys.readouterr().out


def test_a_readme_without_the_block_fails_before_anything_runs(
    settings: Settings, gold_path: Path, results_path: Path, tmp_path: Path
) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# No block here\n")
    out = tmp_path / "out"
    with pytest.raises(InputError, match="no <!-- eval:start -->"):
        run_eval(
            settings,
            str(gold_path),
            "--results",
            str(results_path),
            "--readme",
            str(readme),
            "--out",
            str(out),
        )
    assert not out.exists()
