"""Turning a model's reply into a draft (pure): both reply formats, the slips real small
models make, the prompt's sources, and the streaming views."""

from __future__ import annotations

import json

from assistant.answer.context import Source, select_sources
from assistant.answer.llm import (
    answer_prompt,
    answer_schema,
    parse_json_reply,
    parse_text_reply,
    visible_json,
    visible_part,
)
from assistant.answer.prompts import load_prompt
from assistant.answer.terms import share_in
from assistant.types import Chunk, Passage
from tests.conftest import BUNDLED_CORPUS

# The term statistics an index of a real corpus gives (here the bundled news articles, in
# paragraphs): the answer path passes its index's; a few passages alone cannot say which
# words are rare.
CORPUS_SHARE = share_in(
    [p for f in sorted(BUNDLED_CORPUS.glob("*.txt")) for p in f.read_text("utf-8").split("\n\n")]
)

FOUNDER = (
    "DeepSeek founder Liang Wenfeng revealed in a 2023 interview with the Chinese media outlet "
    "Waves that the company was working with a limited number of advanced chips."
)
CHIPS = (
    "The company said it trained its V3 model on 2,048 Nvidia H800 chips. "
    "Training cost about $5.6 million, it said."
)
PASSAGES = [
    Passage(Chunk("a", "a.txt", "s", 100, 100 + len(FOUNDER), FOUNDER, 0), 1.0,
            (Chunk("c", "c.txt", "s", 0, 10, FOUNDER, 0),)),
    Passage(Chunk("b", "b.txt", "s", 0, len(CHIPS), CHIPS, 0), 0.5),
]  # fmt: skip


def sources() -> list[Source]:
    return select_sources(PASSAGES, lambda texts: [1.0] * len(texts), 1000)


def test_a_structured_reply_binds_each_sentence_to_its_quote() -> None:
    reply = json.dumps(
        {
            "sentences": [
                {"source": 1, "quote": "DeepSeek founder Liang Wenfeng", "text": "Liang Wenfeng "
                 "founded DeepSeek."},
                {"source": 2, "quote": "trained its V3 model on 2,048 Nvidia H800 chips",
                 "text": "V3 was trained on 2,048 H800 chips."},
            ]
        }
    )  # fmt: skip
    draft = parse_json_reply(reply, sources(), "Who founded DeepSeek?")
    assert (
        draft.text == "Liang Wenfeng founded DeepSeek [1]. V3 was trained on 2,048 H800 chips [2]."
    )
    assert (draft.quotes[1].file, draft.quotes[1].near, draft.quotes[1].how) == (
        "a.txt",
        100,
        "exact",
    )
    assert draft.quotes[1].corroborating == ("c.txt",)
    assert draft.quotes[2].file == "b.txt"


def test_an_empty_structured_reply_is_an_abstention() -> None:
    assert parse_json_reply('{"sentences": []}', sources()).abstained
    assert parse_json_reply('{"sentences": [{"source": 1, "quote": "", "text": "The sources do '
                            'not say."}]}', sources()).abstained  # fmt: skip


def test_a_structured_reply_cut_off_keeps_its_complete_sentences() -> None:
    reply = (
        '{"sentences": [{"source": 2, "quote": "Training cost about $5.6 million", '
        '"text": "Training cost about $5.6 million."}, {"source": 1, "quote": "DeepSeek fou'
    )
    draft = parse_json_reply(reply, sources())
    assert draft.text == "Training cost about $5.6 million [1]."
    assert draft.quotes[1].quote == "Training cost about $5.6 million"


def test_a_quote_with_slips_is_aligned_to_the_passage_sentence() -> None:
    slipped = "The company says it trained the V3 model on 2048 Nvidia H800 chips"
    reply = json.dumps(
        {"sentences": [{"source": 2, "quote": slipped, "text": "V3 used 2,048 H800 chips."}]}
    )
    draft = parse_json_reply(reply, sources())
    proposed = draft.quotes[1]
    assert proposed.how == "aligned"
    assert proposed.quote == "The company said it trained its V3 model on 2,048 Nvidia H800 chips."
    assert CHIPS[proposed.near : proposed.near + len(proposed.quote)] == proposed.quote


def test_a_quote_that_is_another_sentence_is_not_aligned_to_it() -> None:
    reply = json.dumps(
        {"sentences": [{"source": 2, "quote": "OpenAI spent $100 million on GPT-4 training runs",
                        "text": "OpenAI spent $100 million."}]}
    )  # fmt: skip
    draft = parse_json_reply(reply, sources())
    assert all(q.how != "aligned" for q in draft.quotes.values())


def test_text_reply_markers_in_other_forms_and_a_quotes_section() -> None:
    reply = (
        "<think>hmm [9]</think>Liang Wenfeng founded DeepSeek [Source 1]. It used 2,048 H800 "
        "chips (2) and spent $5.6 million 【2】.\n\n**Quotes:**\n"
        '1. "DeepSeek founder Liang Wenfeng revealed"\n'
        "- [2]: “trained its V3 model on 2,048 Nvidia H800 chips”\n"
    )
    draft = parse_text_reply(reply, sources())
    assert draft.text.startswith("Liang Wenfeng founded DeepSeek [1].")
    assert draft.quotes[1].quote == "DeepSeek founder Liang Wenfeng revealed"
    assert draft.quotes[2].quote == "trained its V3 model on 2,048 Nvidia H800 chips"


def test_a_bare_answer_without_quotes_is_attributed_to_supporting_sentences() -> None:
    """Seen with Qwen2.5-Coder-1.5B: `[1] Liang Wenfeng [2]`-style replies with no QUOTES."""
    draft = parse_text_reply("DeepSeek's founder is Liang Wenfeng [1].", sources())
    assert draft.quotes[1].how == "attributed"
    assert draft.quotes[1].quote == FOUNDER
    draft = parse_text_reply("Training cost about $5.6 million.", sources(), "What did it cost?")
    assert draft.quotes[1].file == "b.txt" and "$5.6 million" in draft.quotes[1].quote


def test_an_unmarked_sentence_nothing_supports_gets_a_dead_marker() -> None:
    draft = parse_text_reply("Tim Cook praised the model.", sources())
    assert draft.text == "Tim Cook praised the model [0]." and draft.quotes == {}


def test_abstentions_in_text() -> None:
    assert parse_text_reply("The corpus does not say.", sources()).abstained
    assert parse_text_reply("  ", sources()).abstained
    assert parse_text_reply("The provided sources do not mention his age.", sources()).abstained


def test_streaming_views() -> None:
    assert visible_part("Answer [1].\nQUO") == "Answer [1].\n"
    assert visible_part('Answer [1].\nQUOTES:\n[1] "x"') == "Answer [1].\n"
    assert visible_part("Answer [1] still going") == "Answer [1] still going"
    # the schema's order: each sentence is shown as soon as it is written, before its quote
    partial = '{"sentences": [{"text": "First \\"one\\".", "source": 1, "quote": "unfini'
    assert visible_json(partial) == 'First "one".'
    assert visible_json('{"sentences": [{"text": "First.", "source": 1, "quote": "q"}, {"te') == (
        "First."
    )
    assert visible_json('{"sentences": [{"text": "Unfini') == ""


def test_prompts_fill_their_variables() -> None:
    assert "{sources}" in load_prompt("answer_json")
    prompt = answer_prompt("Why {braces}?", sources(), structured=True)
    assert "[1] file a.txt (the same passage also appears in c.txt):\n" + FOUNDER in prompt
    assert "Question: Why {braces}?" in prompt
    text_prompt = answer_prompt("Why?", sources(), structured=False)
    assert "The corpus does not say." in text_prompt and "QUOTES:" in text_prompt
    items = answer_schema()["properties"]["sentences"]["items"]
    # decoding follows this order: the sentence first, then its source and quote (llm.py)
    assert list(items["properties"]) == items["required"] == ["text", "source", "quote"]


def test_a_sentence_cut_off_by_the_schema_bound_is_dropped() -> None:
    longest = answer_schema()["properties"]["sentences"]["items"]["properties"]["text"]
    cut = ("Liang Wenfeng said that " * 40)[: longest["maxLength"]]
    reply = json.dumps(
        {"sentences": [{"source": 1, "quote": "DeepSeek founder Liang Wenfeng", "text": cut},
                       {"source": 1, "quote": "DeepSeek founder Liang Wenfeng",
                        "text": "Liang Wenfeng founded DeepSeek."}]}
    )  # fmt: skip
    assert parse_json_reply(reply, sources()).text == "Liang Wenfeng founded DeepSeek [1]."


def test_a_sentence_repeated_by_the_model_is_shown_once() -> None:
    """Seen with SmolLM2-135M: the same sentence again and again until num_predict."""
    item = {
        "source": 2,
        "quote": "Training cost about $5.6 million",
        "text": "It cost $5.6 million.",
    }
    draft = parse_json_reply(json.dumps({"sentences": [item, item, item]}), sources())
    assert draft.text == "It cost $5.6 million [1]."


def test_a_sentence_citing_the_wrong_quote_gets_the_sentence_that_backs_it() -> None:
    reply = json.dumps(
        {"sentences": [{"source": 1, "quote": "DeepSeek founder Liang Wenfeng revealed",
                        "text": "Training cost about $5.6 million."}]}
    )  # fmt: skip
    draft = parse_json_reply(reply, sources())
    assert draft.quotes[1].how == "attributed" and draft.quotes[1].file == "b.txt"
    assert "$5.6 million" in draft.quotes[1].quote


def test_the_prompt_says_which_asked_names_no_passage_mentions() -> None:
    # Qwen2.5-Coder-1.5B answered "Who kills the Wieroo king?" from a story about another
    # king until the prompt said no source mentions Wieroo; then it replied with no sentence.
    prompt = answer_prompt("Who kills the Wieroo king?", sources(), structured=True)
    assert prompt.rstrip().endswith(
        "Question: Who kills the Wieroo king?\n"
        "No source mentions Wieroo, so the sources do not answer this question."
    )
    text_prompt = answer_prompt("What did Bradley and Tim Cook say?", sources(), structured=False)
    assert "No source mentions Bradley or Tim Cook, so" in text_prompt
    # names the passages (or their file names) have, also in another form, add no note
    for asked in ("Who founded DeepSeek?", "What did Wenfeng's company use?", "What is in a.txt?"):
        assert "No source mentions" not in answer_prompt(asked, sources(), structured=True)


def test_a_paraphrased_quote_gets_the_passage_sentence_that_holds_the_claim() -> None:
    # Qwen2.5-Coder-1.5B quoted "DeepSeek trained V3 with 2,048 H800s" (no such words): the
    # sentence is tied to the passage sentence that says it, marked "attributed"
    reply = json.dumps({"sentences": [{"source": 2, "quote": "DeepSeek trained V3 with 2,048 "
                        "H800s", "text": "V3 was trained on 2,048 H800 chips."}]})  # fmt: skip
    draft = parse_json_reply(reply, sources(), "How was V3 trained?")
    (quote,) = draft.quotes.values()
    assert quote.quote == "The company said it trained its V3 model on 2,048 Nvidia H800 chips."
    assert quote.how == "attributed"
    # a quote whose words the sources lack is made up: it is kept as written, so that
    # verification finds it nowhere and removes the sentence
    reply = json.dumps({"sentences": [{"source": 9, "quote": "root:x:0:0:root:/bin/bash",
                        "text": "V3 was trained on 2,048 H800 chips."}]})  # fmt: skip
    (quote,) = parse_json_reply(reply, sources(), "How was V3 trained?").quotes.values()
    assert quote.quote == "root:x:0:0:root:/bin/bash"


def test_a_quote_cut_by_the_schema_bound_loses_its_partial_last_word() -> None:
    # Qwen2.5-Coder-1.5B copied two sentences into "quote"; the bound cut it at "… is fatal"
    bound = answer_schema()["properties"]["sentences"]["items"]["properties"]["quote"]
    story = "Benham travels the world in search of wisdom. " * 12
    story += "It is in Johannesburg, South Africa, that Benham is fatally shot."
    end = story.index(" fatally") + len(" fatal")
    quote = story[end - bound["maxLength"] : end]
    passage = Passage(Chunk("s", "s.txt", "s", 0, len(story), story, 0), 1.0)
    own = select_sources([passage], lambda texts: [1.0] * len(texts), 1000)
    reply = json.dumps({"sentences": [{"source": 1, "quote": quote,
                        "text": "Johannesburg, South Africa."}]})  # fmt: skip
    (proposed,) = parse_json_reply(reply, own, "Where is Benham shot?").quotes.values()
    assert proposed.quote == quote.removesuffix(" fatal").strip()


def test_each_sentence_of_a_claim_carries_its_markers() -> None:
    # SmolLM2-135M put two sentences in one "text"; the first escaped the checks unmarked
    item = {"source": 1, "quote": "DeepSeek founder Liang Wenfeng"}
    item["text"] = "Liang Wenfeng founded DeepSeek. Joe Bloggs did too."
    reply = json.dumps({"sentences": [item]})
    draft = parse_json_reply(reply, sources(), "Who founded DeepSeek?")
    assert draft.text == "Liang Wenfeng founded DeepSeek [1]. Joe Bloggs did too [1]."


def test_the_source_holding_the_best_sentence_is_numbered_first() -> None:
    def chips_first(texts: list[str]) -> list[float]:
        return [2.0 if "2,048" in text else 1.0 for text in texts]

    ranked = select_sources(PASSAGES, chips_first, 1000)
    assert [s.passage.chunk.file for s in ranked] == ["b.txt", "a.txt"]
    assert [s.n for s in ranked] == [1, 2]
    # its sentences stay in the passage's order, the best one among them
    assert ranked[0].text == CHIPS
    # equal scores keep the order of retrieval
    assert [s.passage.chunk.file for s in sources()] == ["a.txt", "b.txt"]


def test_each_sentence_of_a_claim_is_bound_to_the_sentence_that_backs_it() -> None:
    # Qwen2.5-Coder-1.5B answered a two-part question in one "text" over one quote; the
    # second sentence was removed as unbacked although a passage sentence says it
    who = (
        "The breakthrough shows that models need not be larger, said Stefan Leichenauer, "
        "vice president of engineering at SandboxAQ."
    )
    why = (
        "It is possible that the chip restrictions gave DeepSeek an incentive to investigate "
        "these other directions, Leichenauer said."
    )
    passages = [
        Passage(Chunk("a", "a.txt", "s", 0, len(who), who, 0), 1.0),
        Passage(Chunk("b", "b.txt", "s", 0, len(why), why, 0), 0.5),
    ]
    own = select_sources(passages, lambda texts: [1.0] * len(texts), 1000)
    item = {"source": 1, "quote": who}
    item["text"] = (
        "Stefan Leichenauer is the vice president of engineering at SandboxAQ. He thinks the "
        "chip restrictions gave DeepSeek an incentive to investigate other directions."
    )
    question = "Who is Stefan Leichenauer, and what do the chip restrictions give DeepSeek?"
    draft = parse_json_reply(json.dumps({"sentences": [item]}), own, question, CORPUS_SHARE)
    second = "He thinks the chip restrictions gave DeepSeek an incentive to investigate other"
    assert draft.text.endswith(f"at SandboxAQ [1]. {second} directions [2].")
    assert (draft.quotes[1].file, draft.quotes[2].file) == ("a.txt", "b.txt")
    assert draft.quotes[2].quote == why


def test_a_sentence_overlapping_chunks_repeat_is_offered_once() -> None:
    shared = "Then came DeepSeek and its latest V3 and R1 models."
    first = f"{FOUNDER} {shared}"
    passages = [
        Passage(Chunk("a", "a.txt", "s", 0, len(first), first, 0), 1.0),
        Passage(Chunk("a2", "a.txt", "s", 100, 100 + len(shared), shared, 1), 0.9),
        PASSAGES[1],
    ]
    chosen = select_sources(passages, lambda texts: [1.0] * len(texts), 1000)
    assert [s.passage.chunk.chunk_id for s in chosen] == ["a", "b"]  # "a2" offers nothing new
    assert sum(s.text.count(shared) for s in chosen) == 1


def test_past_the_first_few_sentences_far_below_the_best_are_left_out() -> None:
    text = " ".join(f"Sentence number {n} of the story goes on here." for n in range(9))
    passage = Passage(Chunk("s", "s.txt", "s", 0, len(text), text, 0), 1.0)

    def falling(texts: list[str]) -> list[float]:  # 10.0, 9.8, 9.6 … 8.4
        return [10.0 - 0.2 * int(t.split()[2]) for t in texts]

    (source,) = select_sources([passage], falling, 1000)
    kept = [int(span.text.split()[2]) for span in source.spans]
    assert kept == [0, 1, 2, 3, 4, 5, 6, 7]  # the budget has room; 8 scores 1.6 below the best
    (few,) = select_sources([passage], lambda texts: [10.0, 1.0, 1.0] + [0.0] * 6, 1000)
    assert len(few.spans) == 5  # the first five are always offered, however far below
    (two,) = select_sources([passage], lambda texts: [10.0] * 9, 25)
    assert len(two.spans) == 2  # and the budget still caps them


def test_a_real_quote_that_says_nothing_of_the_answer_gives_way_to_the_sentence_that_does() -> None:
    # Qwen2.5-Coder-1.5B, pdfweb: "Squid runs as user proxy on Debian" over a real quote about
    # the operator user; the passage's own sentence on squid is what backs it
    text = (
        "In Debian, the operator user is no longer created by default. "
        "For example, group proxy is used by pdnsd, and squid runs as user proxy."
    )
    passage = Passage(Chunk("d", "users.html", "s", 0, len(text), text, 0), 1.0)
    given = select_sources([passage], lambda texts: [1.0] * len(texts), 1000)
    operator = "In Debian, the operator user is no longer created by default."
    claim = "Squid runs as user proxy on Debian."
    reply = json.dumps({"sentences": [{"text": claim, "source": 1, "quote": operator}]})
    (quote,) = parse_json_reply(
        reply, given, "As which user does squid run on Debian?", CORPUS_SHARE
    ).quotes.values()
    assert quote.quote == "For example, group proxy is used by pdnsd, and squid runs as user proxy."
    assert quote.how == "attributed"
