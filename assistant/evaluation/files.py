"""Reading gold, results and corpus files; writing the stamped results. All the eval's file I/O."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.evaluation.scoring import GoldQuestion
from assistant.index.corpus import list_candidates, read_document


def read_jsonl(path: Path, what: str) -> list[tuple[int, dict[str, Any]]]:
    """Each non-blank line of a JSONL file as (line number, object); bad lines name their line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise InputError(f"{what} {path} does not exist", "check the path") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what} {path}: {exc}") from exc
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{path}:{number}: not valid JSON ({exc.msg})",
                f"each line of the {what} must be one JSON object",
            ) from exc
        if not isinstance(record, dict):
            raise InputError(
                f"{path}:{number}: expected a JSON object",
                f"each line of the {what} must be one JSON object",
            )
        records.append((number, record))
    return records


def load_gold(path: Path) -> list[GoldQuestion]:
    """The gold questions, validated; duplicate ids and bad regexes are errors naming the line."""
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    for number, record in read_jsonl(path, "gold file"):
        try:
            question = GoldQuestion.from_json(record)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: {exc}", "see the gold format") from exc
        if question.id in seen:
            raise InputError(
                f"{path}:{number}: duplicate id {question.id!r} (first on line {seen[question.id]})"
            )
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise InputError(f"gold file {path} has no questions")
    return questions


def load_results(path: Path) -> list[dict[str, Any]]:
    """The batch's result lines; each needs an id or a question to be matched to the gold file."""
    results = []
    for number, record in read_jsonl(path, "results file"):
        if not isinstance(record.get("id"), str) and not isinstance(record.get("question"), str):
            raise InputError(f"{path}:{number}: result line has neither 'id' nor 'question'")
        if "error" not in record and not isinstance(record.get("citations", []), list):
            raise InputError(f"{path}:{number}: 'citations' must be a list")
        results.append(record)
    return results


def load_corpus(root: Path, index_dir: Path | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """Texts and sha256s of the corpus files, read exactly as the indexer reads them (a
    document's text from the index's copy in `index_dir`, where it has one)."""
    candidates, _skipped = list_candidates(root)
    texts, hashes = {}, {}
    for candidate in candidates:
        try:
            document = read_document(root, candidate.name, index_dir)
        except (ValueError, OSError):
            continue
        texts[document.name] = document.text
        hashes[document.name] = document.sha256
    return texts, hashes


def changed_since_indexed(
    results: Iterable[Mapping[str, Any]], hashes: Mapping[str, str]
) -> list[str]:
    """Files whose hash in the results' index stamp differs from the corpus now (or are gone)."""
    changed: set[str] = set()
    for result in results:
        index = result.get("index")
        files = index.get("files") if isinstance(index, Mapping) else None
        if isinstance(files, Mapping):
            changed.update(name for name, digest in files.items() if hashes.get(name) != digest)
    return sorted(changed)


def stamp_results(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every line the run's index and backend stamp; error lines borrow them from others."""
    index = next((r["index"] for r in results if isinstance(r.get("index"), dict)), None)
    backend = next((r["backend"] for r in results if isinstance(r.get("backend"), dict)), None)
    stamped = []
    for result in results:
        line = dict(result)
        if index is not None:
            line.setdefault("index", index)
        if backend is not None:
            line.setdefault("backend", backend)
        stamped.append(line)
    return stamped


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


def write_json(path: Path, data: Any) -> None:
    path.write_text(
        json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
