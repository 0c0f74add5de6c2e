"""Score the extractive backend on every gold set, each over its own corpus, and (with
--readme) rewrite the per-set table of docs/evaluation.md, before (eval/baseline_metrics.json)
and now.

    .venv/bin/python eval/all_sets.py [--index-root DIR] [--readme docs/evaluation.md]

Each set's corpus is indexed into INDEX_ROOT/NAME (`assistant reindex`: only changes are
re-embedded), then answered and scored by `assistant eval`, whose report folder is
INDEX_ROOT/NAME-report.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluation.readme import replace_block  # noqa: E402

SHARED = ROOT.parent / "shared"
# name: (gold file, corpus, what it is)
SETS = {
    "dev": (SHARED / "eval/dev_questions.jsonl", ROOT / "corpus", "fitted on"),
    "narrativeqa": (
        SHARED / "eval/narrativeqa/questions.jsonl",
        SHARED / "eval/narrativeqa/corpus",
        "fitted on",
    ),
    "heldout": (ROOT / "eval/heldout_questions.jsonl", ROOT / "corpus", "report only"),
    "test": (ROOT / "eval/test_questions.jsonl", ROOT / "corpus", "report only"),
    "regression": (ROOT / "eval/regression_questions.jsonl", ROOT / "corpus", "report only"),
    "techdocs": (
        ROOT / "eval/techdocs/questions.jsonl",
        ROOT / "eval/techdocs/corpus",
        "report only, written before tuning",
    ),
    "pdfweb": (
        ROOT / "eval/pdfweb/questions.jsonl",
        ROOT / "eval/pdfweb/corpus",
        "report only, PDFs and web pages, written before any run",
    ),
    "legal": (
        ROOT / "eval/legal/questions.jsonl",
        ROOT / "eval/legal/corpus",
        "report only, licence texts, written before any run",
    ),
    "pkgdocs": (
        ROOT / "eval/pkgdocs/questions.jsonl",
        ROOT / "eval/pkgdocs/corpus",
        "report only, package READMEs, written before any run",
    ),
    "webmd": (
        ROOT / "eval/webmd/questions.jsonl",
        ROOT / "eval/webmd/corpus",
        "report only, saved web pages (one as .txt, one without suffix), Markdown, a PDF; "
        "written before any run",
    ),
    "webmd2": (
        ROOT / "eval/webmd2/questions.jsonl",
        ROOT / "eval/webmd2/corpus",
        "report only, a second folder of that kind (Sphinx, MkDocs, DocBook and Texinfo pages, "
        "npm and PyPI READMEs, a PDF) for #33's unseen check; written before any run",
    ),
    "multilingual": (
        ROOT / "eval/multilingual/questions.jsonl",
        ROOT / "eval/multilingual/corpus",
        "report only, Japanese, Chinese, German and French documents, questions in their "
        "language and in English; written before any run",
    ),
    "adversarial": (
        ROOT / "eval/adversarial/questions.jsonl",
        ROOT / "eval/adversarial/corpus",
        "report only, false premises and pages that instruct the assistant; written before any run",
    ),
    "adversarial-nqa": (
        ROOT / "eval/adversarial/narrativeqa_questions.jsonl",
        SHARED / "eval/narrativeqa/corpus",
        "report only, false premises about the stories; written before any run",
    ),
    "answerability-news": (
        ROOT / "eval/answerability/news.jsonl",
        ROOT / "corpus",
        "report only, near misses (right subject, wrong attribute; right attribute, wrong "
        "subject) and answerable twins; written before any run",
    ),
    "answerability-nqa": (
        ROOT / "eval/answerability/narrativeqa.jsonl",
        SHARED / "eval/narrativeqa/corpus",
        "report only, near misses about the stories and answerable twins; written before any run",
    ),
    "answerability-tech": (
        ROOT / "eval/answerability/techdocs.jsonl",
        ROOT / "eval/techdocs/corpus",
        "report only, near misses about package docs and answerable twins; written before any run",
    ),
}
START, END = "<!-- eval-sets:start -->", "<!-- eval-sets:end -->"
ASSISTANT = str(Path(sys.executable).parent / "assistant")


def index_for(corpus: Path, index_root: Path) -> Path:
    """The corpus's index folder under index_root, brought up to date by `assistant reindex`."""
    index = index_root / f"{corpus.parent.name}-{corpus.name}"
    places = ["--corpus", str(corpus), "--index", str(index)]
    subprocess.run([ASSISTANT, *places, "reindex"], check=True, capture_output=True)
    return index


def score(name: str, index_root: Path) -> dict[str, Any]:
    gold, corpus, _ = SETS[name]
    index = index_for(corpus, index_root)
    out = index_root / f"{name}-report"
    places = ["--corpus", str(corpus), "--index", str(index)]
    command = [ASSISTANT, "eval", str(gold), "--llm", "extractive", *places, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    overall: dict[str, Any] = json.loads((out / "metrics.json").read_text())["overall"]
    return overall


def row(name: str, before: dict[str, Any], now: dict[str, Any]) -> str:
    def pair(key: str, count: str, of: str) -> str:
        if not before:
            return f"– → {now[count]}/{now[of]}"
        return f"{before[count]}/{before[of]} → {now[count]}/{now[of]}"

    def rate(key: str) -> str:
        old = f"{before[key]:.0%}" if before and before.get(key) is not None else "–"
        new = f"{now[key]:.0%}" if now.get(key) is not None else "–"
        return f"{old} → {new}"

    return (
        f"| {name} ({SETS[name][2]}) | {pair('accuracy', 'correct', 'questions')} "
        f"| {pair('answerable_accuracy', 'answerable_correct', 'answerable')} "
        f"| {rate('citation_precision')} | {rate('abstention_accuracy')} "
        f"| {pair('false_abstention_rate', 'false_abstentions', 'answerable')} |"
    )


def table(results: dict[str, dict[str, Any]]) -> str:
    baseline = json.loads((ROOT / "eval/baseline_metrics.json").read_text())
    return "\n".join(
        [
            "| set | answer accuracy | answerable | citation precision "
            "| abstention accuracy | false abstentions |",
            "| --- | --- | --- | --- | --- | --- |",
            *(row(name, baseline.get(name, {}), now) for name, now in results.items()),
            "",
            "Before → after issue 10 (extractive backend); written by "
            "`.venv/bin/python eval/all_sets.py --readme docs/evaluation.md`.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/assistant-eval"))
    parser.add_argument("--readme", type=Path)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    args = parser.parse_args()
    args.index_root.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.sets:
        results[name] = score(name, args.index_root)
        print(f"{name}: {results[name]['correct']}/{results[name]['questions']}", flush=True)
    body = table(results)
    print(body)
    if args.readme:
        text = args.readme.read_text(encoding="utf-8")
        args.readme.write_text(replace_block(text, body, START, END), encoding="utf-8")


if __name__ == "__main__":
    main()
