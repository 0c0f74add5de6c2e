"""Names in follow-up questions (pure)."""

from __future__ import annotations

import pytest

from assistant.answer.followup import entities


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("How old is Tom Jones?", ["Tom Jones"]),
        ("What did Tom Jones's band play?", ["Tom Jones"]),
        ("What did Tom Jones’ band play?", ["Tom Jones"]),
        ("What did DeepSeek’s founder say?", ["DeepSeek"]),
        ("Why did Nvidia's shares fall?", ["Nvidia"]),
        ("Who runs Ross Stores?", ["Ross Stores"]),
    ],
)
def test_a_name_ending_in_s_keeps_it_and_a_possessive_goes(text: str, names: list[str]) -> None:
    assert entities(text) == names
