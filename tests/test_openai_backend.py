"""The OpenAI-compatible backend end to end: the official `openai` client against a stand-in
speaking the chat-completions API (streamed and not, with and without `response_format`),
real retrieval over the bundled corpus, and the shared quote verification."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.errors import (
    LLMBadOutput,
    LLMModelMissing,
    LLMSettingsError,
    LLMTimeout,
    LLMUnavailable,
)
from assistant.index.corpus import read_document
from assistant.service import Assistant
from assistant.types import Done, TextDelta
from tests.conftest import settings_for
from tests.openai_standin import OpenAIStandin
from tests.test_ollama_backend import json_reply

FOUNDER = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview"
TEXT_REPLY = [
    "DeepSeek was founded by ",
    "Liang Wenfeng [1].",
    "\n\nQUOTES:\n",
    f'[1] "{FOUNDER}"\n',
]
MODEL = "qwen2.5-coder:1.5b"


@pytest.fixture
def server() -> Iterator[OpenAIStandin]:
    with OpenAIStandin() as standin:
        yield standin


@pytest.fixture
def dead_url() -> Iterator[str]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def assistant_for(index: tuple[Path, Path], url: str, **kw: object) -> Assistant:
    corpus, idx = index
    kw.setdefault("llm", "openai")
    kw.setdefault("model", MODEL)
    return Assistant(settings_for(corpus, idx, openai_url=url, **kw))


def test_a_text_reply_streams_and_is_verified_against_the_file(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.reply = TEXT_REPLY
    assistant = assistant_for(bundled_index, server.url, reply_format="text")
    events = list(assistant.ask("Who founded DeepSeek?"))
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 2 and "QUOTES" not in "".join(deltas)
    answer = next(e.answer for e in events if isinstance(e, Done))
    assert answer.answer == "DeepSeek was founded by Liang Wenfeng [1]."
    assert answer.backend.llm == "openai" and answer.backend.model == MODEL
    assert answer.backend.reason == f"chosen with --llm openai ({MODEL})"
    (citation,) = answer.citations
    text = read_document(bundled_index[0], citation.file).text
    assert text[citation.start : citation.end] == citation.quote == FOUNDER
    body = server.chat_bodies()[-1]
    assert body["stream"] is True and body["model"] == MODEL and body["temperature"] == 0.0
    assert body["max_tokens"] == 400 and "response_format" not in body
    assert body["repeat_penalty"] == 1.0  # quotes are copied: llama-cpp-python's 1.1 breaks them
    assert "Who founded DeepSeek?" in body["messages"][-1]["content"]
    assert answer.timings_ms["prompt_tokens"] == 26 and answer.timings_ms["first_token"] > 0


@pytest.mark.parametrize(
    ("takes", "status", "sent"),
    [
        (("json_schema", "json_object"), 400, "json_schema"),  # vLLM, LM Studio, llama-server
        (("json_object",), 500, "json_object"),  # llama-cpp-python's server (its 500)
    ],
)
def test_replies_follow_the_schema_in_the_dialect_the_server_takes(
    bundled_index: tuple[Path, Path],
    server: OpenAIStandin,
    takes: tuple[str, ...],
    status: int,
    sent: str,
) -> None:
    server.formats, server.dialect_status = takes, status
    server.replies = ["{}"]  # the one-token probe's reply
    server.reply = json_reply((1, FOUNDER, "Liang Wenfeng founded DeepSeek."))
    assistant = assistant_for(bundled_index, server.url, reply_format="auto")
    answer = assistant.answer("Who founded DeepSeek?")
    assert answer.answer == "Liang Wenfeng founded DeepSeek [1]."
    assert answer.citations[0].quote == FOUNDER
    answer_body = server.chat_bodies()[-1]
    assert answer_body["stream"] is True and answer_body["response_format"]["type"] == sent
    schema = answer_body["response_format"].get("json_schema", answer_body["response_format"])
    assert schema["schema"]["properties"]["sentences"]["type"] == "array"
    probes = [b for b in server.chat_bodies() if b.get("max_tokens") == 1]
    assert [p["response_format"]["type"] for p in probes] == ["json_schema", sent][
        : 1 if sent == "json_schema" else 2
    ]
    assert all(not p.get("stream") for p in probes)  # asked without streaming
    assistant.answer("Who founded DeepSeek?")
    assert len([b for b in server.chat_bodies() if b.get("max_tokens") == 1]) == len(probes)


def test_a_server_refusing_fields_beyond_the_api_is_asked_again_without_them(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.strict, server.reply = True, TEXT_REPLY
    assistant = assistant_for(bundled_index, server.url, reply_format="text")
    for _ in range(2):
        answer = assistant.answer("Who founded DeepSeek?")
        assert answer.answer == "DeepSeek was founded by Liang Wenfeng [1]."
    bodies = server.chat_bodies()
    assert len(bodies) == 3 and "repeat_penalty" in bodies[0]
    assert not any("repeat_penalty" in b or "stream_options" in b for b in bodies[1:])


def test_a_server_without_schemas_is_asked_for_text(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.formats = ()
    server.reply = TEXT_REPLY
    answer = assistant_for(bundled_index, server.url, reply_format="auto").answer(
        "Who founded DeepSeek?"
    )
    assert answer.answer == "DeepSeek was founded by Liang Wenfeng [1]."
    assert "response_format" not in server.chat_bodies()[-1]
    assert "QUOTES" in server.chat_bodies()[-1]["messages"][-1]["content"]


def test_a_server_that_is_down_is_an_error_to_act_on(
    bundled_index: tuple[Path, Path], dead_url: str
) -> None:
    with pytest.raises(LLMUnavailable) as failed:
        assistant_for(bundled_index, dead_url).answer("Who founded DeepSeek?")
    assert f"not reachable at {dead_url}" in failed.value.message
    assert "--openai-url" in failed.value.hint and "--llm extractive" in failed.value.hint


def test_a_model_the_server_does_not_serve_is_named_with_those_it_does(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.models = ["llama-3.1-8b-instruct", "qwen2.5-7b"]
    with pytest.raises(LLMModelMissing) as failed:
        assistant_for(bundled_index, server.url).answer("Who founded DeepSeek?")
    message = failed.value.message
    assert MODEL in message and "llama-3.1-8b-instruct, qwen2.5-7b" in message
    assert "--model" in failed.value.hint


def test_a_refused_key_says_which_variable_and_never_shows_the_key(
    bundled_index: tuple[Path, Path],
    server: OpenAIStandin,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.api_key = "sk-the-right-one-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a-wrong-key-9876543210")
    with pytest.raises(LLMSettingsError) as failed:
        assistant_for(bundled_index, server.url).answer("Who founded DeepSeek?")
    assert "HTTP 401" in failed.value.message and "OPENAI_API_KEY" in failed.value.hint
    corpus, index = bundled_index
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "openai"]
    code = main([*args, "--openai-url", server.url, "--model", MODEL, "ask", "Who founded it?"])
    out = capsys.readouterr()
    assert code == 2 and "HTTP 401" in out.err
    assert "sk-a-wrong-key" not in out.out + out.err
    # the right key is sent as a bearer token
    monkeypatch.setenv("OPENAI_API_KEY", server.api_key)
    server.reply = TEXT_REPLY
    answer = assistant_for(bundled_index, server.url, reply_format="text").answer(
        "Who founded DeepSeek?"
    )
    sent = {name.lower(): value for name, value in server.requests[-1][3].items()}
    assert not answer.abstained and sent["authorization"] == f"Bearer {server.api_key}"


def test_the_base_url_comes_from_openai_base_url_unless_set(
    bundled_index: tuple[Path, Path], server: OpenAIStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.reply = TEXT_REPLY
    corpus, idx = bundled_index
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    settings = settings_for(corpus, idx, llm="openai", model=MODEL, reply_format="text")
    assert Assistant(settings).answer("Who founded DeepSeek?").backend.llm == "openai"
    monkeypatch.delenv("OPENAI_BASE_URL")
    with pytest.raises(LLMSettingsError) as failed:
        Assistant(settings).answer("Who founded DeepSeek?")
    assert "no OpenAI-compatible server is set" in failed.value.message
    assert "--openai-url" in failed.value.hint


def test_a_url_without_v1_says_where_the_api_usually_is(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    bare = server.url.removesuffix("/v1")
    with pytest.raises(LLMUnavailable) as failed:
        assistant_for(bundled_index, bare).answer("Who founded DeepSeek?")
    assert "HTTP 404" in failed.value.message and f"{bare}/v1" in failed.value.message


def test_a_server_that_stalls_is_a_timeout(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.delay_before = 3.0
    assistant = assistant_for(bundled_index, server.url, reply_format="text", openai_timeout=0.5)
    with pytest.raises(LLMTimeout) as failed:
        assistant.answer("Who founded DeepSeek?")
    assert "within 0.5 s" in failed.value.message and "openai_timeout" in failed.value.hint


def test_a_stream_cut_off_mid_reply_is_bad_output(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.reply, server.drop_after = TEXT_REPLY, 1
    with pytest.raises(LLMBadOutput) as failed:
        assistant_for(bundled_index, server.url, reply_format="text").answer(
            "Who founded DeepSeek?"
        )
    assert "cut off" in failed.value.message


def test_a_reply_cut_by_max_tokens_keeps_its_complete_sentences_and_says_so(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    server.reply, server.finish_reason = TEXT_REPLY, "length"
    answer = assistant_for(bundled_index, server.url, reply_format="text").answer(
        "Who founded DeepSeek?"
    )
    assert answer.answer == "DeepSeek was founded by Liang Wenfeng [1]."
    assert any("reached num_predict" in warning for warning in answer.warnings)


def test_a_server_error_mid_answer_falls_back_in_auto_only_for_ollama(
    bundled_index: tuple[Path, Path], server: OpenAIStandin
) -> None:
    """`--llm openai` fails loudly; it is never silently replaced by extractive answers."""
    server.fail_status, server.fail_message = 500, "CUDA out of memory"
    with pytest.raises(Exception) as failed:
        assistant_for(bundled_index, server.url, reply_format="text").answer(
            "Who founded DeepSeek?"
        )
    assert "HTTP 500" in str(failed.value) and "CUDA out of memory" in str(failed.value)


def test_doctor_checks_the_openai_compatible_server(
    bundled_index: tuple[Path, Path], server: OpenAIStandin, capsys: pytest.CaptureFixture[str]
) -> None:
    server.replies = ["{}"]
    server.reply = json_reply(
        (1, "It opened on 12 May 1931", "The Harbor Bridge opened on 12 May 1931."),
    )
    corpus, index = bundled_index
    args = ["--corpus", str(corpus), "--index", str(index), "--llm", "openai"]
    main([*args, "--openai-url", server.url, "--model", MODEL, "doctor"])
    out = capsys.readouterr().out
    assert f"✓ the OpenAI-compatible server at {server.url} serves the model {MODEL}" in out
    assert "✓ replies constrained to a JSON schema" in out
    assert "smoke" in out
    server.models = ["other"]
    code = main([*args, "--openai-url", server.url, "--model", MODEL, "doctor"])
    out = capsys.readouterr().out
    assert code == 1 and "✗" in out and "does not serve the model" in out
