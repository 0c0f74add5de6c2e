"""The Ollama adapter against a stand-in server that speaks Ollama's HTTP API."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import (
    OllamaBadOutput,
    OllamaError,
    OllamaModelMissing,
    OllamaTimeout,
    OllamaUnavailable,
)
from assistant.llm.ollama import OllamaChat, same_model
from tests.ollama_standin import OllamaStandin

pytest_plugins = ["tests.conftest_ollama"]

MESSAGES = [
    {"role": "system", "content": "Answer from the passages."},
    {"role": "user", "content": "Why is the sky blue?"},
]


def chat(
    url: str,
    model: str = "llama3.2",
    timeout: float = 5.0,
    num_ctx: int = 8192,
    temperature: float = 0.0,
) -> OllamaChat:
    return OllamaChat(url, model, timeout, num_ctx=num_ctx, temperature=temperature)


def collect(stream: Iterator[str]) -> list[str]:
    return list(stream)


# -- the happy path ---------------------------------------------------------------------------


def test_streamed_answer_arrives_in_pieces_and_request_is_right(
    ollama_standin: OllamaStandin,
) -> None:
    ollama_standin.reply = ["The sky ", "is blue ", "[1]."]
    client = chat(ollama_standin.url, num_ctx=4096, temperature=0.2)

    pieces = collect(client.stream_chat(MESSAGES))

    assert pieces == ["The sky ", "is blue ", "[1]."]
    (body,) = ollama_standin.chat_bodies
    assert body["model"] == "llama3.2"
    assert body["messages"] == MESSAGES
    assert body["stream"] is True
    assert body["options"]["temperature"] == 0.2
    assert body["options"]["num_ctx"] == 4096


def test_pieces_are_yielded_before_the_stream_ends(ollama_standin: OllamaStandin) -> None:
    ollama_standin.reply = ["first ", "second ", "third"]
    ollama_standin.hold_chats(after=1)  # the server sends "first " and waits for the test
    stream = chat(ollama_standin.url).stream_chat(MESSAGES)
    assert next(stream) == "first "
    ollama_standin.release_chats()
    assert list(stream) == ["second ", "third"]
    assert ollama_standin.hold_expired == 0  # "first " came while the rest was held back


def test_default_options_are_sent(ollama_standin: OllamaStandin) -> None:
    collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    (body,) = ollama_standin.chat_bodies
    # no repetition penalty (Ollama's default is 1.1): an answer repeats the words it quotes
    assert body["options"] == {"temperature": 0.0, "num_ctx": 8192, "repeat_penalty": 1.0}


def test_stopping_early_closes_the_stream(ollama_standin: OllamaStandin) -> None:
    ollama_standin.reply = ["a ", "b ", "c"]
    stream = chat(ollama_standin.url).stream_chat(MESSAGES)
    assert next(stream) == "a "
    stream.close()  # must not raise


def test_ollama_host_env_is_honoured(
    ollama_standin: OllamaStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{ollama_standin.port}")
    host = Settings().resolved_ollama_host()
    assert host == ollama_standin.url

    client = chat(host)
    client.probe(timeout=1.0)
    assert "".join(client.stream_chat(MESSAGES)) == "".join(ollama_standin.chunks())
    assert len(ollama_standin.requests_to("/api/tags")) == 1
    assert len(ollama_standin.chat_bodies) == 1


# -- probe ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["llama3.2", "llama3.2:latest", "LLAMA3.2"])
def test_probe_accepts_name_and_latest_tag(ollama_standin: OllamaStandin, model: str) -> None:
    assert chat(ollama_standin.url, model=model).probe(timeout=1.0) is None
    assert ollama_standin.requests_to("/api/tags")[0].method == "GET"


def test_probe_accepts_bare_listed_name(ollama_standin: OllamaStandin) -> None:
    ollama_standin.models = ["qwen2.5"]
    chat(ollama_standin.url, model="qwen2.5:latest").probe(timeout=1.0)


def test_probe_model_missing(ollama_standin: OllamaStandin) -> None:
    ollama_standin.models = ["mistral:7b"]
    with pytest.raises(OllamaModelMissing) as info:
        chat(ollama_standin.url, model="llama3.2").probe(timeout=1.0)
    assert "llama3.2" in info.value.message and ollama_standin.url in info.value.message
    assert "mistral:7b" in info.value.message
    assert "ollama pull llama3.2" in info.value.hint and "--model" in info.value.hint


def test_probe_other_tag_is_not_the_model(ollama_standin: OllamaStandin) -> None:
    ollama_standin.models = ["llama3.2:1b"]
    with pytest.raises(OllamaModelMissing):
        chat(ollama_standin.url, model="llama3.2").probe(timeout=1.0)


def test_probe_server_down_is_fast(dead_ollama_url: str) -> None:
    """A refused connection is "not reachable" at once, not a wait for the timeout."""
    with pytest.raises(OllamaUnavailable) as info:
        chat(dead_ollama_url).probe(timeout=60.0)
    assert not isinstance(info.value, OllamaTimeout)
    assert info.value.message == f"Ollama is not reachable at {dead_ollama_url}"
    assert "ollama serve" in info.value.hint and "OLLAMA_HOST" in info.value.hint
    assert "--llm extractive" in info.value.hint


def test_probe_not_an_ollama_server(ollama_standin: OllamaStandin) -> None:
    ollama_standin.impostor = True
    with pytest.raises(OllamaUnavailable) as info:
        chat(ollama_standin.url).probe(timeout=1.0)
    assert "does not answer like Ollama" in info.value.message


def test_probe_slow_server_times_out(ollama_standin: OllamaStandin) -> None:
    ollama_standin.delay_before = 60.0  # far longer than the timeout; ends when the test does
    with pytest.raises(OllamaTimeout) as info:
        chat(ollama_standin.url).probe(timeout=0.3)
    assert ollama_standin.url in info.value.message


# -- chat failures ----------------------------------------------------------------------------


def test_chat_server_down_is_fast(dead_ollama_url: str) -> None:
    """A refused connection is "not reachable" at once, not a wait for the timeout."""
    with pytest.raises(OllamaUnavailable) as info:
        collect(chat(dead_ollama_url, timeout=60.0).stream_chat(MESSAGES))
    assert not isinstance(info.value, OllamaTimeout)
    assert info.value.message == f"Ollama is not reachable at {dead_ollama_url}"


def test_chat_unresolvable_host_is_unavailable() -> None:
    host = "http://no-such-host.invalid:11434"
    with pytest.raises(OllamaUnavailable) as info:
        collect(chat(host, timeout=2.0).stream_chat(MESSAGES))
    assert info.value.message == f"Ollama is not reachable at {host}"


def test_chat_model_missing_404(ollama_standin: OllamaStandin) -> None:
    ollama_standin.models = ["mistral:7b"]
    with pytest.raises(OllamaModelMissing) as info:
        collect(chat(ollama_standin.url, model="llama3.2").stream_chat(MESSAGES))
    assert "ollama pull llama3.2" in info.value.hint
    assert ollama_standin.chat_bodies[0]["model"] == "llama3.2"


def test_stall_before_first_chunk_times_out(ollama_standin: OllamaStandin) -> None:
    ollama_standin.delay_before = 60.0  # far longer than the timeout; ends when the test does
    with pytest.raises(OllamaTimeout) as info:
        collect(chat(ollama_standin.url, timeout=0.5).stream_chat(MESSAGES))
    assert "0.5 s" in info.value.message and "llama3.2" in info.value.message


def test_stall_mid_stream_times_out(ollama_standin: OllamaStandin) -> None:
    ollama_standin.reply = ["partial ", "never"]
    ollama_standin.hold_chats(after=1)  # "partial ", then nothing until the test ends
    got: list[str] = []
    with pytest.raises(OllamaTimeout) as info:
        for piece in chat(ollama_standin.url, timeout=0.5).stream_chat(MESSAGES):
            got.append(piece)
    assert got == ["partial "]
    assert "stopped answering" in info.value.message


def test_dropped_mid_stream_is_bad_output(ollama_standin: OllamaStandin) -> None:
    ollama_standin.reply = ["one ", "two ", "three"]
    ollama_standin.drop_after = 2
    got: list[str] = []
    with pytest.raises(OllamaBadOutput) as info:
        for piece in chat(ollama_standin.url).stream_chat(MESSAGES):
            got.append(piece)
    assert got == ["one ", "two "]
    assert "cut off" in info.value.message and "closed mid-stream" in info.value.message


def test_stream_ending_without_done_is_bad_output(ollama_standin: OllamaStandin) -> None:
    ollama_standin.omit_done = True
    with pytest.raises(OllamaBadOutput) as info:
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    assert "cut off" in info.value.message and "without a final" in info.value.message


def test_malformed_line_is_bad_output(ollama_standin: OllamaStandin) -> None:
    ollama_standin.reply = ["one ", "two"]
    ollama_standin.malformed_after = 1
    with pytest.raises(OllamaBadOutput) as info:
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    assert "cut off" in info.value.message and "not valid" in info.value.message


@pytest.mark.parametrize("reply", [[], [""], ["", "  ", "\n"]])
def test_empty_reply_is_bad_output(ollama_standin: OllamaStandin, reply: list[str]) -> None:
    ollama_standin.reply = reply
    with pytest.raises(OllamaBadOutput) as info:
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    assert "empty" in info.value.message


def test_http_500_is_ollama_error(ollama_standin: OllamaStandin) -> None:
    ollama_standin.fail_status = 500
    with pytest.raises(OllamaError) as info:
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    assert type(info.value) is OllamaError
    assert "HTTP 500" in info.value.message
    assert ollama_standin.fail_message in info.value.message


def test_error_line_mid_stream_is_ollama_error(ollama_standin: OllamaStandin) -> None:
    ollama_standin.error_after = (1, "an error was encountered while running the model")
    with pytest.raises(OllamaError) as info:
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))
    assert type(info.value) is OllamaError
    assert "an error was encountered" in info.value.message


def test_no_raw_exceptions_escape_for_impostor(ollama_standin: OllamaStandin) -> None:
    ollama_standin.impostor = True
    with pytest.raises(OllamaUnavailable):
        collect(chat(ollama_standin.url).stream_chat(MESSAGES))


# -- the stand-in speaks Ollama's format (checked with the official client's models) ---------


def test_standin_endpoints_parse_with_the_official_client(ollama_standin: OllamaStandin) -> None:
    import ollama

    client = ollama.Client(host=ollama_standin.url, timeout=5)
    assert [m.model for m in client.list().models] == ["llama3.2:latest"]
    whole = client.chat(model="llama3.2", messages=MESSAGES, stream=False)
    assert whole.done and whole.done_reason == "stop" and whole.eval_count
    assert whole.message.content == "".join(ollama_standin.chunks())
    parts = list(client.chat(model="llama3.2", messages=MESSAGES, stream=True))
    assert all(not p.done for p in parts[:-1]) and parts[-1].done
    assert parts[-1].done_reason == "stop" and parts[-1].prompt_eval_count
    assert len(parts) == len(ollama_standin.chunks()) + 1
    embedded = client.embed(model="llama3.2", input=["a", "b"])
    assert len(embedded.embeddings) == 2 and len(embedded.embeddings[0]) == 8
    shown = client.show("llama3.2")
    assert shown.details is not None and shown.details.family == "llama"
    with pytest.raises(ollama.ResponseError) as info:
        client.show("nope")
    assert info.value.status_code == 404 and info.value.error == "model 'nope' not found"


def test_standin_raw_wire_format(ollama_standin: OllamaStandin) -> None:
    import json

    import httpx

    with httpx.Client(base_url=ollama_standin.url) as http:
        assert http.get("/").text == "Ollama is running"
        assert http.get("/api/version").json() == {"version": "0.12.6"}
        missing = http.post("/api/chat", json={"model": "nope", "messages": []})
        assert missing.status_code == 404
        assert missing.json() == {"error": 'model "nope" not found, try pulling it first'}
        with http.stream("POST", "/api/chat", json={"model": "llama3.2", "messages": []}) as r:
            assert r.headers["content-type"] == "application/x-ndjson"
            assert r.headers["transfer-encoding"] == "chunked"
            lines = [json.loads(line) for line in r.iter_lines() if line]
    assert set(lines[0]) == {"model", "created_at", "message", "done"}
    assert lines[0]["message"]["role"] == "assistant" and lines[0]["done"] is False
    final = lines[-1]
    assert final["done"] is True and final["done_reason"] == "stop"
    assert {"total_duration", "eval_count", "prompt_eval_count"} <= set(final)


# -- the module's own promises ----------------------------------------------------------------


def test_same_model() -> None:
    assert same_model("llama3.2", "llama3.2:latest")
    assert same_model("library/llama3.2:latest", "library/llama3.2")
    assert not same_model("llama3.2", "llama3.2:1b")
    assert not same_model("llama3", "llama3.2")


def test_importing_the_adapter_does_not_import_ollama() -> None:
    code = (
        "import sys; from assistant.llm.ollama import OllamaChat; "
        "OllamaChat('http://127.0.0.1:1', 'x', 1.0); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ollama', 'httpx')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert out.stdout.strip() == "[]"
