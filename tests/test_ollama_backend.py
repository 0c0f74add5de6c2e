"""The Ollama backend end to end: the real client against the stand-in Ollama server,
real retrieval over the bundled corpus, and the shared quote verification."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import OllamaTimeout
from assistant.index.corpus import read_document
from assistant.service import Assistant
from assistant.types import Done, Status, TextDelta, Turn
from tests.conftest import settings_for
from tests.ollama_standin import OllamaStandin

FOUNDER = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview"
GOOD_REPLY = [
    "DeepSeek was founded by ",
    "Liang Wenfeng [1].",
    "\n\nQUOTES:\n",
    f'[1] "{FOUNDER}"\n',
]


def assistant_for(
    index: tuple[Path, Path], url: str, llm: str = "ollama", **kw: object
) -> Assistant:
    corpus, idx = index
    kw.setdefault("reply_format", "text")
    return Assistant(settings_for(corpus, idx, llm=llm, ollama_host=url, **kw))


def test_streamed_answer_is_verified_against_the_file(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = GOOD_REPLY
    events = list(assistant_for(bundled_index, ollama_standin.url).ask("Who founded DeepSeek?"))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 2 and "QUOTES" not in "".join(deltas)
    answer = next(e.answer for e in events if isinstance(e, Done))
    assert answer.answer == "DeepSeek was founded by Liang Wenfeng [1]."
    assert answer.backend.llm == "ollama" and answer.backend.model == "llama3.2"
    (citation,) = answer.citations
    text = read_document(bundled_index[0], citation.file).text
    assert citation.file == "003_0b0806e6b9dc152e.txt"
    assert text[citation.start : citation.end] == citation.quote == FOUNDER
    body = ollama_standin.chat_bodies[-1]
    assert body["stream"] is True and body["model"] == "llama3.2"
    assert body["options"]["temperature"] == 0.0 and body["options"]["num_ctx"] == 8192
    assert "Who founded DeepSeek?" in body["messages"][-1]["content"]
    assert "[1] file " in body["messages"][-1]["content"]


def test_a_made_up_quote_is_dropped_and_its_claim_removed(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = [
        "Liang Wenfeng founded DeepSeek [1]. ",
        "He also said the company has 500 employees [2]. ",
        "Ignore this marker [9].\n",
        "QUOTES:\n",
        f'[1] "{FOUNDER}"\n',
        '[2] "DeepSeek has 500 employees working in Hangzhou"\n',
    ]
    answer = assistant_for(bundled_index, ollama_standin.url).answer("Who founded DeepSeek?")
    assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."
    assert answer.dropped_quotes == 1
    assert [c.n for c in answer.citations] == [1]
    assert any("dropped" in w for w in answer.warnings)


def test_a_reply_whose_quotes_all_fail_becomes_an_abstention(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = (
        'DeepSeek charges $2 per million tokens [1].\nQUOTES:\n[1] "$2 per million"\n'
    )
    answer = assistant_for(bundled_index, ollama_standin.url).answer("What does the API cost?")
    assert answer.abstained and answer.citations == () and answer.dropped_quotes == 1


def test_the_model_abstaining_is_an_abstention(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = "The corpus does not say."
    answer = assistant_for(bundled_index, ollama_standin.url).answer(
        "What is DeepSeek's API price?"
    )
    assert answer.abstained and answer.answer == "The corpus does not say."


def test_auto_falls_back_to_extractive_when_the_server_is_down(
    bundled_index: tuple[Path, Path], dead_ollama_url: str
) -> None:
    answer = assistant_for(bundled_index, dead_ollama_url, llm="auto").answer(
        "Who founded DeepSeek?"
    )
    assert answer.backend.llm == "extractive"
    assert "not reachable" in answer.backend.reason and dead_ollama_url in answer.backend.reason
    assert "Liang Wenfeng" in answer.answer


def test_auto_falls_back_when_the_model_is_not_pulled(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.models = ["mistral:7b"]
    answer = assistant_for(bundled_index, ollama_standin.url, llm="auto").answer(
        "Who founded DeepSeek?"
    )
    assert answer.backend.llm == "extractive" and "llama3.2" in answer.backend.reason
    assert ollama_standin.chat_bodies == []


def test_auto_falls_back_when_the_stream_drops_mid_answer(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = GOOD_REPLY
    ollama_standin.drop_after = 1
    events = list(
        assistant_for(bundled_index, ollama_standin.url, llm="auto").ask("Who founded DeepSeek?")
    )
    answer = next(e.answer for e in events if isinstance(e, Done))
    assert answer.backend.llm == "extractive" and "cut off" in answer.backend.reason
    assert any(isinstance(e, Status) and "answered extractively" in e.message for e in events)
    assert "Liang Wenfeng" in answer.answer


def test_forced_ollama_that_stalls_raises_a_timeout(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = GOOD_REPLY
    ollama_standin.delay_between = 3.0
    assistant = assistant_for(bundled_index, ollama_standin.url, ollama_timeout=0.5)
    with pytest.raises(OllamaTimeout) as caught:
        assistant.answer("Who founded DeepSeek?")
    assert "0.5" in caught.value.message or "within" in caught.value.message


def test_ollama_host_from_the_environment(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ollama_standin.url)
    ollama_standin.reply = GOOD_REPLY
    corpus, idx = bundled_index
    answer = Assistant(settings_for(corpus, idx, llm="auto")).answer("Who founded DeepSeek?")
    assert answer.backend.llm == "ollama" and ollama_standin.chat_bodies


def test_batch_workers_answer_at_once_and_write_in_order(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin, tmp_path: Path
) -> None:
    """`batch --workers 3` against a (remote) Ollama: three answers are written at once
    (the stand-in holds every stream until three are in flight), never more, and the results
    file keeps the questions' order."""
    from assistant.cli.batch import BatchReport, run_batch

    ollama_standin.reply = GOOD_REPLY
    ollama_standin.hold_chats(after=1)  # each answer streams its first piece, then waits
    questions = tmp_path / "q.jsonl"
    ids = [f"q{n}" for n in range(7)]
    questions.write_text(
        "".join(
            json.dumps({"id": i, "question": f"Who founded DeepSeek? ({i})"}) + "\n" for i in ids
        )
    )
    out = tmp_path / "r.jsonl"
    corpus, index = bundled_index
    settings = settings_for(
        corpus, index, llm="ollama", ollama_host=ollama_standin.url, reply_format="text"
    )
    reports: list[BatchReport] = []
    batch = threading.Thread(
        target=lambda: reports.append(run_batch(settings, questions, out, workers=3))
    )
    batch.start()
    try:
        assert ollama_standin.wait_for_chats(3), "three answers were never streaming at once"
    finally:
        ollama_standin.release_chats()
        batch.join()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ids
    assert all(not r["abstained"] and r["backend"]["llm"] == "ollama" for r in rows)
    assert ollama_standin.max_in_flight == 3 and ollama_standin.hold_expired == 0
    assert reports[0].line() == "batch: 7 answered, 0 abstained, 0 failed"


def first_turn(bundled_assistant: Assistant) -> Turn:
    answer = bundled_assistant.answer("Who founded DeepSeek?")
    assert "Liang Wenfeng" in answer.answer
    return Turn(answer.question, answer)


def test_a_follow_up_is_rewritten_by_ollama_into_a_standalone_question(
    bundled_index: tuple[Path, Path], bundled_assistant: Assistant, ollama_standin: OllamaStandin
) -> None:
    rewritten = "What did Liang Wenfeng say about the chip restrictions?"
    ollama_standin.replies = [f"{rewritten}\nThat is the question.", GOOD_REPLY]
    assistant = assistant_for(bundled_index, ollama_standin.url, temperature=0.3)
    answer = assistant.answer(
        "And what did he say about the chips?", history=[first_turn(bundled_assistant)]
    )
    condense, answering = ollama_standin.chat_bodies
    prompt = condense["messages"][-1]["content"]
    assert "Who founded DeepSeek?" in prompt and "Liang Wenfeng" in prompt  # the history
    assert "And what did he say about the chips?" in prompt
    assert condense["options"]["temperature"] == 0.3
    assert rewritten in answering["messages"][-1]["content"]  # its first line, retrieved for
    assert "That is the question." not in answering["messages"][-1]["content"]
    assert answer.question == "And what did he say about the chips?"
    assert not answer.abstained


def test_an_empty_rewrite_falls_back_to_carrying_the_names(
    bundled_index: tuple[Path, Path], bundled_assistant: Assistant, ollama_standin: OllamaStandin
) -> None:
    ollama_standin.replies = ["", GOOD_REPLY]
    assistant = assistant_for(bundled_index, ollama_standin.url)
    assistant.answer(
        "And what did he say about the chips?", history=[first_turn(bundled_assistant)]
    )
    answering = ollama_standin.chat_bodies[-1]["messages"][-1]["content"]
    assert "And what did he say about the chips? (DeepSeek, Liang Wenfeng)" in answering


def test_a_failed_rewrite_is_reported_and_the_names_are_carried(
    bundled_index: tuple[Path, Path], bundled_assistant: Assistant, ollama_standin: OllamaStandin
) -> None:
    ollama_standin.replies = [["What did"], GOOD_REPLY]
    ollama_standin.drop_after = 1  # the rewrite's stream breaks; the stand-in then recovers
    history = [first_turn(bundled_assistant)]
    assistant = assistant_for(bundled_index, ollama_standin.url, llm="auto")
    events = iter(assistant.ask("And what did he say about the chips?", history=history))
    status = [next(events) for _ in range(2)]
    assert "could not rewrite the follow-up with Ollama" in getattr(status[1], "message", "")
    ollama_standin.drop_after = None
    answer = next(e.answer for e in events if isinstance(e, Done))
    assert "(DeepSeek, Liang Wenfeng)" in ollama_standin.chat_bodies[-1]["messages"][-1]["content"]
    assert answer.backend.llm == "ollama"


def test_the_auto_probe_is_remembered_for_a_while(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assistant.service as service

    clock = FakeClock()
    monkeypatch.setattr(service, "time", clock)
    assistant = assistant_for(bundled_index, ollama_standin.url, llm="auto")

    def probes() -> int:
        return len(ollama_standin.requests_to("/api/tags"))

    assert assistant.choose_backend()[0] == "ollama" and probes() == 1
    clock.now += service.PROBE_TTL_SECONDS - 1
    ollama_standin.models = []  # it would now say "not pulled", but the answer is remembered
    assert assistant.choose_backend()[0] == "ollama" and probes() == 1
    clock.now += 2
    kind, reason = assistant.choose_backend()
    assert kind == "extractive" and "llama3.2" in reason and probes() == 2
    # forced backends are not cached, and do not probe when extractive
    assert assistant.choose_backend("extractive")[0] == "extractive" and probes() == 2
    ollama_standin.models = ["llama3.2:latest"]
    assert assistant.choose_backend("ollama")[0] == "ollama" and probes() == 3
    assert assistant.choose_backend()[0] == "extractive" and probes() == 3  # still cached


def test_an_ollama_failure_in_auto_forgets_the_probe(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = GOOD_REPLY
    ollama_standin.drop_after = 1
    assistant = assistant_for(bundled_index, ollama_standin.url, llm="auto")
    assert assistant.answer("Who founded DeepSeek?").backend.llm == "extractive"
    probes = len(ollama_standin.requests_to("/api/tags"))
    ollama_standin.drop_after = None
    assert assistant.answer("Who founded DeepSeek?").backend.llm == "ollama"
    assert len(ollama_standin.requests_to("/api/tags")) == probes + 1  # probed afresh


class FakeClock:
    """Stands in for the `time` module in assistant.service: a monotonic clock the test
    moves; perf_counter (timings only) stays real."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def monotonic(self) -> float:
        return self.now

    def perf_counter(self) -> float:
        return time.perf_counter()


# --- structured replies (Ollama ≥ 0.5 constrains decoding to the schema) ------------------


def json_reply(*sentences: tuple[int, str, str]) -> list[str]:
    """A structured reply as a model streams it, in the schema's order: in small pieces."""
    text = json.dumps(
        {"sentences": [{"text": t, "source": s, "quote": q} for s, q, t in sentences]}
    )
    return [text[i : i + 7] for i in range(0, len(text), 7)]


def test_a_structured_answer_streams_sentence_by_sentence_and_is_verified(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = json_reply((1, FOUNDER, "Liang Wenfeng founded DeepSeek."))
    assistant = assistant_for(bundled_index, ollama_standin.url, reply_format="auto")
    events = list(assistant.ask("Who founded DeepSeek?"))
    assert [e.text for e in events if isinstance(e, TextDelta)] == [
        "Liang Wenfeng founded DeepSeek."
    ]
    answer = next(e.answer for e in events if isinstance(e, Done))
    assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."
    (citation,) = answer.citations
    assert citation.quote == FOUNDER and citation.match == "exact"
    body = ollama_standin.chat_bodies[-1]
    assert body["format"]["properties"]["sentences"]["type"] == "array"
    assert body["options"]["num_predict"] == 400
    assert answer.timings_ms["first_token"] > 0 and answer.timings_ms["prompt_tokens"] == 26
    # the prompt holds the question's sentences, not whole passages
    prompt = body["messages"][-1]["content"]
    assert FOUNDER in prompt and len(prompt) < 300 * 4 + 1000


def test_claims_not_backed_by_their_quotes_are_removed_and_counted(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    """The two claims Qwen2.5-Coder-1.5B made over real, verbatim quotes."""
    grok = "The newest Grok 3 model from xAI utilizes 200,000 H100 GPUs."
    trump = "Trump also called Deepseek a “wake-up call"
    ollama_standin.reply = json_reply(
        (1, FOUNDER, "Liang Wenfeng founded DeepSeek."),
        (2, grok, "DeepSeek used 200,000 H100 GPUs to train V3."),
        (3, trump, "Tim Cook said that DeepSeek was a wake-up call."),
    )
    assistant = assistant_for(bundled_index, ollama_standin.url, reply_format="json")
    answer = assistant.answer("Who founded DeepSeek, and how many chips did it use to train V3?")
    assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."
    assert answer.unsupported_sentences == (
        "DeepSeek used 200,000 H100 GPUs to train V3.",
        "Tim Cook said that DeepSeek was a wake-up call.",
    )
    assert answer.to_json()["unsupported_sentences"] == 2
    assert any("2 sentence(s) removed" in w for w in answer.warnings)


def test_auto_gives_the_extractive_answer_when_no_sentence_survives(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    grok = "The newest Grok 3 model from xAI utilizes 200,000 H100 GPUs."
    ollama_standin.reply = json_reply((1, grok, "DeepSeek used 200,000 H100 GPUs to train V3."))
    auto = assistant_for(bundled_index, ollama_standin.url, llm="auto", reply_format="json")
    answer = auto.answer("Who founded DeepSeek?")
    assert answer.backend.llm == "extractive" and "Liang Wenfeng" in answer.answer
    assert "no sentence of Ollama's answer was backed" in answer.backend.reason
    assert len(answer.unsupported_sentences) == 1
    assert answer.removed_why == ("its quote does not say used, train, v3",)
    strict = assistant_for(bundled_index, ollama_standin.url, reply_format="json")
    answer = strict.answer("Who founded DeepSeek?")
    assert answer.abstained and answer.backend.llm == "ollama"
    assert any("no sentence of Ollama's answer was backed" in w for w in answer.warnings)


def test_auto_does_not_answer_extractively_what_the_model_found_the_quotes_do_not_say(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    """A false premise ("the Mexican founder") that the model repeated over a quote without
    it: the extractive answer, about the founder but not the premise, is not shown in its
    place (the adversarial sets' "Which Mexican cartel …")."""
    question = "Who is the Mexican founder of DeepSeek?"
    extractive = assistant_for(bundled_index, ollama_standin.url, llm="extractive")
    assert "Liang Wenfeng" in extractive.answer(question).answer  # what auto gave before
    claim = "The Mexican founder of DeepSeek is Liang Wenfeng."
    ollama_standin.reply = json_reply((1, FOUNDER, claim))
    auto = assistant_for(bundled_index, ollama_standin.url, llm="auto", reply_format="json")
    answer = auto.answer(question)
    assert answer.abstained and answer.backend.llm == "ollama"
    assert answer.removed_why == ("its quote does not say mexican",)
    assert "its quotes do not say mexican, which the question asks about" in answer.warnings[-1]
    # words only the model added ("Grok 3 … 200,000 H100 GPUs") leave the fallback as it was
    grok = "The newest Grok 3 model from xAI utilizes 200,000 H100 GPUs."
    ollama_standin.reply = json_reply((1, grok, "DeepSeek used 200,000 H100 GPUs to train V3."))
    assert auto.answer("Who founded DeepSeek?").backend.llm == "extractive"


def test_auto_does_not_answer_extractively_with_a_quote_that_says_nothing_asked(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    """eval/answerability news (Qwen2.5-Coder-1.5B, replayed): "SandboxAQ was founded by Liang
    Wenfeng" was removed, and the extractive fallback answered with Stefan Leichenauer's
    words, whose quote names SandboxAQ and says nothing of who founded it."""
    question = "Who founded SandboxAQ?"
    extractive = assistant_for(bundled_index, ollama_standin.url, llm="extractive")
    assert "SandboxAQ" in extractive.answer(question).answer  # what auto gave before
    ollama_standin.reply = json_reply((1, FOUNDER, "SandboxAQ was founded by Liang Wenfeng."))
    auto = assistant_for(bundled_index, ollama_standin.url, llm="auto", reply_format="json")
    answer = auto.answer(question)
    assert answer.abstained and answer.backend.llm == "ollama"
    assert "its quotes do not say any word of what it asks" in answer.warnings[-1]


def test_replay_answers_as_auto_does_when_the_model_lost_its_answer(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant.answer.replay import main as replay_main

    log = tmp_path / "replies.jsonl"
    question = "Who is the Mexican founder of DeepSeek?"
    ollama_standin.reply = json_reply((1, FOUNDER, "The Mexican founder is Liang Wenfeng."))
    settings = {"reply_format": "json", "reply_log": log}
    assistant_for(bundled_index, ollama_standin.url, **settings).answer(question)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "m1", "question": question, "answerable": False}) + "\n")
    corpus, index = bundled_index
    args = [str(log), "--corpus", str(corpus), "--index", str(index), "--gold", str(gold)]
    assert replay_main([*args, "--auto"]) == 0
    shown = capsys.readouterr().out
    assert "fallback: ollama; auto: the extractive answer was not shown either" in shown
    assert "verdict: abstained (right)" in shown


def test_a_reply_without_quotes_is_attributed_not_rejected(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    """Seen with Qwen2.5-Coder-1.5B: the right answer, markers, and no QUOTES section."""
    ollama_standin.reply = "DeepSeek founder Liang Wenfeng gave an interview in 2023 [1]."
    answer = assistant_for(bundled_index, ollama_standin.url).answer("Who founded DeepSeek?")
    assert not answer.abstained and "Liang Wenfeng" in answer.answer
    (citation,) = answer.citations
    assert citation.match == "attributed" and citation.quote.startswith(FOUNDER)


def test_ask_prints_removed_sentences_and_how_quotes_were_found(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assistant.cli.command import main

    grok = "The newest Grok 3 model from xAI utilizes 200,000 H100 GPUs."
    slipped = (
        "DeepSeek founder Liang Wenfeng revealed in a 2023 interview with Chinese outlet Waves"
    )
    ollama_standin.reply = json_reply(
        (1, slipped, "Liang Wenfeng founded DeepSeek."),
        (2, grok, "DeepSeek used 200,000 H100 GPUs to train V3."),
    )
    corpus, index = bundled_index
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "ollama"]
    assert main([*args, "--ollama-host", ollama_standin.url, "ask", "Who founded DeepSeek?"]) == 0
    out, err = capsys.readouterr()
    assert "Liang Wenfeng founded DeepSeek [1]." in out
    assert "; the model's quote had slips)" in out
    assert "removed: DeepSeek used 200,000 H100 GPUs to train V3." in err


def test_each_part_of_a_conjoined_question_gets_its_sentences_in_the_prompt(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = json_reply()
    assistant = assistant_for(bundled_index, ollama_standin.url, reply_format="auto")
    question = "Who founded DeepSeek, and how much did Elon Musk spend in the 2024 campaign?"
    list(assistant.ask(question))
    prompt = ollama_standin.chat_bodies[-1]["messages"][-1]["content"]
    assert "Liang Wenfeng" in prompt and "$300 million" in prompt


def test_a_reply_log_keeps_what_the_model_read_and_wrote_for_offline_replay(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin, tmp_path: Path
) -> None:
    from assistant.answer.replay import main as replay_main
    from assistant.answer.replay import read_replies, reparse

    log = tmp_path / "replies" / "qwen.jsonl"
    ollama_standin.reply = GOOD_REPLY
    assistant = assistant_for(bundled_index, ollama_standin.url, reply_log=log)
    first = assistant.answer("Who founded DeepSeek?")
    assistant.answer("Who founded DeepSeek, according to the interview?")
    (logged, second) = list(read_replies(log))
    assert logged.question == "Who founded DeepSeek?" and logged.model == "llama3.2"
    assert logged.reply == "".join(GOOD_REPLY) and not logged.structured
    assert logged.prompt == ollama_standin.chat_bodies[0]["messages"][-1]["content"]
    assert "according to the interview" in second.question
    # the sources are rebuilt as the model read them: parsing again gives the same quote
    draft = reparse(logged)
    assert [q.quote for q in draft.quotes.values()] == [FOUNDER]
    assert first.citations[0].quote == FOUNDER
    assert replay_main([str(log)]) == 0


def test_terms_and_model_asks_the_model_of_each_sentence_the_term_check_passes(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    """verify = "terms+model": one short yes/no request per sentence that passes the term
    check, constrained to the judge's schema; a "no" removes the sentence, and an answer with
    nothing left is an abstention (with --llm ollama)."""
    answer_reply = json_reply((1, FOUNDER, "Liang Wenfeng founded DeepSeek."))
    ollama_standin.replies = [answer_reply, '{"answer": "yes"}']
    settings = {"reply_format": "json", "verify": "terms+model"}
    answer = assistant_for(bundled_index, ollama_standin.url, **settings).answer(
        "Who founded DeepSeek?"
    )
    assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."
    judged = ollama_standin.chat_bodies[-1]
    assert judged["format"]["properties"]["answer"]["enum"] == ["yes", "no"]
    assert "Liang Wenfeng founded DeepSeek." in judged["messages"][0]["content"]
    assert answer.timings_ms["judged"] == 1
    ollama_standin.replies = [answer_reply, '{"answer": "no"}']
    answer = assistant_for(bundled_index, ollama_standin.url, **settings).answer(
        "Who founded DeepSeek?"
    )
    assert answer.abstained
    assert answer.removed_why == ("the model, asked, found that its quote does not say it",)


def test_the_model_is_not_asked_unless_the_setting_says_so(
    bundled_index: tuple[Path, Path], ollama_standin: OllamaStandin
) -> None:
    ollama_standin.reply = json_reply((1, FOUNDER, "Liang Wenfeng founded DeepSeek."))
    assistant = assistant_for(bundled_index, ollama_standin.url, reply_format="json")
    assert not assistant.answer("Who founded DeepSeek?").abstained
    assert len(ollama_standin.chat_bodies) == 1
