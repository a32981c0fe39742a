"""The reader: which sentence of the retrieved passages answers the question, and which
of its words are the answer.

Every sentence of the top passages is a candidate, described by a few signals (below);
a logistic model fitted on question sets with known answers (``benchmarks/fit_reader.py``,
README "The lead sentence") weighs them into the probability that the sentence holds the
answer. No sentence is embedded at question time: the semantic signal is the passage's
own stored vector against the question's, which also makes the probability an absolute
measure, used for the "nothing relevant" verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.index.keyword.bm25 import Lexical
from qa.ingest.split import sentence_spans

from .answer_types import Kind, Span, answer_spans, focus, question_kind
from .answer_types import near as beside

#: Signals of a candidate sentence, in the order of ``WEIGHTS``.
FEATURES = (
    "passage_cosine",  # cosine of the passage's vector and the question's
    "overlap",  # share of the question's IDF weight whose terms the sentence has
    "context_overlap",  # the same over the sentence and its two neighbours
    "answer_type",  # holds words of the type the question asks for, not the question's own
    "typed_overlap",  # answer_type x overlap: the asked-for words beside the question's
    "focus",  # the noun the question asks about ("which *coach*") beside the answer words
    "novelty",  # share of its content terms that are not the question's
    "first",  # the passage's first sentence
    "lede",  # the article's first sentence
    "predicate_overlap",  # overlap on the question's terms other than its names
    "name_context",  # the question's names in the sentence or a neighbour ("it", "he"...)
)
#: Fitted by benchmarks/fit_reader.py on the dev questions, the tuning half of
#: benchmarks/questions/answers.jsonl and benchmarks/questions/tuning-extra.jsonl
#: (pairwise logistic regression; cross-validated there).
WEIGHTS = np.array([8.657, 1.774, 1.764, 3.228, -0.498, -0.175, -2.201, 0.095, -1.530, 3.466,
                    0.354])
BIAS = -10.936


@dataclass(frozen=True)
class Reading:
    """The best sentence ``hits[hit].text[start:end]``, its probability of holding the
    answer, and the answer words ``text[answer[0]:answer[1]]`` when the question asks for
    a type of words the sentence supplies."""

    hit: int
    start: int
    end: int
    score: float
    kind: Kind
    answer: tuple[int, int] | None = None


@dataclass(frozen=True)
class Candidate:
    hit: int
    start: int
    end: int
    features: np.ndarray
    spans: tuple[Span, ...]


def _idf(lexical: Lexical, terms: Sequence[str]) -> dict[str, float]:
    """BM25's IDF of each term in the index (unknown terms weigh as if in no passage)."""
    return lexical.idf(terms)


def candidates(question: str, texts: Sequence[str], starts: Sequence[int],
               cosines: Sequence[float], lexical: Lexical) -> list[Candidate]:
    """Every sentence of every passage ``texts`` (best first), with its signals."""
    kind = question_kind(question)
    layout = [[(a, b) for a, b, _ in sentence_spans(text)] for text in texts]
    flat = [text[a:b] for text, spans in zip(texts, layout) for a, b in spans]
    capitals = " ".join(w for w in question.split()[1:] if w[:1].isupper())
    asked, named, *terms_of = Lexical.terms([question, capitals, *flat])
    asked_set = set(asked)
    weight = _idf(lexical, asked_set)
    total = sum(weight.values()) or 1.0

    def share(terms: set[str], among: set[str]) -> float:
        wanted = sum(weight[t] for t in among)
        return sum(weight[t] for t in among if t in terms) / wanted if wanted else 0.0

    names, predicate = set(named) & asked_set, asked_set - set(named)
    out: list[Candidate] = []
    n = 0
    noun = focus(question)
    for i, (text, start, cosine) in enumerate(zip(texts, starts, cosines)):
        terms = [set(t) for t in terms_of[n : n + len(layout[i])]]
        n += len(layout[i])
        for j, (a, b) in enumerate(layout[i]):
            near = set().union(*terms[max(0, j - 1) : j + 2])
            found = answer_spans(question, text[a:b], kind)
            own = terms[j]
            overlap = sum(w for t, w in weight.items() if t in own) / total
            out.append(Candidate(i, a, b, np.array([
                cosine,
                overlap,
                sum(w for t, w in weight.items() if t in near) / total,
                float(bool(found)),
                float(bool(found)) * overlap,
                float(bool(noun) and any(beside(text[a:b], s, noun) for s in found)),
                len(own - asked_set) / len(own) if own else 0.0,
                float(j == 0),
                float(j == 0 and start == 0),
                share(own, predicate),
                share(near, names),
            ], dtype=np.float32), tuple(found)))
    return out


def probability(features: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(features @ WEIGHTS + BIAS)))


def read(question: str, texts: Sequence[str], starts: Sequence[int],
         cosines: Sequence[float], lexical: Lexical) -> list[Reading | None]:
    """For each passage of ``texts`` (best first), its sentence most likely to answer
    ``question`` (None for a passage without sentences)."""
    found = candidates(question, texts, starts, cosines, lexical)
    best: list[Reading | None] = [None] * len(texts)
    if not found:
        return best
    kind = question_kind(question)
    for c, score in zip(found, probability(np.stack([c.features for c in found])).tolist()):
        if best[c.hit] is None or score > best[c.hit].score:  # type: ignore[union-attr]
            answer = None
            if c.spans:
                answer = (c.start + c.spans[0].start, c.start + c.spans[0].end)
            best[c.hit] = Reading(c.hit, c.start, c.end, score, kind, answer)
    return best
