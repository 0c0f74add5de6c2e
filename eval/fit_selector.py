"""Fit the extractive answer selector's weights and thresholds on both shared gold sets.

    .venv/bin/python eval/fit_selector.py [--folds 5] [--ablate] [--markdown eval/SELECTOR.md]

Each gold set is answered by the real retriever over its own index (`assistant reindex` into
/tmp/assistant-eval/…, or $ASSISTANT_EVAL_INDEXES; retrieval is cached there, `--refresh`
after changing retrieval or candidate sentences); every candidate sentence's
features are computed by `assistant.answer.selector.features`, and a sentence is labelled a
good answer when it is in a gold file and matches a `must_include` pattern. A logistic
regression (numpy, L2) is fitted on the sentences of both sets together; the abstention
threshold and the follow-on margin are then chosen on question-level accuracy, which is
what `assistant eval` scores (every pattern matched, a gold file cited, abstentions right).
Cross-validation folds are by question; the CV accuracy is reported per set. Report-only sets
(heldout, test, regression, techdocs) are scored with the final parameters (`--report`,
SELECTOR.md) and never used to fit.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.answer.selector import (  # noqa: E402
    FEATURES,
    SELECTOR,
    UNSEEN,
    Candidate,
    SelectorParams,
    candidates,
    features,
    scores,
    select,
)
from assistant.config import Settings  # noqa: E402
from assistant.evaluation.files import load_corpus, load_gold  # noqa: E402
from assistant.evaluation.scoring import GoldQuestion  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from assistant.text.textnorm import terms  # noqa: E402
from eval.all_sets import SETS as ALL  # noqa: E402
from eval.all_sets import index_for  # noqa: E402
from eval.nearmiss import near_misses  # noqa: E402

# name: (gold file, corpus, used for fitting); the same sets as eval/all_sets.py, indexed
# into the same folders (INDEX_ROOT/<corpus folder's parent>-<corpus folder>).
# FIT (comma-separated set names) fits on other sets than the two shared ones, for trials.
FIT = os.environ.get("FIT", "")
SETS = {
    name: (gold, corpus, name in FIT.split(",") if FIT else role == "fitted on")
    for name, (gold, corpus, role) in ALL.items()
}
INDEX_ROOT = Path(os.environ.get("ASSISTANT_EVAL_INDEXES", "/tmp/assistant-eval"))
CACHE = INDEX_ROOT / "fit-cache.pickle"
NEAR_MISS_CACHE = INDEX_ROOT / "fit-nearmiss.pickle"


# The fit's targets, pooled over the fitted sets (issue 10's "done when"): abstain on 95% of
# the questions the corpus cannot answer, on at most 5% of those it can.
ABSTAIN_TARGET = 0.95
FALSE_TARGET = 0.05
# A sentence that does not help the answer still costs its reader: each sentence of an answer
# costs this much accuracy, so that a further sentence must add about 1 in 50 answers.
LENGTH_COST = 0.02
RANKING = False
REPEATS = 2
# The gate sees the best sentence's score and these of its features.
GATE_FEATURES = os.environ.get("GATE", ",".join(FEATURES)).split(",")
GATE_MASK = np.array([f in GATE_FEATURES for f in FEATURES], dtype=float)
GATE_L2 = float(os.environ.get("GATE_L2", "1.0"))
RANK_MASK = np.array([f not in os.environ.get("DROP", "").split(",") for f in FEATURES])


@dataclass
class Question:
    set: str
    id: str
    question: str
    answerable: bool
    gold_files: tuple[str, ...]
    patterns: tuple[str, ...]
    pool: list[Candidate]
    idf: dict[str, float]
    rows: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros((0, len(FEATURES))))
    labels: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))

    def featurise(self) -> None:
        self.rows = features(self.question, self.pool, lambda t: self.idf.get(t, 0.0))
        self.labels = np.array(
            [
                self.answerable
                and c.file in self.gold_files
                and any(re.search(p, c.quote, re.I) for p in self.patterns)
                for c in self.pool
            ],
            dtype=float,
        )

    def correct(self, picked: list[Candidate]) -> bool:
        if not self.answerable:
            return not picked
        text = " ".join(c.quote for c in picked)
        return (
            bool(picked)
            and all(re.search(p, text, re.I) for p in self.patterns)
            and any(c.file in self.gold_files for c in picked)
        )


def collect(name: str, near_miss: bool = False) -> list[Question]:
    """The set's questions with their candidate sentences; with `near_miss`, the near-miss
    negatives made from its answerable questions (eval/nearmiss.py) instead."""
    gold_path, corpus, _ = SETS[name]
    index = index_for(corpus, INDEX_ROOT)  # built or brought up to date first
    assistant = Assistant(Settings(corpus=corpus, index=index, llm="extractive"))
    engine = assistant._current_engine()
    golds = load_gold(gold_path)
    if near_miss:
        texts, _ = load_corpus(corpus)
        made = near_misses(golds, texts, engine.retriever.idf)
        golds = [GoldQuestion(m.id, m.question, False, (), ()) for m in made]
    found = []
    for gold in golds:
        passages = engine.retriever.search(gold.question, assistant.settings.top_k)
        pool = candidates(passages)
        words = {t for c in pool for t in terms(f"{c.quote} {c.before} {c.after}")}
        words |= {*terms(gold.question), UNSEEN}
        idf = {t: engine.retriever.idf(t) for t in words}
        found.append(
            Question(
                name,
                gold.id,
                gold.question,
                gold.answerable,
                gold.gold_files,
                gold.must_include,
                pool,
                idf,
            )
        )
    return found


def load(refresh: bool) -> dict[str, list[Question]]:
    """Retrieval and embeddings for every set, cached (features are recomputed each run)."""
    if CACHE.exists() and not refresh:
        data = pickle.loads(CACHE.read_bytes())
        missing = {name: collect(name) for name in SETS if name not in data}
        if missing:  # a set added since the cache was written
            data |= missing
            CACHE.write_bytes(pickle.dumps(data))
    else:
        data = {name: collect(name) for name in SETS}
        CACHE.write_bytes(pickle.dumps(data))
    for questions in data.values():
        for q in questions:
            q.featurise()
    return data


def load_near_misses(refresh: bool) -> list[Question]:
    """Near-miss negatives of the fitted sets, retrieved and cached; reported, not fitted on."""
    if NEAR_MISS_CACHE.exists() and not refresh:
        questions: list[Question] = pickle.loads(NEAR_MISS_CACHE.read_bytes())
    else:
        fitted = [name for name, (*_, fit_on) in SETS.items() if fit_on]
        questions = [q for name in fitted for q in collect(name, near_miss=True)]
        NEAR_MISS_CACHE.write_bytes(pickle.dumps(questions))
    for q in questions:
        q.featurise()
    return questions


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x1 @ w)))
        grad = x1.T @ (p - y) + penalty @ w
        hess = (x1 * (p * (1 - p))[:, None]).T @ x1 + penalty
        w -= np.linalg.solve(hess, grad)
    return w


def fit_ranking(
    questions: list[Question],
    keep: np.ndarray,
    start: np.ndarray,
    l2: float = 1.0,
    steps: int = 300,
) -> np.ndarray:
    """Refine logistic weights (bias last) with a per-question ranking loss: the good
    sentences of a question should outscore its other sentences (a conditional logit), while
    the logistic loss keeps scores on a scale the abstention threshold can use."""
    groups = [
        (np.hstack([q.rows[:, keep], np.ones((len(q.rows), 1))]), q.labels)
        for q in questions
        if len(q.rows)
    ]
    x_all = np.vstack([x for x, _ in groups])
    y_all = np.concatenate([y for _, y in groups])
    w = start.copy()
    mean_sq = np.zeros_like(w)
    for _ in range(steps):
        grad = np.zeros_like(w)
        for x, y in groups:
            if not y.any():
                continue
            s = x @ w
            every = np.exp(s - s.max())
            good = every * y
            grad += x.T @ (every / every.sum()) - x.T @ (good / good.sum())
        p = 1 / (1 + np.exp(-(x_all @ w)))
        grad += x_all.T @ (p - y_all) + l2 * np.append(w[:-1], 0.0)
        mean_sq = 0.9 * mean_sq + 0.1 * grad**2
        w -= 0.05 * grad / (np.sqrt(mean_sq) + 1e-8)
    return w


def accuracy(questions: list[Question], params: SelectorParams) -> float:
    if not questions:
        return float("nan")
    return sum(q.correct(select(q.pool, q.rows, params)) for q in questions) / len(questions)


def metrics(questions: list[Question], params: SelectorParams) -> dict[str, float]:
    """What `assistant eval` reports: accuracy over the answerable, abstentions on the rest,
    citation precision, false abstentions."""
    answerable = [q for q in questions if q.answerable]
    right = cited = in_gold = false_abstained = abstained_out = 0
    for q in questions:
        picked = select(q.pool, q.rows, params)
        if q.answerable:
            right += q.correct(picked)
            false_abstained += not picked
            cited += len(picked)
            in_gold += sum(c.file in q.gold_files for c in picked)
        else:
            abstained_out += not picked
    out = len(questions) - len(answerable)
    return {
        "answerable": round(right / max(len(answerable), 1), 3),
        "abstained_out": round(abstained_out / out, 3) if out else float("nan"),
        "precision": round(in_gold / max(cited, 1), 3),
        "false_abst": round(false_abstained / max(len(answerable), 1), 3),
    }


def balanced(questions: list[Question], params: SelectorParams) -> float:
    """What the fit maximises: the mean of the per-set accuracies (each set counts alike)."""
    sets = sorted({q.set for q in questions})
    mean = float(np.mean([accuracy([q for q in questions if q.set == s], params) for s in sets]))
    unanswerable = [q for q in questions if not q.answerable]
    abstained = accuracy(unanswerable, params) if unanswerable else 1.0
    answerable = [q for q in questions if q.answerable]
    picked = [len(select(q.pool, q.rows, params)) for q in answerable]
    false = picked.count(0) / max(len(answerable), 1)
    length = sum(picked) / max(len(picked) - picked.count(0), 1)
    return (
        mean
        - 2 * max(0.0, ABSTAIN_TARGET - abstained)
        - 2 * max(0.0, false - FALSE_TARGET)
        - LENGTH_COST * length
    )


def fit(questions: list[Question], mask: np.ndarray | None = None) -> SelectorParams:
    """The ranker by logistic regression on sentences; how many sentences follow by grid
    search on answerable accuracy; the gate by logistic regression on questions (does the
    corpus answer it at all?), its bias then set by grid search on accuracy."""
    keep = np.ones(len(FEATURES), bool) if mask is None else mask
    x = np.vstack([q.rows for q in questions if len(q.rows)])[:, keep]
    y = np.concatenate([q.labels for q in questions if len(q.rows)])
    w = fit_logistic(x, y)
    if RANKING:
        w = fit_ranking(questions, keep, w)
    full = np.zeros(len(FEATURES))
    full[keep] = w[:-1]
    always = (0.0, *(0.0,) * len(FEATURES), 1.0)
    base = SelectorParams(tuple(float(v) for v in full), float(w[-1]), always, 0.0)
    margins = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0)
    answerable = [q for q in questions if q.answerable]
    base = max(
        (
            dataclasses.replace(base, margin=margin, max_sentences=most, same_file=same)
            for margin in margins
            for most, same in ((1, True), (2, True), (3, True), (3, False))
        ),
        key=lambda p: (balanced(answerable, p), -p.max_sentences),
    )
    best_rows, right = [], []
    for q in questions:
        if not len(q.rows):
            continue
        score = scores(q.rows, base)
        top = int(np.argmax(score))
        best_rows.append(np.concatenate([[score[top]], q.rows[top] * keep * GATE_MASK]))
        right.append(float(q.answerable))
    g = fit_logistic(np.array(best_rows), np.array(right), l2=GATE_L2)
    best, best_score = base, -1.0
    for shift in np.arange(-3.0, 3.01, 0.25):
        params = dataclasses.replace(base, gate=(*map(float, g[:-1]), float(g[-1] + shift)))
        score_ = balanced(questions, params)
        if score_ > best_score:
            best, best_score = params, score_
    return best


def cross_validate(
    questions: list[Question], folds: int, mask: np.ndarray | None = None, seed: int = 0
) -> dict[str, float]:
    """Per-set accuracy of k-fold CV, folds by question (stratified by set)."""
    rng = np.random.default_rng(seed)
    fold_of = {}
    for name in sorted({q.set for q in questions}):
        ids = [q.id for q in questions if q.set == name]
        for i, qid in enumerate(rng.permutation(ids)):
            fold_of[qid] = i % folds
    right: dict[str, list[bool]] = {}
    for k in range(folds):
        train = [q for q in questions if fold_of[q.id] != k]
        params = fit(train, mask)
        for q in questions:
            if fold_of[q.id] == k:
                right.setdefault(q.set, []).append(q.correct(select(q.pool, q.rows, params)))
    return {name: float(np.mean(v)) for name, v in right.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ablate", action="store_true", help="refit without each feature")
    parser.add_argument("--markdown", type=Path, help="write the feature table here")
    parser.add_argument("--eliminate", action="store_true", help="backward feature elimination")
    parser.add_argument("--write", action="store_true", help="write the fitted SELECTOR")
    parser.add_argument("--report", action="store_true", help="also score the report-only sets")
    parser.add_argument("--failures", help="print the wrong answers of this set")
    parser.add_argument("--refresh", action="store_true", help="retrieve again (after changes)")
    parser.add_argument(
        "--near-miss", action="store_true", help="report near-miss negatives (eval/nearmiss.py)"
    )
    args = parser.parse_args()
    data = load(args.refresh)
    if args.near_miss:
        near = load_near_misses(args.refresh)
        for kind in ("name", "kind", "term"):
            made = [q for q in near if q.id.endswith(f"~{kind}")]
            held = accuracy(made, SELECTOR) if len(SELECTOR.gate) == len(FEATURES) + 2 else None
            print(f"near-miss {kind}: {len(made)} questions, abstained on {held}")
    train = [q for name, (*_, fitted) in SETS.items() if fitted for q in data[name]]
    for name, questions in data.items():
        oracle = np.mean([q.labels.any() for q in questions if q.answerable])
        print(
            f"{name}: {len(questions)} questions; a good sentence retrieved for {oracle:.0%}"
            " of the answerable"
        )
    params = fit(train, RANK_MASK)
    print("fitted:", params)
    shown = [n for n in SETS if SETS[n][2] or args.report]
    current = len(SELECTOR.weights) == len(FEATURES) == len(SELECTOR.gate) - 2
    if current:
        print("current SELECTOR:", {n: round(accuracy(data[n], SELECTOR), 3) for n in shown})
    print("fitted on all:", {n: round(accuracy(data[n], params), 3) for n in shown})
    for name in shown:
        now = metrics(data[name], SELECTOR) if current else "-"
        print(f"  {name}: now {now} fitted {metrics(data[name], params)}")
    if args.eliminate:
        mask = eliminate(train, args.folds)
        print("keep:", [f for f, k in zip(FEATURES, mask, strict=True) if k])
        return
    if args.write:
        write_params(params)
    if args.failures:
        failures(data[args.failures], params)
        return
    cv = repeated_cv(train, args.folds, RANK_MASK)
    print(f"{args.folds}-fold CV ({REPEATS} shuffles):", {n: round(v, 3) for n, v in cv.items()})
    rows = [("all features", cv, params)]
    if args.ablate:
        for i, feature in enumerate(FEATURES):
            mask = RANK_MASK.copy()
            mask[i] = False
            dropped = repeated_cv(train, args.folds, mask)
            print(f"without {feature}: {dropped}")
            rows.append((f"without {feature}", dropped, params))
    if args.markdown:
        write_markdown(args.markdown, params, rows, data, args.folds)


def repeated_cv(questions: list[Question], folds: int, mask: np.ndarray) -> dict[str, float]:
    """k-fold CV averaged over REPEATS shuffles (12 dev questions make one split noisy)."""
    runs = [cross_validate(questions, folds, mask, seed) for seed in range(REPEATS)]
    return {name: float(np.mean([r[name] for r in runs])) for name in runs[0]}


def eliminate(questions: list[Question], folds: int) -> np.ndarray:
    """Backward elimination: drop the feature whose removal helps most while hurting no
    set, until every remaining feature's removal hurts some set."""
    mask = RANK_MASK.copy()
    score = repeated_cv(questions, folds, mask)
    print("all:", score)
    while True:
        trials = []
        for i in np.flatnonzero(mask):
            trial = mask.copy()
            trial[i] = False
            cv = repeated_cv(questions, folds, trial)
            print(f"  without {FEATURES[i]}: {cv}")
            if all(cv[n] >= score[n] for n in score):
                trials.append((sum(cv.values()), i, cv))
        if not trials:
            return mask
        _, drop, score = max(trials)
        mask[drop] = False
        print(f"dropped {FEATURES[drop]}: {score}")


def write_params(params: SelectorParams) -> None:
    """Rewrite the `SELECTOR = SelectorParams(...)` block of the selector module."""
    path = ROOT / "assistant/answer/selector.py"
    text = path.read_text()
    start = text.index("SELECTOR = SelectorParams(")
    end = text.index("\n)\n", start) + 3

    def numbers(values: tuple[float, ...]) -> str:
        return ", ".join(f"{v:.3f}" for v in values)

    block = (
        "SELECTOR = SelectorParams(\n"
        f"    weights=({numbers(params.weights)}),\n"
        f"    bias={params.bias:.3f},\n"
        f"    gate=({numbers(params.gate)}),\n"
        f"    margin={params.margin:.3f},\n"
        f"    max_sentences={params.max_sentences},\n"
        f"    same_file={params.same_file},\n"
        ")\n"
    )
    path.write_text(text[:start] + block + text[end:])


def write_markdown(path: Path, params: SelectorParams, rows: list, data: dict, folds: int) -> None:
    sets = [n for n, (*_, fitted) in SETS.items() if fitted]
    base = rows[0][1]

    def worth(cv: dict[str, float]) -> str:
        return " | ".join(f"{base[s] - cv[s]:+.3f}" for s in sets)

    lines = [
        "# The extractive selector: parameters, and what each feature is worth on each set",
        "",
        "Written by `.venv/bin/python eval/fit_selector.py --ablate --markdown eval/SELECTOR.md`",
        "(indexes built first, see the script's docstring). The parameters are",
        "`assistant/answer/selector.py`'s `SELECTOR`, written by the same script with `--write`.",
        "",
        f"Accuracy is question-level as `assistant eval` scores it, {folds}-fold",
        f"cross-validated over dev + narrativeqa together (folds by question, {REPEATS} shuffles).",
        "A feature's worth on a set is how much the CV accuracy there drops when the feature is",
        "left out and everything is fitted again (positive: the feature helps).",
        "",
        "| feature | ranker weight | gate weight | worth on " + " | worth on ".join(sets) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in sets) + " |",
        f"| (the best sentence's score) | | {params.gate[0]:+.2f} | "
        + " | ".join("" for _ in sets)
        + " |",
    ]
    ablation = {label.removeprefix("without "): cv for label, cv, _ in rows[1:]}
    for i, feature in enumerate(FEATURES):
        cells = worth(ablation[feature]) if feature in ablation else " | ".join("" for _ in sets)
        lines.append(
            f"| {feature} | {params.weights[i]:+.2f} | {params.gate[i + 1]:+.2f} | {cells} |"
        )
    lines += [
        f"| bias | {params.bias:+.2f} | {params.gate[-1]:+.2f} | |",
        "",
        f"Further sentences (same file only: {params.same_file}) follow the best one when they",
        f"score within {params.margin:.2f} of it, up to {params.max_sentences} in all. The fit",
        f"charges {LENGTH_COST} accuracy per sentence of an answer, so that sentences which do",
        "not help are left out.",
        "",
        "| CV accuracy, all features | " + " | ".join(sets) + " |",
        "| --- | " + " | ".join("---" for _ in sets) + " |",
        "| | " + " | ".join(f"{base[s]:.3f}" for s in sets) + " |",
        "",
        "Fourteen candidate features were fitted. Backward elimination (`--eliminate`: leave",
        "out the feature whose removal helps most while lowering no set's CV accuracy, until",
        "none can go) dropped four, CV accuracy dev / narrativeqa going from 0.833 / 0.804 to",
        "0.958 / 0.853: MiniLM closeness of sentence and question, the neighbours' share of",
        "the question's words, an answer of the asked kind within four words of a question",
        "word, and the passage's fused retrieval score. Of the ten left, five each helped one",
        "set and cost the other: idf-weighted coverage of the question, the same for its words",
        "outside its names, no answer of the asked kind, the question's names absent from the",
        "whole passage, and the passage's coverage of the question. Leaving all five out (with",
        "the length cost below) moved CV accuracy from 0.917 / 0.835 to 1.000 / 0.804, a better",
        "mean of the two sets, so they went too. Of the five that remain, `unknown` and `rank`",
        "cost narrativeqa a little and help dev much more (table above): they stay on the mean,",
        "the quantity the fit maximises.",
        "",
        "The fitted parameters on every set (simulated from the cached retrieval, as the fit",
        "sees it; the report-only sets were never used to fit or to choose features):",
        "",
        "| set | accuracy | answerable | abstained, of the unanswerable "
        "| citation precision | false abstentions |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, questions in data.items():
        m = metrics(questions, params)
        lines.append(
            f"| {name} | {accuracy(questions, params):.3f} | {m['answerable']:.3f} "
            f"| {m['abstained_out']:.3f} | {m['precision']:.3f} | {m['false_abst']:.3f} |"
        )
    kept = path.read_text().split("\n## ", 1) if path.exists() else []
    tail = ["", f"## {kept[1].rstrip()}"] if len(kept) == 2 else []  # the hand-written sections
    path.write_text("\n".join([*lines, *tail, ""]))


def failures(questions: list[Question], params: SelectorParams) -> None:
    """Print each wrong answer: what was picked, and the best good sentence's rank."""
    for q in questions:
        score = scores(q.rows, params)
        picked = select(q.pool, q.rows, params)
        if q.correct(picked):
            continue
        order = list(np.argsort(-score))
        good = [order.index(i) for i in np.flatnonzero(q.labels)]
        best = min(good) if good else None
        top = score[order[0]] if order else None
        print(
            f"- {q.id} {q.question} | want {q.patterns} | good@{best} top={top:.2f}"
            if top is not None
            else f"- {q.id} no pool"
        )
        for c in picked:
            print(f"    picked {c.file[:20]}: {c.quote[:150]!r}")
        if best is not None:
            i = order[best]
            print(f"    good {score[i]:.2f} {np.round(q.rows[i], 2)} {q.pool[i].quote[:120]!r}")
            j = order[0]
            print(f"    top  {score[j]:.2f} {np.round(q.rows[j], 2)}")


if __name__ == "__main__":
    main()
