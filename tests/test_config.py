"""Settings: defaults < TOML < ASSISTANT_* environment < flags; errors name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import load_settings, normalise_ollama_host
from assistant.errors import ConfigError


def test_precedence_file_env_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "assistant.toml"
    config.write_text('[assistant]\nmodel = "from-file"\ntop_k = 3\nllm = "ollama"\n')
    assert load_settings(config).model == "from-file"
    monkeypatch.setenv("ASSISTANT_MODEL", "from-env")
    settings = load_settings(config)
    assert (settings.model, settings.top_k, settings.llm) == ("from-env", 3, "ollama")
    assert load_settings(config, model="from-flag").model == "from-flag"


def test_config_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "elsewhere.toml"
    config.write_text('corpus = "papers"\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    assert load_settings().corpus == Path("papers")


def test_unknown_key_and_wrong_type_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "assistant.toml"
    config.write_text('[assistant]\nmodle = "x"\n')
    with pytest.raises(ConfigError, match="unknown key 'modle'"):
        load_settings(config)
    config.write_text('[assistant]\ntop_k = "many"\n')
    with pytest.raises(ConfigError, match="'top_k'"):
        load_settings(config)
    config.write_text("[assistant\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_keys_at_the_top_level_and_under_assistant_are_all_read(tmp_path: Path) -> None:
    config = tmp_path / "assistant.toml"
    config.write_text('corpus = "papers"\ntop_k = 9\n[assistant]\nllm = "ollama"\ntop_k = 4\n')
    settings = load_settings(config)
    assert (settings.corpus, settings.llm, settings.top_k) == (Path("papers"), "ollama", 4)
    config.write_text('modle = "x"\n[assistant]\nllm = "ollama"\n')
    with pytest.raises(ConfigError, match="unknown key 'modle'"):
        load_settings(config)
    config.write_text('assistant = "ollama"\n')
    with pytest.raises(ConfigError, match=r"\[assistant\] must be a table"):
        load_settings(config)


def test_a_wrong_type_in_the_environment_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    with pytest.raises(ConfigError, match="'top_k'"):
        load_settings()
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    monkeypatch.setenv("ASSISTANT_DEBUG", "1")  # other ASSISTANT_* variables are not settings
    assert load_settings().top_k == 7


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not a file"):
        load_settings(tmp_path)


def test_ollama_host_follows_ollamas_own_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().resolved_ollama_host() == "http://127.0.0.1:11434"
    monkeypatch.setenv("OLLAMA_HOST", "gpu-box:9999")
    assert load_settings().resolved_ollama_host() == "http://gpu-box:9999"
    assert load_settings(ollama_host="http://other/").resolved_ollama_host() == "http://other:11434"
    assert normalise_ollama_host("0.0.0.0") == "http://127.0.0.1:11434"
    assert normalise_ollama_host("https://example.org:443/") == "https://example.org:443"
