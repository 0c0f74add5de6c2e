"""A Chroma server reached the way a team shares one: `chroma run` behind an HTTPS proxy that
checks a token. Right token → reindex and ask work; a wrong or missing token, an untrusted
certificate or plain http:// to another machine → one error line naming the setting to fix,
exit code 2, no traceback, and the token printed nowhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.cli.command import main
from tests.chroma_run import chroma_server
from tests.conftest import write_corpus
from tests.test_chroma_server import FILES, QUESTION
from tests.tls_proxy import tls_token_proxy

pytestmark = pytest.mark.slow

TOKEN = "s3cret-Tok3n-9f2c41d7"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict]]:
    """(https URL of the proxy, its certificate, counts of passed/refused requests)."""
    work = tmp_path_factory.mktemp("remote-chroma")
    with chroma_server(work) as upstream, tls_token_proxy(upstream, TOKEN, work) as served:
        yield served


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _where(tmp_path: Path, url: str) -> list[str]:
    corpus = write_corpus(tmp_path / "corpus", FILES)
    return ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--chroma-url", url]


def _one_error_line(err: str, *names: str) -> str:
    """The single `error:` line, which names every one of `names`; no traceback anywhere."""
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err
    for name in names:
        assert name in errors[0], err
    return errors[0]


def test_the_right_token_reindexes_and_answers_and_is_never_shown(
    tmp_path: Path,
    proxy: tuple[str, Path, dict],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, cert, seen = proxy
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", TOKEN)
    monkeypatch.setenv("ASSISTANT_CA_BUNDLE", str(cert))
    where = _where(tmp_path, url)
    passed = seen["passed"]

    code, out, err = _run(capsys, "reindex", *where)
    assert code == 0, err
    assert "3 added" in out
    assert not (tmp_path / "index" / "stores").exists(), "the vectors are on the server"
    code, out, err = _run(capsys, "ask", QUESTION, "--llm", "extractive", "--json", *where)
    assert code == 0, err
    answer = json.loads(out)
    assert "Malmo" in answer["answer"] and answer["citations"][0]["file"] == "harbour.txt"
    assert seen["passed"] > passed, "the requests went through the proxy"

    code, doctor_out, doctor_err = _run(capsys, "doctor", "--llm", "extractive", *where)
    assert f"Chroma server at {url} answers (token sent)" in doctor_out

    # The same with the token in a file, sent as X-Chroma-Token.
    monkeypatch.delenv("ASSISTANT_CHROMA_TOKEN")
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", "utf-8")
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("ASSISTANT_CHROMA_AUTH_HEADER", "x-chroma-token")
    code, out2, err2 = _run(capsys, "ask", QUESTION, "--llm", "extractive", "--json", *where)
    assert code == 0, err2

    manifest = (tmp_path / "index" / "manifest.json").read_text("utf-8")
    for text in (out, err, doctor_out, doctor_err, out2, err2, manifest):
        assert TOKEN not in text


@pytest.mark.parametrize("token", ["wrong-token-123456", None])
def test_a_wrong_or_missing_token_is_one_line_naming_the_setting(
    token: str | None,
    tmp_path: Path,
    proxy: tuple[str, Path, dict],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, cert, seen = proxy
    if token:
        monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", token)
    monkeypatch.setenv("ASSISTANT_CA_BUNDLE", str(cert))
    refused = seen["refused"]
    code, out, err = _run(capsys, "reindex", *_where(tmp_path, url))
    assert code == 2
    line = _one_error_line(err, "chroma_token", "401")
    assert ("was refused" if token else "none was sent") in line
    assert seen["refused"] > refused
    assert TOKEN not in out + err and (token is None or token not in out + err)


def test_an_untrusted_certificate_is_one_line_naming_ca_bundle(
    tmp_path: Path,
    proxy: tuple[str, Path, dict],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _cert, _seen = proxy
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", TOKEN)
    code, out, err = _run(capsys, "reindex", *_where(tmp_path, url))
    assert code == 2
    assert "not trusted" in _one_error_line(err, url)
    assert "ca_bundle" in err
    assert TOKEN not in out + err


def test_plain_http_to_another_machine_is_refused_before_connecting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_CHROMA_TOKEN", TOKEN)
    where = _where(tmp_path, "http://chroma.invalid:8000")
    code, out, err = _run(capsys, "reindex", *where)
    assert code == 2
    _one_error_line(err, "http://", "chroma_url")
    assert "allow_insecure_http" in err
    assert not (tmp_path / "index").exists(), "refused before any work"
    assert TOKEN not in out + err
