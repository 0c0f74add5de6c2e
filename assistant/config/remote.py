"""Remote services (a Chroma server, an Ollama server): where they are, which credentials are
sent, which certificates are trusted, and what a refused connection means to the user.

Secrets — the Chroma token and Ollama's extra headers — come from ASSISTANT_* variables, the
TOML file, or the files named by `chroma_token_file` / `ollama_headers_file`. They are held as
pydantic `SecretStr` (shown as `**********`), never put in a URL, an answer, the manifest or
a message: `redact()` scrubs them from any error text before it is printed. Plain `http://` is
refused to any host but this machine unless `allow_insecure_http` is set.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from assistant.config import Settings, normalise_ollama_host
from assistant.errors import AssistantError, ConfigError

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
INSECURE_HINT = (
    "use https://, or set allow_insecure_http = true (ASSISTANT_ALLOW_INSECURE_HTTP=1) "
    "if the network between you is trusted"
)
CA_HINT = (
    "set ca_bundle (ASSISTANT_CA_BUNDLE) to the PEM file of the certificate authority "
    "that signed the server's certificate"
)


class RemoteAuthError(ConfigError):
    """A server (or the proxy in front of it) refused our credentials: a settings problem."""


class RemoteTLSError(ConfigError):
    """The server's certificate is not trusted, or it does not speak TLS."""


@dataclass(frozen=True)
class Endpoint:
    """A checked server URL with the headers and certificate trust to use for it."""

    url: str  # scheme://host:port, never with credentials
    setting: str  # the setting that names it, for messages: "chroma_url", "ollama_host"
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    verify: bool | str = True  # True (system CAs) or the path of a CA bundle
    credentials_setting: str = ""  # where the credentials come from, for messages

    @property
    def https(self) -> bool:
        return self.url.startswith("https://")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or (443 if self.https else 80)

    def ssl_context(self) -> bool | ssl.SSLContext:
        """`verify` as httpx takes it (a CA bundle path is deprecated there)."""
        if isinstance(self.verify, str):
            return ssl.create_default_context(cafile=self.verify)
        return self.verify


def is_local(host: str) -> bool:
    """This machine: localhost, 127.0.0.0/8 or ::1."""
    host = host.strip("[]").lower()
    return host in LOCAL_HOSTS or host.startswith("127.")


def checked_url(url: str, setting: str, allow_insecure: bool, default_port: int) -> str:
    """`url` as scheme://host:port, or ConfigError naming `setting`. The URL itself is not
    repeated when it carries a user name or password."""
    parts = urlsplit(url.strip())
    if parts.username or parts.password:
        raise ConfigError(
            f"{setting} holds a user name or password; credentials do not belong in a URL",
            "put the token in chroma_token / ollama_headers (or their *_file settings)",
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{setting} {url!r} is not an http(s)://HOST:PORT URL")
    try:
        port = parts.port or default_port
    except ValueError:
        raise ConfigError(f"{setting} {url!r} has a bad port") from None
    if parts.scheme == "http" and not allow_insecure and not is_local(parts.hostname):
        raise ConfigError(
            f"refusing plain http:// to {parts.hostname} ({setting}): questions, passages "
            "and credentials would cross the network unencrypted",
            INSECURE_HINT,
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}:{port}"


def _verify(settings: Settings) -> bool | str:
    if settings.ca_bundle is None:
        return True
    if not settings.ca_bundle.is_file():
        raise ConfigError(f"ca_bundle {settings.ca_bundle} is not a file", "point it at a PEM file")
    return str(settings.ca_bundle)


def _secret_file(path: Path, setting: str) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {setting} {path}: {exc.__class__.__name__}") from None


def chroma_token(settings: Settings) -> str:
    """The Chroma token from `chroma_token` or the first line of `chroma_token_file`."""
    if settings.chroma_token is not None:
        return settings.chroma_token.get_secret_value().strip()
    if settings.chroma_token_file is not None:
        lines = _secret_file(settings.chroma_token_file, "chroma_token_file").splitlines()
        return lines[0].strip() if lines else ""
    return ""


def chroma_server(settings: Settings) -> Endpoint | None:
    """The Chroma server to use, None for the embedded store."""
    if not settings.chroma_url:
        return None
    url = checked_url(settings.chroma_url, "chroma_url", settings.allow_insecure_http, 8000)
    token = chroma_token(settings)
    headers: dict[str, str] = {}
    if token and settings.chroma_auth_header == "authorization":
        headers["Authorization"] = f"Bearer {token}"
    elif token:
        headers["X-Chroma-Token"] = token
    return Endpoint(url, "chroma_url", headers, _verify(settings), "chroma_token")


def parse_header_lines(text: str) -> dict[str, str]:
    """`Name: value` lines (blank lines and `#` comments skipped); ConfigError otherwise,
    without repeating the line (it may hold a secret)."""
    headers = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or any(c.isspace() for c in name.strip()):
            raise ConfigError(f"ollama_headers_file: line {number} is not `Name: value`")
        headers[name.strip()] = value.strip()
    return headers


def ollama_server(settings: Settings) -> Endpoint:
    """The Ollama server (ollama_host, else $OLLAMA_HOST, else localhost) with its headers."""
    url = checked_url(
        settings.resolved_ollama_host(), "ollama_host", settings.allow_insecure_http, 11434
    )
    headers = {name: value.get_secret_value() for name, value in settings.ollama_headers.items()}
    if settings.ollama_headers_file is not None:
        text = _secret_file(settings.ollama_headers_file, "ollama_headers_file")
        headers = {**parse_header_lines(text), **headers}
    return Endpoint(url, "ollama_host", headers, _verify(settings), "ollama_headers")


OPENAI_URL_HINT = (
    "set --openai-url http://HOST:PORT/v1 (ASSISTANT_OPENAI_URL, or OPENAI_BASE_URL) to the "
    "server's API, e.g. http://127.0.0.1:8000/v1 for `vllm serve` or `python -m llama_cpp.server`"
)


def openai_url(settings: Settings) -> str:
    """The OpenAI-compatible API URL as set (`openai_url`, else $OPENAI_BASE_URL), unchecked;
    "" when none is."""
    return (settings.openai_url or os.environ.get("OPENAI_BASE_URL", "")).strip()


def openai_server(settings: Settings) -> Endpoint:
    """The OpenAI-compatible server: `openai_url`, else $OPENAI_BASE_URL — the API's base URL,
    path included (`/v1`). Its key is not here: `openai_key` reads it."""
    raw = openai_url(settings)
    if not raw:
        raise ConfigError("no OpenAI-compatible server is set", OPENAI_URL_HINT)
    default_port = 443 if raw.lower().startswith("https://") else 80
    base = checked_url(raw, "openai_url", settings.allow_insecure_http, default_port)
    path = urlsplit(raw).path.rstrip("/")
    return Endpoint(base + path, "openai_url", {}, _verify(settings), "OPENAI_API_KEY")


def openai_key() -> str:
    """$OPENAI_API_KEY (local servers need none), never shown."""
    return os.environ.get("OPENAI_API_KEY", "").strip()


def unchecked_ollama_url(settings: Settings) -> str:
    """The Ollama URL for messages, whatever its scheme (no credentials are in it)."""
    return normalise_ollama_host(settings.resolved_ollama_host())


def secrets(settings: Settings) -> list[str]:
    """Every secret value the settings hold, for `redact`. Unreadable files give none."""
    found = [v.get_secret_value() for v in settings.ollama_headers.values()]
    found.append(openai_key())
    if settings.chroma_token is not None:
        found.append(settings.chroma_token.get_secret_value())
    for path in (settings.chroma_token_file, settings.ollama_headers_file):
        try:
            text = path.read_text("utf-8") if path is not None else ""
        except (OSError, UnicodeDecodeError):
            continue
        found += [line.partition(":")[2] if ":" in line else line for line in text.splitlines()]
    whole = {value.strip() for value in found if len(value.strip()) >= 4}
    parts = {part for value in found for part in value.split() if len(part) >= 8}  # a token
    return sorted(whole | parts, key=len, reverse=True)


def redact(text: str, secret_values: Iterable[str]) -> str:
    """`text` with every secret value replaced by `[redacted]`."""
    for secret in secret_values:
        text = text.replace(secret, "[redacted]")
    return text


def remote_failure(exc: BaseException, endpoint: Endpoint, service: str) -> AssistantError | None:
    """The settings problem behind `exc` (refused credentials, an untrusted certificate, TLS
    spoken to a plain server), as an error naming the setting to fix; None if it is not one."""
    status = _status(exc)
    if status in (401, 403):
        sent = "was refused" if endpoint.headers else "is missing (none was sent)"
        setting = endpoint.credentials_setting
        return RemoteAuthError(
            f"the {service} at {endpoint.url} answered HTTP {status}: the token ({setting}) {sent}",
            f"set {setting} (ASSISTANT_{setting.upper()}) or {setting}_file to what the server "
            "expects",
        )
    links = list(_chain(exc))
    untrusted = [link for link in links if isinstance(link, ssl.SSLCertVerificationError)]
    if untrusted or any("CERTIFICATE_VERIFY_FAILED" in str(link) for link in links):
        why = getattr(untrusted[0], "verify_message", "") if untrusted else ""
        return RemoteTLSError(
            f"the certificate of the {service} at {endpoint.url} is not trusted "
            f"({why or 'certificate verify failed'})",
            CA_HINT,
        )
    for link in links:
        if isinstance(link, ssl.SSLError) or "WRONG_VERSION_NUMBER" in str(link):
            return RemoteTLSError(
                f"the {service} at {endpoint.url} does not speak TLS as expected "
                f"({type(link).__name__})",
                f"check the scheme of {endpoint.setting}: https:// for a TLS proxy, "
                "http:// only on this machine",
            )
    return None


def _chain(exc: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


_AUTH_ERRORS = frozenset({"AuthorizationError", "ChromaAuthError"})  # chromadb.errors


def _status(exc: BaseException) -> int | None:
    """The HTTP status behind `exc`: an httpx response's, ollama's `status_code`, or the
    code of Chroma's own auth errors (raised when the server names them in its reply)."""
    for link in _chain(exc):
        if type(link).__name__ in _AUTH_ERRORS:
            return 401
        response = getattr(link, "response", None)
        status = getattr(response, "status_code", None) or getattr(link, "status_code", None)
        if isinstance(status, int) and status > 0:
            return status
    return None
