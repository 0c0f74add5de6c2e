"""The assistant's own words in the question's language (pure)."""

from __future__ import annotations

import pytest

from assistant.answer.messages import FUNCTION_WORDS, MESSAGES, language_of, message


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Who founded DeepSeek?", "en"),
        ("How many chips did it use, and what did they cost?", "en"),
        ("LangGraphとは何ですか？", "ja"),
        ("DeepSeekの創業者は誰ですか？", "ja"),  # Han and kana: Japanese
        ("DeepSeek的创始人是谁？", "zh"),
        ("Wer hat DeepSeek gegründet?", "de"),
        ("Welche Chips hat DeepSeek benutzt?", "de"),
        ("Qui a fondé DeepSeek ?", "fr"),
        ("Quelle est la capitale de la France ?", "fr"),
        ("¿Quién fundó DeepSeek?", "es"),
        ("¿Cuántos chips usó la empresa?", "es"),
        ("DeepSeek R1?", "en"),  # no clue: English
        ("Кто основал DeepSeek?", "en"),  # a language with no table: English
    ],
)
def test_the_language_is_read_from_the_question(question: str, language: str) -> None:
    assert language_of(question) == language


def test_every_language_says_every_message_and_english_is_the_fallback() -> None:
    keys = set(MESSAGES["en"])
    assert all(set(table) == keys for table in MESSAGES.values())
    assert set(FUNCTION_WORDS) <= set(MESSAGES)
    assert message("cannot_answer", "Кто основал DeepSeek?") == "The corpus does not say."
    note = message("related_note", "DeepSeekの創業者は誰ですか？", mentions="DeepSeek")
    assert note.startswith("文書はDeepSeekに触れています")
