"""Pure scoring of batch results against gold questions. No I/O: dicts and texts in, scores out.

A gold question is answered correctly when every `must_include` regex matches the answer
(case-insensitively), no `must_not_include` regex does (a falsehood a document plants), at
least one gold file is cited, and the assistant did not abstain. An
unanswerable question is answered correctly by an abstention with no citations. Each citation's
quote is checked against the corpus as it is now.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

QuoteStatus = Literal["valid", "bad_offsets", "altered", "misattributed", "fabricated"]
QUOTE_STATUSES: tuple[QuoteStatus, ...] = (
    "valid",
    "bad_offsets",
    "altered",
    "misattributed",
    "fabricated",
)
Verdict = Literal["correct", "wrong", "error", "missing"]
STAGES = ("retrieve", "generate", "total")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class GoldQuestion:
    """One line of the gold file."""

    id: str
    question: str
    answerable: bool
    gold_files: tuple[str, ...]
    must_include: tuple[str, ...]
    must_not_include: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> GoldQuestion:
        """Validate a gold record; raises ValueError naming the bad field."""
        qid, question = record.get("id"), record.get("question")
        if not isinstance(qid, str) or not qid:
            raise ValueError("'id' must be a non-empty string")
        if not isinstance(question, str):
            raise ValueError("'question' must be a string")
        answerable = record.get("answerable", True)
        if not isinstance(answerable, bool):
            raise ValueError("'answerable' must be true or false")
        gold_files = _strings(record.get("gold_files", []), "gold_files")
        patterns = {
            name: _strings(record.get(name, []), name)
            for name in ("must_include", "must_not_include")
        }
        for name, found in patterns.items():
            for pattern in found:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"'{name}' pattern {pattern!r} is not a regex: {exc}") from exc
        return cls(
            qid,
            question,
            answerable,
            gold_files,
            patterns["must_include"],
            patterns["must_not_include"],
        )


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"'{name}' must be a list of strings")
    return tuple(value)


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space, trimmed."""
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class Corpus:
    """Corpus texts keyed by path relative to the corpus root, with whitespace-normalised twins."""

    texts: Mapping[str, str]
    normalised: Mapping[str, str]

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> Corpus:
        ordered = dict(sorted(texts.items()))
        return cls(ordered, {name: normalise_whitespace(text) for name, text in ordered.items()})


@dataclass(frozen=True)
class CitationCheck:
    """What one citation turned out to be."""

    n: Any
    file: str
    quote: str
    start: Any
    end: Any
    status: QuoteStatus
    in_gold: bool
    found_in: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "file": self.file,
            "status": self.status,
            "in_gold": self.in_gold,
            "found_in": list(self.found_in),
        }


def check_quote(citation: Mapping[str, Any], corpus: Corpus) -> tuple[QuoteStatus, tuple[str, ...]]:
    """Classify a citation's quote, with the other files it occurs verbatim in (if misattributed).

    valid: `file_text[start:end] == quote`. bad_offsets: verbatim in the cited file, elsewhere.
    misattributed: not verbatim in the cited file, verbatim in another. altered: only matches
    somewhere after whitespace normalisation. fabricated: nowhere, even normalised (or empty).
    """
    quote, file = str(citation.get("quote") or ""), str(citation.get("file") or "")
    if not quote.strip():
        return "fabricated", ()
    text = corpus.texts.get(file)
    if text is not None:
        start, end = citation.get("start"), citation.get("end")
        if _is_index(start) and _is_index(end) and text[start:end] == quote:
            return "valid", ()
        if quote in text:
            return "bad_offsets", ()
    elsewhere = tuple(
        name for name, other in corpus.texts.items() if name != file and quote in other
    )
    if elsewhere:
        return "misattributed", elsewhere
    wanted = normalise_whitespace(quote)
    if any(wanted in normalised for normalised in corpus.normalised.values()):
        return "altered", ()
    return "fabricated", ()


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class QuestionScore:
    """The verdict on one gold question and the evidence for it."""

    gold: GoldQuestion
    verdict: Verdict
    reasons: tuple[str, ...]
    answer: str = ""
    abstained: bool = False
    citations: tuple[CitationCheck, ...] = ()
    error: str | None = None
    timings_ms: Mapping[str, float] | None = None
    dropped_quotes: int = 0
    answered_by: str | None = None  # the backend that gave the answer (`auto` may fall back)
    sentences_removed: int = 0
    related: tuple[str, ...] = ()  # files of the related passages an abstention showed

    @property
    def correct(self) -> bool:
        return self.verdict == "correct"

    @property
    def false_abstention(self) -> bool:
        return self.gold.answerable and self.abstained and self.verdict != "error"

    def citation_precision(self) -> float | None:
        if not self.gold.answerable or not self.citations:
            return None
        return _ratio(sum(c.in_gold for c in self.citations), len(self.citations))

    def quote_counts(self) -> dict[str, int]:
        return {
            status: sum(c.status == status for c in self.citations) for status in QUOTE_STATUSES
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.gold.id,
            "answerable": self.gold.answerable,
            "verdict": self.verdict,
            "correct": self.correct,
            "reasons": list(self.reasons),
            "abstained": self.abstained,
            "false_abstention": self.false_abstention,
            "citation_precision": self.citation_precision(),
            "quotes": self.quote_counts(),
            "citations": [c.to_json() for c in self.citations],
            "error": self.error,
            "answered_by": self.answered_by,
            "related": list(self.related),
            "sentences_removed": self.sentences_removed,
        }


def score_question(
    gold: GoldQuestion, result: Mapping[str, Any] | None, corpus: Corpus
) -> QuestionScore:
    """Score one result line (or its absence) against its gold question."""
    if result is None:
        return QuestionScore(gold, "missing", ("no result line for this question",))
    if "error" in result:
        error = str(result["error"])
        return QuestionScore(gold, "error", (error,), error=error)
    answer = str(result.get("answer") or "")
    abstained = bool(result.get("abstained", False))
    raw_citations = [c for c in result.get("citations") or [] if isinstance(c, Mapping)]
    checks = tuple(_check_citation(c, gold, corpus) for c in raw_citations)
    reasons = (
        _answerable_reasons(gold, answer, abstained, checks)
        if gold.answerable
        else (_unanswerable_reasons(abstained, checks))
    )
    timings = result.get("timings_ms")
    backend = result.get("backend")
    answered_by = backend.get("llm") if isinstance(backend, Mapping) else None
    return QuestionScore(
        gold,
        "wrong" if reasons else "correct",
        reasons,
        answer,
        abstained,
        checks,
        timings_ms=timings if isinstance(timings, Mapping) else None,
        dropped_quotes=_int(result.get("dropped_quotes")),
        answered_by=answered_by if isinstance(answered_by, str) else None,
        sentences_removed=_int(result.get("unsupported_sentences")),
        related=tuple(
            str(c.get("file") or "")
            for c in result.get("related") or []
            if isinstance(c, Mapping) and abstained
        ),
    )


def _check_citation(
    citation: Mapping[str, Any], gold: GoldQuestion, corpus: Corpus
) -> CitationCheck:
    status, found_in = check_quote(citation, corpus)
    file = str(citation.get("file") or "")
    return CitationCheck(
        citation.get("n"),
        file,
        str(citation.get("quote") or ""),
        citation.get("start"),
        citation.get("end"),
        status,
        file in gold.gold_files,
        found_in,
    )


def wording_reasons(gold: GoldQuestion, answer: str) -> list[str]:
    """What the answer's text gets wrong against the gold: a `must_include` pattern it
    lacks, a `must_not_include` one it has."""
    missing = [
        f"missing /{p}/" for p in gold.must_include if not re.search(p, answer, re.IGNORECASE)
    ]
    said = [f"says /{p}/" for p in gold.must_not_include if re.search(p, answer, re.IGNORECASE)]
    return missing + said


def _answerable_reasons(
    gold: GoldQuestion, answer: str, abstained: bool, checks: Sequence[CitationCheck]
) -> tuple[str, ...]:
    reasons = ["abstained (false abstention)"] if abstained else []
    reasons += wording_reasons(gold, answer)
    if not any(check.in_gold for check in checks):
        reasons.append("no gold file cited")
    return tuple(reasons)


def _unanswerable_reasons(abstained: bool, checks: Sequence[CitationCheck]) -> tuple[str, ...]:
    reasons = [] if abstained else ["answered an unanswerable question"]
    if checks:
        reasons.append(f"{len(checks)} citation(s) on an unanswerable question")
    return tuple(reasons)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclass(frozen=True)
class RunScore:
    """Every question's score plus what could not be matched to a gold question."""

    questions: tuple[QuestionScore, ...]
    unmatched_results: tuple[str, ...] = ()

    def overall(self) -> dict[str, Any]:
        return summarise(self.questions)

    def latency_ms(self) -> dict[str, dict[str, Any]]:
        return latency_summary(q.timings_ms for q in self.questions if q.timings_ms)


def score_run(
    golds: Sequence[GoldQuestion], results: Sequence[Mapping[str, Any]], corpus: Corpus
) -> RunScore:
    """Match results to gold questions by id (or, lacking one, by question text) and score them."""
    by_id: dict[str, Mapping[str, Any]] = {}
    by_question: dict[str, Mapping[str, Any]] = {}
    for result in results:
        if isinstance(result.get("id"), str):
            by_id.setdefault(result["id"], result)
        else:
            by_question.setdefault(str(result.get("question")), result)
    scores = []
    for gold in sorted(golds, key=lambda g: g.id):
        matched = by_id.get(gold.id, by_question.get(gold.question))
        scores.append(score_question(gold, matched, corpus))
    known_ids = {g.id for g in golds}
    known_questions = {g.question for g in golds}
    unmatched = sorted(
        {rid for rid in by_id if rid not in known_ids}
        | {q for q in by_question if q not in known_questions}
    )
    return RunScore(tuple(scores), tuple(unmatched))


def summarise(scores: Sequence[QuestionScore]) -> dict[str, Any]:
    """The overall metrics. Rates are None when nothing is there to divide by."""
    answerable = [s for s in scores if s.gold.answerable]
    unanswerable = [s for s in scores if not s.gold.answerable]
    answerable_citations = [c for s in answerable for c in s.citations]
    all_citations = [c for s in scores for c in s.citations]
    quotes = {status: sum(c.status == status for c in all_citations) for status in QUOTE_STATUSES}
    correct = sum(s.correct for s in scores)
    abstained_right = sum(s.correct for s in unanswerable)
    false_abstentions = sum(s.false_abstention for s in answerable)
    return {
        "questions": len(scores),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "correct": correct,
        "accuracy": _ratio(correct, len(scores)),
        "answerable_correct": sum(s.correct for s in answerable),
        "answerable_accuracy": _ratio(sum(s.correct for s in answerable), len(answerable)),
        "citations": len(all_citations),
        "citation_precision": _ratio(
            sum(c.in_gold for c in answerable_citations), len(answerable_citations)
        ),
        "quote_validity": _ratio(quotes["valid"], len(all_citations)),
        "quotes": quotes,
        "abstention_accuracy": _ratio(abstained_right, len(unanswerable)),
        "false_abstentions": false_abstentions,
        "false_abstention_rate": _ratio(false_abstentions, len(answerable)),
        "errors": sum(s.verdict == "error" for s in scores),
        "missing": sum(s.verdict == "missing" for s in scores),
        "dropped_quotes": sum(s.dropped_quotes for s in scores),
        "sentences_removed": sum(s.sentences_removed for s in scores),
        # related passages are shown apart and never count as an answer or a citation
        "abstentions": sum(s.abstained for s in scores),
        "abstentions_with_related": sum(bool(s.related) for s in scores),
        "answered_by": dict(
            sorted(Counter(s.answered_by for s in scores if s.answered_by).items())
        ),
    }


def latency_summary(timings: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """p50 and p95 (linear interpolation) of each stage's milliseconds, and how many were timed."""
    rows = list(timings)
    summary: dict[str, dict[str, Any]] = {}
    for stage in STAGES:
        values = [float(row[stage]) for row in rows if _is_number(row.get(stage))]
        summary[stage] = {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "n": len(values),
        }
    return summary


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile by linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 1)


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None
