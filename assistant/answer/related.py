"""What the documents say nearest to a question they do not answer (pure, any language).

When the answer abstains, a researcher still wants to know what the corpus holds on the
subject asked about: "What breed is Bruce Nolan's dog?" over a story that only says he
potty-trains it. The passage shown is *related*, not an answer: a citation kind of its own,
listed apart from answer citations and never counted as an answer.

The passage is the extractive selector's best-ranked sentence that is about what the question
asks about. The question's informative terms (`terms.informative`) that some chunk holds are
weighed by rarity (words no chunk holds, "colour", "breed", cannot be looked for); a related
sentence holds the rarest of them ("chaise" in "How much did Yorick pay for his chaise?") or
at least half their weight, and every name the question asks about stands whole in it,
beside it or in its file's name ("He buys a chaise" in the story of Yorick's journey; not a
patent clause of another licence for "the Eclipse Public License"). Names are read as the
selector reads them, from capital letters (`selector.asked_names`): in a script without
capitals there are none, and the term test alone decides. A question nothing retrieved is
about has no related passage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.citations import ProposedQuote
from assistant.answer.selector import asked_names, candidates, features, scores
from assistant.answer.terms import Share, Vocabulary, informative, tokens
from assistant.types import Passage

MIN_SUBJECT_WEIGHT = 0.5  # of the question's informative weight, held by a related sentence
RANKS_LOOKED_AT = 20  # the selector's best sentences looked at, best first


@dataclass(frozen=True)
class Related:
    """A sentence on the question's subject, and the question's words that it mentions."""

    quote: ProposedQuote
    mentions: str  # "Bruce Nolan's dog": the question's words the sentence holds, as written


def related(
    question: str,
    passages: Sequence[Passage],
    idf: Callable[[str], float],
    share: Share,
) -> Related | None:
    """The retrieved sentence nearest to the question that names its subject, or None."""
    weighed = sorted(
        (w for w in informative(question, share) if share(w.term) > 0.0), key=lambda w: -w.weight
    )
    total = sum(w.weight for w in weighed)
    pool = candidates(passages)
    if not pool or total <= 0:
        return None
    ranked = scores(features(question, pool, idf))
    names = [set(tokens(name)) for name in asked_names(question, pool)]
    for index in sorted(range(len(pool)), key=lambda i: -ranked[i])[:RANKS_LOOKED_AT]:
        cand = pool[index]
        said = Vocabulary(tokens(cand.shown))
        around = Vocabulary(tokens(f"{cand.shown} {cand.before} {cand.after} {cand.file}"))
        found = sum(w.weight for w in weighed if said.has(w.term))
        about = said.has(weighed[0].term) or found >= MIN_SUBJECT_WEIGHT * total - 1e-9
        if about and all(around.has(t) for name in names for t in name):
            quote = ProposedQuote(cand.file, cand.quote, cand.near, cand.corroborating)
            return Related(quote, _mentioned(question, said, {w.term for w in weighed}))
    return None


def _mentioned(question: str, said: Vocabulary, informative_terms: set[str]) -> str:
    """The question's words, as written, that the sentence holds: runs of them joined, each
    run kept whole ("Bruce Nolan's dog"), the runs joined by commas."""
    runs: list[list[str]] = [[]]
    for word in question.rstrip("?？.!").split(" "):
        found = [t for t in tokens(word) if t in informative_terms and said.has(t)]
        if found:
            runs[-1].append(word.strip("“”\"'(),;:"))
        elif runs[-1]:
            runs.append([])
    return ", ".join(" ".join(run) for run in runs if run)
