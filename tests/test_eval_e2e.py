"""End to end: index a tiny corpus, run `assistant eval` with the extractive backend, twice."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.config import load_settings
from assistant.evaluation import command

pytestmark = pytest.mark.slow

FILES = {
    "founders.txt": (
        "DeepSeek is a Chinese artificial intelligence company.\n\n"
        "DeepSeek was founded by Liang Wenfeng in 2023. Liang Wenfeng also runs the hedge fund "
        "High-Flyer, which financed the company.\n"
    ),
    "chips.txt": (
        "The United States restricts exports of advanced semiconductors to China.\n\n"
        "The new administration has kept the export controls on Nvidia chips intact.\n"
    ),
    "weather.txt": "Hangzhou had a rainy spring. Farmers expect a good tea harvest.\n",
}
GOLD = [
    {
        "id": "e1",
        "question": "Who founded DeepSeek?",
        "answerable": True,
        "gold_files": ["founders.txt"],
        "must_include": ["Liang Wenfeng"],
    },
    {
        "id": "e2",
        "question": "Has the administration kept the chip export controls?",
        "answerable": True,
        "gold_files": ["chips.txt"],
        "must_include": ["intact|kept"],
    },
    {
        "id": "e3",
        "question": "What is the price of the DeepSeek API per million tokens?",
        "answerable": False,
        "gold_files": [],
        "must_include": [],
    },
]


def _skip_unless_batch_exists() -> None:
    """Skip only while assistant.cli.batch.run_batch is unwritten; a broken import still fails."""
    if importlib.util.find_spec("assistant.cli.batch") is None:
        pytest.skip("assistant.cli.batch is not written yet")
    if not hasattr(importlib.import_module("assistant.cli.batch"), "run_batch"):
        pytest.skip("assistant.cli.batch has no run_batch yet")


def _without_timings(path: Path) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        line.pop("timings_ms", None)
    return lines


def test_eval_end_to_end_is_deterministic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _skip_unless_batch_exists()
    from assistant.index.indexer import reindex

    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in FILES.items():
        (corpus / name).write_text(text)
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(q) + "\n" for q in GOLD))
    settings = load_settings(corpus=corpus, index=tmp_path / "index", llm="extractive")
    reindex(settings)

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    for out in ("one", "two"):
        assert command.run(parser.parse_args([str(gold), "--out", out]), settings) == 0

    one, two = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in ("one", "two"))
    assert one["overall"]["questions"] == 3
    assert one["overall"]["errors"] == 0
    assert one["overall"]["quote_validity"] == 1.0  # the engine only emits verified quotes
    assert one["backend"]["llm"] == "extractive"
    assert one["latency_ms"]["total"]["n"] == 3
    assert one["run"]["command"] == f"assistant eval {gold} --llm extractive"
    verdicts = {q["id"]: q["verdict"] for q in one["questions"]}
    assert verdicts["e1"] == "correct", one["questions"]

    for document in (one, two):
        document.pop("run"), document.pop("latency_ms")
    assert one == two
    results_one = _without_timings(tmp_path / "one" / "results.jsonl")
    assert results_one == _without_timings(tmp_path / "two" / "results.jsonl")
    assert all(r["index"]["files"] and r["backend"]["llm"] == "extractive" for r in results_one)
