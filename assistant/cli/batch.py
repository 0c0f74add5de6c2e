"""`assistant batch`: answer a file of questions, one JSON object per question, in order.

Questions come as JSONL (`id` and `question` per line; other fields ignored) or as plain text,
one question per line. A line that cannot be read, or a question that fails, still produces
an output line, carrying an `error` field; the rest are answered.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from assistant.config import Settings
from assistant.errors import AssistantError, InputError
from assistant.service import Assistant


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    line: int
    error: str = ""


@dataclass
class BatchReport:
    answered: int = 0
    abstained: int = 0
    failed: int = 0

    def line(self) -> str:
        return f"batch: {self.answered} answered, {self.abstained} abstained, {self.failed} failed"


def read_questions(path: Path) -> list[Question]:
    """Questions of a JSONL or plain-text file; unreadable lines become error entries."""
    try:
        raw = path.read_text("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read questions file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"questions file {path} is not UTF-8 text") from exc
    lines = [(n, line) for n, line in enumerate(raw.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(f"questions file {path} has no questions")
    as_jsonl = path.suffix.lower() in (".jsonl", ".json") or lines[0][1].lstrip().startswith("{")
    return [
        _parse_json_line(n, line) if as_jsonl else Question(f"q{n}", line.strip(), n)
        for n, line in lines
    ]


def _parse_json_line(n: int, line: str) -> Question:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return Question(f"line{n}", "", n, f"line {n}: not valid JSON ({exc.msg})")
    if not isinstance(row, dict):
        return Question(f"line{n}", "", n, f"line {n}: expected a JSON object")
    question = row.get("question")
    qid = str(row.get("id", f"line{n}"))
    if not isinstance(question, str) or not question.strip():
        return Question(qid, str(question or ""), n, f"line {n}: no 'question' text")
    return Question(qid, question, n)


def answer_all(
    assistant: Assistant, questions: list[Question], workers: int = 1
) -> Iterator[dict[str, Any]]:
    """Result objects in question order; up to `workers` questions are answered at once."""

    def one(q: Question) -> dict[str, Any]:
        if q.error:
            return {"id": q.id, "question": q.question, "error": q.error}
        try:
            answer = assistant.answer(q.question, question_id=q.id, temperature=0.0)
        except AssistantError as exc:
            return {"id": q.id, "question": q.question, "error": str(exc)}
        return answer.to_json()

    if workers <= 1:
        yield from map(one, questions)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(one, questions)


def run_batch(
    settings: Settings,
    questions_path: Path,
    out_path: Path,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> BatchReport:
    """Answer every question of questions_path into out_path (JSONL)."""
    questions = read_questions(questions_path)
    assistant = assistant_for_batch(settings)
    report = BatchReport()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with assistant, out_path.open("w", encoding="utf-8") as out:
        for done, result in enumerate(answer_all(assistant, questions, workers), 1):
            _write(out, result)
            _count(report, result)
            if progress:
                progress(done, len(questions))
    return report


def assistant_for_batch(settings: Settings) -> Assistant:
    assistant = Assistant(settings)
    assistant.manifest()  # fail early, with the reindex hint, before any line is written
    return assistant


def _write(out: TextIO, result: dict[str, Any]) -> None:
    out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


def _count(report: BatchReport, result: dict[str, Any]) -> None:
    if "error" in result:
        report.failed += 1
        print(f"warning: {result['id']}: {result['error']}", file=sys.stderr)
    elif result.get("abstained"):
        report.abstained += 1
    else:
        report.answered += 1
