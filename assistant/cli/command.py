"""The `assistant` command: reindex, ask, batch, eval, chat. A thin shell over the service.

Imports stay light here; the engine (Chroma, LlamaIndex, onnxruntime) loads only when a
command needs it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant import __version__
from assistant.config import LLM_CHOICES, Settings, load_settings
from assistant.config.remote import redact, secrets
from assistant.errors import AssistantError

GLOBAL_OPTIONS: list[tuple[str, dict[str, Any]]] = [
    ("--corpus", {"type": Path, "help": "folder of documents (default: ./corpus)"}),
    ("--index", {"type": Path, "help": "index folder (default: ./index)"}),
    (
        "--llm",
        {
            "choices": LLM_CHOICES,
            "help": "answer backend (default: auto = Ollama when ready, else extractive; "
            "openai = an OpenAI-compatible server)",
        },
    ),
    ("--model", {"help": "model that writes answers (default: llama3.2)"}),
    (
        "--embedder",
        {
            "help": "who embeds the chunks: local (all-MiniLM-L6-v2, English; the default), "
            "multilingual (USE v3, 16 languages) or ollama:MODEL; a change rebuilds the index"
        },
    ),
    ("--ollama-host", {"help": "Ollama URL (default: $OLLAMA_HOST or http://127.0.0.1:11434)"}),
    (
        "--openai-url",
        {"help": "OpenAI-compatible API URL, e.g. http://HOST:8000/v1 (default: $OPENAI_BASE_URL)"},
    ),
    (
        "--chroma-url",
        {"help": "use a Chroma server at https://HOST:PORT (http:// on this machine)"},
    ),
    ("--config", {"type": Path, "help": "TOML settings file (default: ./assistant.toml)"}),
]


def _add_globals(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also ASSISTANT_* variables and assistant.toml)")
    for flag, options in GLOBAL_OPTIONS:
        group.add_argument(flag, default=argparse.SUPPRESS, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Answers questions over a document corpus, citing files with verbatim quotes.",
    )
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    _add_globals(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = commands.add_parser("chat", help="open the terminal chat (the default)")
    _add_globals(chat)

    reindex = commands.add_parser("reindex", help="bring the index in step with the corpus")
    _add_globals(reindex)
    reindex.add_argument(
        "--wait",
        type=float,
        default=30.0,
        help="seconds to wait for another reindex to finish (default 30)",
    )

    ask = commands.add_parser("ask", help="answer one question")
    _add_globals(ask)
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--json", action="store_true", help="print the answer object as JSON")

    batch = commands.add_parser("batch", help="answer a file of questions into JSONL")
    _add_globals(batch)
    batch.add_argument("questions", type=Path, help="JSONL with id/question, or one per line")
    batch.add_argument("--out", type=Path, required=True, help="results file (JSONL)")
    batch.add_argument(
        "--workers",
        type=int,
        default=1,
        help="questions answered at once (useful with a remote model server)",
    )

    doctor = commands.add_parser(
        "doctor",
        help="check the model server (Ollama or OpenAI-compatible), the model, the index and "
        "the corpus; say how to fix them",
    )
    _add_globals(doctor)

    mcp = commands.add_parser(
        "mcp", help="serve `ask` and `search` to agents over MCP (stdio), with verified citations"
    )
    _add_globals(mcp)

    evaluate = commands.add_parser("eval", help="score answers against a gold file")
    _add_globals(evaluate)
    from assistant.evaluation.command import add_arguments

    add_arguments(evaluate)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    names = (
        "corpus",
        "index",
        "llm",
        "model",
        "embedder",
        "ollama_host",
        "openai_url",
        "chroma_url",
    )
    overrides = {name: getattr(args, name, None) for name in names}
    return load_settings(getattr(args, "config", None), **overrides)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    hidden: list[str] = []  # secret values, scrubbed from anything printed on failure
    try:
        settings = settings_from(args)
        hidden = secrets(settings)
        return _dispatch(args, settings)
    except AssistantError as exc:
        print(f"error: {redact(exc.message, hidden)}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {redact(exc.hint, hidden)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `assistant ask … | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug or a library failure nobody anticipated: still one line
        if os.environ.get("ASSISTANT_DEBUG"):
            raise
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        print(f"error: unexpected failure ({redact(detail, hidden)})", file=sys.stderr)
        print(
            "hint: if the index may be damaged, run `assistant reindex`; "
            "set ASSISTANT_DEBUG=1 to see the traceback",
            file=sys.stderr,
        )
        return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command or "chat"
    if command == "reindex":
        return _reindex(settings, args.wait)
    if command == "ask":
        return _ask(settings, args.question, args.json)
    if command == "batch":
        return _batch(settings, args.questions, args.out, args.workers)
    if command == "doctor":
        return _doctor(settings)
    if command == "eval":
        from assistant.evaluation.command import run

        return run(args, settings)
    if command == "mcp":
        from assistant.cli.mcp_server import run_mcp

        return run_mcp(settings)
    from assistant.tui.app import run_chat

    return run_chat(settings)


def _reindex(settings: Settings, wait: float) -> int:
    from assistant.cli.output import ReindexProgress
    from assistant.service import Assistant

    with ReindexProgress() as progress:
        summary = Assistant(settings).reindex(progress.update, progress.message, wait)
    for name, reason in summary.skipped:
        print(f"warning: skipped {name}: {reason}", file=sys.stderr)
    for name, warning in summary.warnings:
        print(f"warning: {name}: {warning}", file=sys.stderr)
    print(summary.line())
    return 0


def _ask(settings: Settings, question: str, as_json: bool) -> int:
    from assistant.cli.output import print_answer, stream_answer
    from assistant.service import Assistant

    with Assistant(settings) as assistant:
        warned = _warn_corpus_changes(assistant)
        answer = stream_answer(assistant.ask(question), show_progress=not as_json)
    if as_json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        if warned:  # the answer's own "changed since indexing" warning would say it again
            kept = (w for w in answer.warnings if not w.startswith(CHANGED_SINCE_INDEXING))
            answer = replace(answer, warnings=tuple(kept))
        print_answer(answer)
    return 0


def _doctor(settings: Settings) -> int:
    from assistant.cli.doctor import run_checks

    failed = False
    for check in run_checks(settings):
        print(check.line(), flush=True)
        failed = failed or check.level == "fail"
    return 1 if failed else 0


CHANGED_SINCE_INDEXING = "changed since indexing"  # how the service's warning starts


def _warn_corpus_changes(assistant: Any) -> bool:
    """Warn about every corpus file changed since indexing; True if there was one."""
    changes = assistant.corpus_changes()
    for change in changes:
        print(
            f"warning: corpus {CHANGED_SINCE_INDEXING} ({change}); run `assistant reindex`",
            file=sys.stderr,
        )
    return bool(changes)


def _batch(settings: Settings, questions: Path, out: Path, workers: int) -> int:
    from assistant.cli.batch import run_batch
    from assistant.service import Assistant

    _warn_corpus_changes(Assistant(settings))

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\ranswered {done}/{total}", end="", file=sys.stderr, flush=True)

    report = run_batch(settings, questions, out, workers=max(1, workers), progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{report.line()}; results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
