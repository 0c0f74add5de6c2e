"""Settings in one place: defaults < TOML file < ASSISTANT_* environment < CLI flags (here);
the remote servers they name, with their credentials and trusted certificates, in `remote`.

The TOML file is `assistant.toml` in the working directory, or the path in `ASSISTANT_CONFIG`
or `--config`. Unknown keys and wrong types are errors that name the key.
"""

from __future__ import annotations

import os
import tomllib
from contextvars import ContextVar
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import ConfigError
from assistant.index.corpus import MAX_FILE_MB
from assistant.types import Answerer

DEFAULT_CONFIG_FILE = "assistant.toml"
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"

LLMChoice = Literal["auto", Answerer]
LLM_CHOICES: tuple[str, ...] = get_args(LLMChoice)  # auto, ollama, openai, extractive


class Settings(BaseSettings):
    """Everything the assistant can be told; each field is also `ASSISTANT_<NAME>` in the env."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", extra="forbid", frozen=True, validate_default=True
    )

    corpus: Path = Field(Path("corpus"), description="Folder of documents to answer from.")
    index: Path = Field(Path("index"), description="Folder holding the Chroma store and manifest.")
    llm: LLMChoice = Field(
        "auto",
        description="Answer backend: ollama, openai (an OpenAI-compatible server: llama.cpp, "
        "vLLM, LM Studio), extractive, or auto (Ollama when ready, else extractive).",
    )
    model: str = Field(
        "llama3.2", description="Model that writes answers (Ollama's name, or the server's id)."
    )
    ollama_host: str = Field(
        "", description="Ollama server URL; empty means $OLLAMA_HOST or http://127.0.0.1:11434."
    )
    ollama_timeout: float = Field(
        60.0, gt=0, description="Seconds to wait for Ollama before giving up on a request."
    )
    ollama_probe_timeout: float = Field(
        1.5, gt=0, description="Seconds `auto` waits for Ollama's model list before falling back."
    )
    openai_url: str = Field(
        "",
        description="The OpenAI-compatible server's API URL, e.g. http://127.0.0.1:8000/v1; "
        "empty means $OPENAI_BASE_URL. Its key, if it needs one, is $OPENAI_API_KEY.",
    )
    openai_timeout: float = Field(
        120.0, gt=0, description="Seconds to wait for the OpenAI-compatible server."
    )
    num_ctx: int = Field(8192, ge=512, description="Ollama context window in tokens.")
    num_predict: int = Field(
        400, ge=16, description="Most tokens an Ollama answer may have (a looping model stops)."
    )
    prompt_tokens: int = Field(
        300,
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
    embedder: str = Field(
        "local",
        pattern=r"^(local|multilingual|ollama:\S+)$",
        description="Who embeds the chunks: `local` (all-MiniLM-L6-v2 int8 on this CPU, "
        "English), `multilingual` (Google's multilingual USE v3 on this CPU: 16 languages, "
        "3-4x faster to reindex) or `ollama:MODEL` (an embedding model on the Ollama server, "
        "e.g. ollama:all-minilm). Changing it rebuilds the index.",
    )
    query_embedder: Literal["index", "local"] = Field(
        "index",
        description="Who embeds questions against an index built by `ollama:all-minilm`: the "
        "index's own model (one round trip per new question), or `local` (the same "
        "all-MiniLM-L6-v2 in int8 here: cosine ≥ 0.999 to fp16, see README).",
    )
    embed_batch: int = Field(32, ge=1, le=1024, description="Texts per /api/embed request.")
    embed_in_flight: int = Field(
        4, ge=1, le=32, description="/api/embed requests sent at once during a reindex."
    )
    max_file_mb: float = Field(
        MAX_FILE_MB,
        gt=0,
        description="Files larger than this (MB) are skipped with a warning: embedding "
        "takes about a minute per MB of text on a laptop CPU.",
    )
    chroma_url: str = Field(
        "",
        description="Chroma server URL (https://host:port, or http:// on this machine); "
        "empty uses the embedded store.",
    )
    chroma_token: SecretStr | None = Field(
        None,
        description="Token for the Chroma server (or the proxy in front of it); set it with "
        "ASSISTANT_CHROMA_TOKEN or chroma_token_file, never on the command line.",
    )
    chroma_token_file: Path | None = Field(
        None, description="File whose first line is the Chroma token (instead of chroma_token)."
    )
    chroma_auth_header: Literal["authorization", "x-chroma-token"] = Field(
        "authorization",
        description="How the token is sent: `Authorization: Bearer TOKEN`, or `X-Chroma-Token`.",
    )
    ollama_headers: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Extra HTTP headers for every Ollama request (e.g. a proxy's Authorization);"
        ' ASSISTANT_OLLAMA_HEADERS=\'{"Authorization": "Bearer …"}\'.',
    )
    ollama_headers_file: Path | None = Field(
        None, description="File of `Name: value` lines added to every Ollama request."
    )
    ca_bundle: Path | None = Field(
        None,
        description="PEM file of the certificate authorities trusted for https:// Chroma and "
        "Ollama servers (instead of the system's); for a private CA or a self-signed proxy.",
    )
    verify: Literal["terms", "terms+model"] = Field(
        "terms",
        description="How an answer's sentences are checked against their quotes: `terms` (every "
        "number and word the corpus never uses must be quoted, most of the rest by weight; any "
        "language) or `terms+model` (then the model is also asked, for each sentence that "
        "passes, whether its quotes say it: one short call per sentence).",
    )
    reply_log: Path | None = Field(
        None,
        description="JSONL file each model answer is appended to — question, the sources the "
        "model read, its raw reply — so replies can be checked again offline "
        "(`python -m assistant.answer.replay FILE`) without asking the model again.",
    )
    allow_insecure_http: bool = Field(
        False,
        description="Allow plain http:// to a Chroma or Ollama server on another machine "
        "(tokens, questions and passages would cross the network unencrypted).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (init arguments) over ASSISTANT_* variables over the TOML file."""
        toml_file = _TomlFile(settings_cls, toml_file=_config_file.get() or _config_path())
        return init_settings, env_settings, toml_file

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


class _TomlFile(TomlConfigSettingsSource):
    """The TOML file, its keys at the top level or under [assistant] (the table wins)."""

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        try:
            data = super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"config file {file_path} is not valid TOML: {exc}", "fix the file"
            ) from exc
        except OSError as exc:
            raise ConfigError(f"cannot read config file {file_path}: {exc.strerror}") from exc
        section = data.pop("assistant", {})
        if not isinstance(section, dict):
            raise ConfigError(f"config file {file_path}: [assistant] must be a table")
        return {**data, **section}


# The TOML file the next Settings() reads; set by load_settings for the call it makes.
_config_file: ContextVar[Path | None] = ContextVar("config_file", default=None)


def _config_path(config_file: Path | None = None) -> Path:
    """`--config`, else $ASSISTANT_CONFIG, else ./assistant.toml."""
    return config_file or _env_path("ASSISTANT_CONFIG") or Path(DEFAULT_CONFIG_FILE)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings once: TOML file, then environment, then non-None CLI overrides."""
    path = _config_path(config_file)
    if config_file is not None and not path.exists():
        raise ConfigError(f"config file {path} does not exist", "check --config")
    if path.exists() and not path.is_file():  # pydantic-settings would skip it silently
        raise ConfigError(f"cannot read config file {path}: it is not a file")
    flags = {k: v for k, v in overrides.items() if v is not None}
    token = _config_file.set(path)
    try:
        return Settings(**flags)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path), "see `assistant --help` for the keys") from exc
    finally:
        _config_file.reset(token)


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
