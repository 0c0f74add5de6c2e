"""The Ollama backend end to end: the real client against the stand-in Ollama server,
real retrieval over the bundled corpus, and the shared quote verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.corpus import read_document
from assistant.errors import OllamaTimeout
from assistant.service import Assistant
from assistant.types import Done, Status, TextDelta
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
    """`batch --workers 3` against a (remote) Ollama: at most three answers are written at
    once, and the results file keeps the questions' order."""
    from assistant.batch import run_batch

    ollama_standin.reply = GOOD_REPLY
    ollama_standin.delay_between = 0.15  # each answer streams for a while
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
    report = run_batch(settings, questions, out, workers=3)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ids
    assert all(not r["abstained"] and r["backend"]["llm"] == "ollama" for r in rows)
    assert ollama_standin.max_in_flight == 3
    assert report.line()


# --- structured replies (Ollama ≥ 0.5 constrains decoding to the schema) ------------------


def json_reply(*sentences: tuple[int, str, str]) -> list[str]:
    """A structured reply as a model streams it: in small pieces."""
    text = json.dumps(
        {"sentences": [{"source": s, "quote": q, "text": t} for s, q, t in sentences]}
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
    assert FOUNDER in prompt and len(prompt) < 450 * 4 + 1500


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
    strict = assistant_for(bundled_index, ollama_standin.url, reply_format="json")
    answer = strict.answer("Who founded DeepSeek?")
    assert answer.abstained and answer.backend.llm == "ollama"
    assert any("no sentence of Ollama's answer was backed" in w for w in answer.warnings)


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
    from assistant.cli import main

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
