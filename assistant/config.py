"""Settings in one place: defaults < TOML file < ASSISTANT_* environment < CLI flags.

The TOML file is `assistant.toml` in the working directory, or the path in `ASSISTANT_CONFIG`
or `--config`. Unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.corpus import MAX_FILE_MB
from assistant.errors import ConfigError

DEFAULT_CONFIG_FILE = "assistant.toml"
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"

LLMChoice = Literal["auto", "ollama", "extractive"]


class Settings(BaseSettings):
    """Everything the assistant can be told; each field is also `ASSISTANT_<NAME>` in the env."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="forbid", frozen=True, validate_default=True
    )

    corpus: Path = Field(Path("corpus"), description="Folder of documents to answer from.")
    index: Path = Field(Path("index"), description="Folder holding the Chroma store and manifest.")
    llm: LLMChoice = Field(
        "auto", description="Answer backend: ollama, extractive, or auto (Ollama when ready)."
    )
    model: str = Field("llama3.2", description="Ollama model name used for answers.")
    ollama_host: str = Field(
        "", description="Ollama server URL; empty means $OLLAMA_HOST or http://127.0.0.1:11434."
    )
    ollama_timeout: float = Field(
        60.0, gt=0, description="Seconds to wait for Ollama before giving up on a request."
    )
    ollama_probe_timeout: float = Field(
        1.5, gt=0, description="Seconds `auto` waits for Ollama's model list before falling back."
    )
    num_ctx: int = Field(8192, ge=512, description="Ollama context window in tokens.")
    num_predict: int = Field(
        400, ge=16, description="Most tokens an Ollama answer may have (a looping model stops)."
    )
    prompt_tokens: int = Field(
        450,
        ge=50,
        description="Budget for the passage sentences given to the model, in tokens: on a CPU "
        "the time to the first word grows with the prompt.",
    )
    reply_format: Literal["auto", "json", "text"] = Field(
        "auto",
        description="How Ollama answers: json (decoding constrained to a schema, Ollama ≥ 0.5), "
        "text (markers and a QUOTES: section), or auto (json when the server supports it).",
    )
    temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature for Ollama.")
    chunk_size: int = Field(700, ge=100, description="Target characters per chunk.")
    chunk_overlap: int = Field(150, ge=0, description="Characters of overlap between chunks.")
    top_k: int = Field(6, ge=1, le=50, description="Passages given to the answerer.")
    max_file_mb: float = Field(
        MAX_FILE_MB,
        gt=0,
        description="Files larger than this (MB) are skipped with a warning: embedding "
        "takes about a minute per MB of text on a laptop CPU.",
    )
    chroma_url: str = Field(
        "", description="Chroma server URL (http://host:port); empty uses the embedded store."
    )

    def resolved_ollama_host(self) -> str:
        """The Ollama URL, honouring OLLAMA_HOST as Ollama's own tools do."""
        host = self.ollama_host or os.environ.get("OLLAMA_HOST", "") or DEFAULT_OLLAMA_HOST
        return normalise_ollama_host(host)


def normalise_ollama_host(host: str) -> str:
    """Accept Ollama's host spellings: `0.0.0.0`, `host:port`, `http://host:port/`."""
    host = host.strip().rstrip("/")
    if "://" not in host:
        host = "http://" + host
    scheme, rest = host.split("://", 1)
    hostpart = rest.split("/", 1)[0]
    has_port = "]:" in hostpart if hostpart.startswith("[") else ":" in hostpart
    rest = hostpart if has_port else hostpart + ":11434"
    rest = rest.replace("0.0.0.0", "127.0.0.1")
    return f"{scheme}://{rest}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}", "fix the file") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    section = data.get("assistant", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [assistant] must be a table")
    return section


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once: TOML file, then environment, then non-None CLI overrides."""
    path = config_file or _env_path("ASSISTANT_CONFIG") or Path(DEFAULT_CONFIG_FILE)
    from_file = _read_toml(path) if path.exists() else {}
    if config_file is not None and not path.exists():
        raise ConfigError(f"config file {path} does not exist", "check --config")
    flags = {k: v for k, v in overrides.items() if v is not None}
    env = {
        name: os.environ[f"ASSISTANT_{name.upper()}"]
        for name in Settings.model_fields
        if f"ASSISTANT_{name.upper()}" in os.environ
    }
    merged = {**from_file, **env, **flags}
    try:
        return Settings.model_validate(_coerce_paths(merged))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path), "see `assistant --help` for the keys") from exc


def _coerce_paths(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: Path(v) if k in ("corpus", "index") and isinstance(v, str) else v
        for k, v in values.items()
    }


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _describe(exc: ValidationError, path: Path) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "?"
        if error["type"] == "extra_forbidden":
            problems.append(f"unknown key {key!r}")
        else:
            problems.append(f"{key!r}: {error['msg']}")
    return f"bad settings ({path if path.exists() else 'environment/flags'}): " + "; ".join(
        problems
    )
