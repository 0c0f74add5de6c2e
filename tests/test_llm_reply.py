"""Parsing an LLM reply into a draft (pure): markers, QUOTES section variants, streaming view."""

from __future__ import annotations

from assistant.answer.llm import answer_prompt, parse_reply, visible_part
from assistant.prompts import load_prompt
from assistant.types import Chunk, Passage

PASSAGES = [
    Passage(
        Chunk("a", "a.txt", "s", 100, 200, "Alpha text.", 0),
        1.0,
        (Chunk("c", "c.txt", "s", 0, 10, "Alpha text.", 0),),
    ),
    Passage(Chunk("b", "b.txt", "s", 0, 50, "Bravo text.", 0), 0.5),
]


def test_markers_bind_to_the_best_matching_quote_of_their_source() -> None:
    reply = (
        "Leichenauer works at SandboxAQ [1]. He thinks the limits gave an incentive [1][2].\n\n"
        "**QUOTES:**\n"
        '- [1] "vice president of engineering at quantum AI startup SandboxAQ"\n'
        "[1]: “gave DeepSeek an incentive to investigate”\n"
        '[2] "Bravo text"\n'
    )
    draft = parse_reply(reply, PASSAGES)
    assert draft.text == (
        "Leichenauer works at SandboxAQ [1]. He thinks the limits gave an incentive [2] [3]."
    )
    assert draft.quotes[1].quote.endswith("SandboxAQ")
    assert draft.quotes[2].quote == "gave DeepSeek an incentive to investigate"
    assert (draft.quotes[3].file, draft.quotes[3].near) == ("b.txt", 0)
    assert draft.quotes[1].corroborating == ("c.txt",)


def test_unknown_sources_and_quote_less_markers_become_dead_markers() -> None:
    draft = parse_reply('Claim [7]. Other [2].\nQUOTES:\n[1] "unused quote"\n', PASSAGES)
    assert "[0]" in draft.text and draft.quotes == {}


def test_source_style_markers_and_think_blocks() -> None:
    reply = '<think>let me see [9]</think>It is alpha [Source 1].\nQUOTES:\n[1] "Alpha text"'
    draft = parse_reply(reply, PASSAGES)
    assert draft.text == "It is alpha [1]." and draft.quotes[1].quote == "Alpha text"


def test_abstention_sentinel() -> None:
    assert parse_reply("The corpus does not say.", PASSAGES).abstained
    assert parse_reply("  ", PASSAGES).abstained


def test_streaming_view_hides_the_quotes_section() -> None:
    assert visible_part("Answer [1].\nQUO") == "Answer [1].\n"
    assert visible_part('Answer [1].\nQUOTES:\n[1] "x"') == "Answer [1].\n"
    assert visible_part("Answer [1] still going") == "Answer [1] still going"


def test_prompt_template_variables_are_checked_and_filled() -> None:
    assert "{sources}" in load_prompt("answer")
    prompt = answer_prompt("Why {braces}?", PASSAGES)
    assert "[1] file a.txt (the same passage also appears in c.txt):\nAlpha text." in prompt
    assert "Question: Why {braces}?" in prompt
    assert "The corpus does not say." in prompt
