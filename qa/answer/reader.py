"""The reader: which sentence of the retrieved passages answers the question, and which
of its words are the answer.

The trained reader (:mod:`qa.answer.reader_model`) reads the question with each passage
and scores every answer span of it against "no answer here"; a sentence's main signal
is its best span's score. More signals join it, weighed by a logistic model fitted on
the tuning questions (``benchmarks/fit_reader.py``): the passage's *answers* logit, the
hand-made signals below (one logit: the earlier, rules-only reader), whether the span
holds words of the type asked for or cannot be what is asked, and whether the network
read the passage at all. The result is the probability that the sentence holds the
answer, which also decides whether anything is relevant at all. The answer words are
the best span's, shown only when its calibrated confidence passes a threshold chosen for
precision on the tuning half.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.index.keyword.bm25 import Lexical
from qa.ingest.split import sentence_spans

from .answer_types import Kind, Span, answer_spans, fits, focus, qualified, question_kind
from .answer_types import near as beside
from .reader_model import TrainedReader

#: Hand-made signals of a candidate sentence, in the order of ``WEIGHTS``.
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

#: What the final score weighs, in the order of ``SIGNAL_WEIGHTS``.
SIGNALS = (
    "span",  # the sentence's best answer span against its passage's "no answer" score
    "answers",  # the passage's answers logit
    "rules",  # the hand-made signals' logit (WEIGHTS, BIAS)
    "typed",  # the span holds words of the type asked for ("17.3 million" for "how many")
    "misfit",  # the span cannot be what is asked: a share or a ratio for "how many"
    "read",  # the network read the sentence's passage (the first ``network`` hits)
)
MISFIT = SIGNALS.index("misfit")
#: Fitted by benchmarks/fit_reader.py on the tuning questions (see its docstring).
SIGNAL_WEIGHTS = np.array([0.335, -0.301, 0.377, 1.451, -0.968, -5.623])
SIGNAL_BIAS = 3.914
#: The span signal of a sentence without an answer span (or in a passage not read; the
#: "read" signal tells the two apart).
NO_SPAN = -20.0
#: Answer words are shown when the sentence's probability times the words' probability
#: (among every span of the passage) reaches this: the lowest threshold whose
#: cross-validated precision on the tuning questions, less one standard error, is >= 0.90
#: (benchmarks/fit_reader.py; a logistic fit of the same inputs measured worse there).
MIN_WORDS_CONFIDENCE = 0.25


@dataclass(frozen=True)
class Reading:
    """The best sentence ``hits[hit].text[start:end]``, its probability of holding the
    answer, and the answer words ``text[answer[0]:answer[1]]`` when the reader is
    confident enough of them (``confidence``: of the words, whether shown or not)."""

    hit: int
    start: int
    end: int
    score: float
    kind: Kind
    answer: tuple[int, int] | None = None
    confidence: float = 0.0


@dataclass(frozen=True)
class Sentence:
    """A candidate sentence ``texts[hit][start:end]`` with the signals the reader weighs
    and its likeliest answer words ``texts[hit][words[0]:words[1]]``. In a passage the
    network did not read, the span signal is ``NO_SPAN``: the rules pick the passage's
    sentence to show, but never outrank what the network read."""

    hit: int
    start: int
    end: int
    signals: np.ndarray  # in the order of SIGNALS
    words: tuple[int, int] | None
    words_probability: float

    @property
    def probability(self) -> float:
        """That the sentence holds the answer: the fitted combination of its signals."""
        return 1.0 / (1.0 + float(np.exp(-(float(self.signals @ SIGNAL_WEIGHTS) + SIGNAL_BIAS))))


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
               cosines: Sequence[float], lexical: Lexical,
               kind: Kind | None = None) -> list[Candidate]:
    """Every sentence of every passage ``texts`` (best first), with its signals;
    ``kind`` is the question's (computed when not given)."""
    kind = kind or question_kind(question)
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
    """The hand-made signals' probability (the rules-only reader)."""
    return 1.0 / (1.0 + np.exp(-(features @ WEIGHTS + BIAS)))


def sentences(question: str, texts: Sequence[str], starts: Sequence[int],
              cosines: Sequence[float], lexical: Lexical, model: TrainedReader,
              network: int | None = None, kind: Kind | None = None) -> list[Sentence]:
    """Every sentence of the passages ``texts`` with the signals of ``SIGNALS``; the
    network reads the first ``network`` passages (default: all)."""
    kind = kind or question_kind(question)
    rules = candidates(question, texts, starts, cosines, lexical, kind)
    reads = model.read(question, list(texts[:network]))
    out = []
    for c in rules:
        rule = float(c.features @ WEIGHTS + BIAS)
        read = c.hit < len(reads)
        found = reads[c.hit].best(c.start, c.end) if read else None
        if found is None:
            answers = reads[c.hit].answers if read else 0.0
            out.append(Sentence(c.hit, c.start, c.end, np.array(
                [NO_SPAN, answers, rule, 0.0, 0.0, float(read)]), None, 0.0))
            continue
        lo, hi = max(c.start, qualified(texts[c.hit], found[0], found[1])), found[1]
        typed = any(s.start < hi - c.start and lo - c.start < s.end for s in c.spans)
        out.append(Sentence(c.hit, c.start, c.end, np.array(
            [found[2], reads[c.hit].answers, rule, float(typed),
             float(not fits(kind, texts[c.hit][lo:hi])), 1.0]), (lo, hi), found[3]))
    return out


def read(question: str, texts: Sequence[str], starts: Sequence[int],
         cosines: Sequence[float], lexical: Lexical, model: TrainedReader,
         network: int | None = None) -> list[Reading | None]:
    """For each passage of ``texts`` (best first), its sentence most likely to answer
    ``question`` (None for a passage without sentences); the network reads the first
    ``network`` passages (default: all), the rest are read by the rules alone."""
    kind = question_kind(question)
    found = sentences(question, texts, starts, cosines, lexical, model, network, kind)
    best: list[Reading | None] = [None] * len(texts)
    for c in found:
        score = c.probability
        if best[c.hit] is None or score > best[c.hit].score:  # type: ignore[union-attr]
            confidence = score * c.words_probability
            # Words that cannot be what is asked are never shown, however confident.
            shown = c.words if confidence >= MIN_WORDS_CONFIDENCE and not c.signals[
                MISFIT] else None
            best[c.hit] = Reading(c.hit, c.start, c.end, score, kind, shown, confidence)
    return best
