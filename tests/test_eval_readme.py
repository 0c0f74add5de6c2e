"""The README block that `assistant eval --readme FILE` rewrites."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.errors import InputError
from assistant.evaluation.readme import END, START, replace_block, rewrite_readme, snippet

DOCUMENT: dict[str, Any] = {
    "backend": {"llm": "extractive", "model": None},
    "overall": {
        "questions": 12,
        "answerable": 10,
        "correct": 9,
        "answerable_correct": 8,
        "accuracy": 0.75,
        "answerable_accuracy": 0.8,
        "citation_precision": 0.9,
        "citations": 20,
        "quotes": {"valid": 20},
        "quote_validity": 1.0,
        "abstention_accuracy": 0.5,
        "false_abstentions": 1,
        "false_abstention_rate": 0.1,
    },
    "run": {"command": "assistant eval gold.jsonl --llm extractive --readme README.md"},
}
README = f"# Project\n\nIntro.\n\n{START}\nold numbers typed by hand\n{END}\n\n## Usage\n"


def test_snippet_is_a_table_of_the_overall_metrics_with_its_command() -> None:
    text = snippet(DOCUMENT)
    assert "| answer accuracy | 9/12 (75.0%) |" in text
    assert "| citation precision | 90.0% |" in text
    assert "| quote validity | 20/20 (100.0%) |" in text
    assert "| false abstention rate | 1/10 (10.0%) |" in text
    assert "`assistant eval gold.jsonl --llm extractive --readme README.md`" in text
    assert "backend extractive; 12 questions" in text


def test_replace_block_keeps_everything_outside_the_markers() -> None:
    updated = replace_block(README, "NEW TABLE")
    assert updated == f"# Project\n\nIntro.\n\n{START}\nNEW TABLE\n{END}\n\n## Usage\n"
    assert replace_block(updated, "NEW TABLE") == updated


def test_replace_block_needs_both_markers_in_order() -> None:
    for text in ("no markers", f"{START} only", f"{END}\n{START}"):
        with pytest.raises(ValueError, match="no <!-- eval:start -->"):
            replace_block(text, "x")


def test_rewrite_readme_in_place(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(README)
    rewrite_readme(readme, DOCUMENT)
    text = readme.read_text()
    assert "old numbers" not in text
    assert text.startswith("# Project\n\nIntro.\n\n")
    assert text.endswith(f"{END}\n\n## Usage\n")
    assert "9/12 (75.0%)" in text


def test_rewrite_readme_without_markers_is_an_input_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n")
    with pytest.raises(InputError) as caught:
        rewrite_readme(readme, DOCUMENT)
    assert START in caught.value.hint
    assert readme.read_text() == "# Project\n"
    with pytest.raises(InputError, match="cannot read README"):
        rewrite_readme(tmp_path / "missing.md", DOCUMENT)
