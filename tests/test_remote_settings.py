"""Credentials and transport for remote services: URL checks, secrets kept out of sight, and
Ollama's extra headers sent to (and refused by) a stand-in that checks them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli.command import main
from assistant.config.remote import (
    checked_url,
    chroma_server,
    ollama_server,
    parse_header_lines,
    redact,
    secrets,
)
from assistant.errors import ConfigError
from tests.conftest import settings_for
from tests.ollama_standin import OllamaStandin
from tests.test_ollama_backend import GOOD_REPLY

SECRET = "Bearer ollama-proxy-7c1e55aa"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost", "http://localhost:8000"),
        ("http://[::1]:9", "http://[::1]:9"),
        ("https://chroma.example.org", "https://chroma.example.org:8000"),
        ("https://chroma.example.org:443/", "https://chroma.example.org:443"),
    ],
)
def test_local_http_and_any_https_are_accepted(url: str, expected: str) -> None:
    assert checked_url(url, "chroma_url", False, 8000) == expected


def test_plain_http_to_another_host_needs_the_setting() -> None:
    with pytest.raises(ConfigError, match=r"refusing plain http:// to 10\.0\.0\.5 \(chroma_url\)"):
        checked_url("http://10.0.0.5:8000", "chroma_url", False, 8000)
    assert checked_url("http://10.0.0.5:8000", "chroma_url", True, 8000) == "http://10.0.0.5:8000"


def test_credentials_in_a_url_are_refused_without_repeating_them() -> None:
    with pytest.raises(ConfigError) as caught:
        checked_url("https://user:hunter22@chroma.example.org", "chroma_url", False, 8000)
    assert "hunter22" not in str(caught.value)
    assert "chroma_token" in caught.value.hint


def test_header_lines_are_parsed_and_a_bad_line_is_not_echoed() -> None:
    text = "# for the proxy\nAuthorization: Bearer abc:def\n\nX-Team: search\n"
    assert parse_header_lines(text) == {"Authorization": "Bearer abc:def", "X-Team": "search"}
    with pytest.raises(ConfigError, match="line 1 is not") as caught:
        parse_header_lines("topsecretvalue")
    assert "topsecretvalue" not in str(caught.value)


def test_secrets_are_hidden_in_settings_endpoints_and_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers_file = tmp_path / "headers"
    headers_file.write_text("X-Api-Key: filekey-0042\n", "utf-8")
    monkeypatch.setenv("ASSISTANT_OLLAMA_HEADERS", json.dumps({"Authorization": SECRET}))
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", "chroma-tok-31337")
    settings = settings_for(
        tmp_path,
        tmp_path / "i",
        chroma_url="https://chroma.example.org",
        ollama_headers_file=headers_file,
    )
    shown = repr(settings) + str(settings.model_dump())
    assert "chroma-tok-31337" not in shown and SECRET not in shown
    server = chroma_server(settings)
    assert server is not None and server.headers == {"Authorization": "Bearer chroma-tok-31337"}
    ollama = ollama_server(settings)
    assert ollama.headers == {"Authorization": SECRET, "X-Api-Key": "filekey-0042"}
    assert SECRET not in repr(ollama) and "chroma-tok" not in repr(server)
    message = f"sent {SECRET}, then ollama-proxy-7c1e55aa, filekey-0042 and chroma-tok-31337"
    assert redact(message, secrets(settings)) == (
        "sent [redacted], then [redacted], [redacted] and [redacted]"
    )


def test_ollama_headers_reach_a_server_that_checks_them(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus, index = bundled_index
    ollama_standin.required_headers = {"Authorization": SECRET}
    ollama_standin.reply = GOOD_REPLY
    argv = ["--corpus", str(corpus), "--index", str(index), "--ollama-host", ollama_standin.url]
    ask = [*argv, "--llm", "ollama", "ask", "Who founded DeepSeek?"]

    assert main(ask) == 2  # no header: the proxy refuses, the setting is named
    out, err = capsys.readouterr()
    assert "HTTP 401" in err and "ollama_headers" in err and "Traceback" not in err
    assert ollama_standin.refused >= 1

    monkeypatch.setenv("ASSISTANT_OLLAMA_HEADERS", json.dumps({"Authorization": "Bearer wrong"}))
    assert main(ask) == 2
    out, err = capsys.readouterr()
    assert "was refused" in err

    monkeypatch.setenv("ASSISTANT_OLLAMA_HEADERS", json.dumps({"Authorization": SECRET}))
    assert main([*ask[:-1], "--json", ask[-1]]) == 0
    out, err = capsys.readouterr()
    answer = json.loads(out)
    assert answer["backend"]["llm"] == "ollama" and "Liang Wenfeng" in answer["answer"]
    assert SECRET not in out + err
    sent = ollama_standin.requests_to("/api/chat")[-1].headers
    assert {k.lower(): v for k, v in sent.items()}["authorization"] == SECRET


def test_ollama_over_https_needs_its_ca_and_sends_its_header(
    bundled_index: tuple[Path, Path],
    ollama_standin: OllamaStandin,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.tls_proxy import tls_token_proxy

    corpus, index = bundled_index
    ollama_standin.reply = GOOD_REPLY
    token = "ollama-tls-token-5d2e"
    with tls_token_proxy(ollama_standin.url, token, tmp_path) as (url, cert, seen):
        argv = ["--corpus", str(corpus), "--index", str(index), "--ollama-host", url]
        ask = [*argv, "--llm", "ollama", "ask", "--json", "Who founded DeepSeek?"]
        headers = json.dumps({"Authorization": f"Bearer {token}"})
        monkeypatch.setenv("ASSISTANT_OLLAMA_HEADERS", headers)
        assert main(ask) == 2  # the proxy's certificate is not trusted yet
        out, err = capsys.readouterr()
        assert "not trusted" in err and "ca_bundle" in err and token not in out + err
        monkeypatch.setenv("ASSISTANT_CA_BUNDLE", str(cert))
        assert main(ask) == 0
        out, err = capsys.readouterr()
        assert "Liang Wenfeng" in json.loads(out)["answer"] and token not in out + err
        assert seen["passed"] >= 2 and seen["refused"] == 0
