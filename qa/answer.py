"""From hits to an answer a reader can use: the best sentence, per-passage highlights,
whether anything is relevant at all, and follow-up questions read in context.

No generative model: the answer is the passage, led by the sentence the reader
(:mod:`qa.reader`) judges most likely to hold the answer, and the words that answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .filters import Filters
from .reader import Reading, read
from .search import Hit, Retriever

_WORD = re.compile(r"[A-Za-z0-9][\w'’.-]*")
_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|what of|and what|and how|why|how come|tell me more|more)\b"
    r"|\b(he|she|they|them|their|his|her|its|it|this|that|those|these|there)\b",
    re.I,
)
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from about as is are was were be been "
    "what which who whom whose when where why how did do does done doing said say says tell "
    "me more also any some this that these those it its they them their he she his her we "
    "you i not no yes than then there here over into after before during between".split()
)


@dataclass(frozen=True)
class Answer:
    """An answer: the hits, each one's best sentence by the reader, and the lead."""

    question: str  # as asked
    query: str  # what was searched: the question, with context carried from earlier turns
    hits: tuple[Hit, ...]
    readings: tuple[Reading | None, ...]  # one per hit: its sentence that best answers
    similarities: tuple[float, ...]  # one per hit: cosine of its passage and the question
    relevant: bool  # False: nothing in the articles is close enough; hits are only nearest

    @property
    def best(self) -> tuple[Hit, Reading] | None:
        """The lead: the hit and sentence most likely to hold the answer."""
        scored = [(h, r) for h, r in zip(self.hits, self.readings) if r is not None]
        return max(scored, key=lambda pair: pair[1].score, default=None)

    @property
    def sentence(self) -> str | None:
        best = self.best
        return best[0].text[best[1].start : best[1].end] if best else None

    @property
    def words(self) -> str | None:
        """The answer words in the lead sentence, when the question asks for a type of
        words (a name, a date, a number...) that the sentence supplies."""
        best = self.best
        if not best or best[1].answer is None:
            return None
        return best[0].text[best[1].answer[0] : best[1].answer[1]]

    @property
    def rewritten(self) -> bool:
        return self.query != self.question

    def to_dict(self) -> dict:
        """JSON for the API: the lead sentence and answer words with character offsets in
        the lead hit's text, whether it is relevant, and every hit."""
        best = self.best
        lead = None
        if best:
            reading = best[1]
            lead = {"hit": reading.hit, "sentence": self.sentence,
                    "start": reading.start, "end": reading.end,
                    "score": round(reading.score, 4), "kind": reading.kind,
                    "answer": self.words,
                    "answer_start": reading.answer[0] if reading.answer else None,
                    "answer_end": reading.answer[1] if reading.answer else None}
        return {"question": self.question, "query": self.query, "relevant": self.relevant,
                "relevance": round(max(self.similarities, default=0.0), 4),
                "lead": lead, "hits": [h.to_dict() for h in self.hits]}


def _content_words(text: str) -> list[str]:
    return [w.strip(".'’") for w in _WORD.findall(text) if w.lower().strip(".'’") not in STOPWORDS]


def _names(text: str) -> list[str]:
    words = _WORD.findall(text)
    return [w.strip(".'’") for i, w in enumerate(words)
            if w[0].isupper() and (i > 0 or w.lower() not in STOPWORDS)
            and w.lower() not in STOPWORDS]


def contextualize(question: str, previous_query: str | None) -> str:
    """The query to search for ``question`` asked after ``previous_query``.

    A follow-up ("and what about trade?") that names nobody gets the previous query's
    names (or, failing names, its content words) appended, so retrieval stays on topic.
    """
    question = " ".join(question.split())
    if not previous_query:
        return question
    own_names = _names(question)
    if own_names or not _FOLLOW_UP.search(question):
        return question
    carried = _names(previous_query) or _content_words(previous_query)
    present = {w.lower() for w in _content_words(question)}
    extra = [w for w in dict.fromkeys(carried) if w.lower() not in present]
    return f"{question} {' '.join(extra)}".strip() if extra else question


def answer(
    retriever: Retriever,
    question: str,
    *,
    previous_query: str | None = None,
    k: int | None = None,
    filters: Filters | None = None,
    min_relevance: float | None = None,
) -> Answer:
    """Search for ``question`` (read in the context of ``previous_query``) and read the
    hits for the sentence that answers it. ``relevant`` is False when no passage's cosine
    to the question reaches ``min_relevance`` (default: the calibrated
    ``Settings.min_relevance``): an absolute measure, where the reader's probabilities
    rank sentences of one question but did not separate answerable questions from
    off-topic ones (benchmarks/calibrate_relevance.py)."""
    query = contextualize(question, previous_query)
    snap = retriever.snapshot  # search and reading use one version, whatever refreshes
    hits = retriever.search(query, k, filters=filters, snapshot=snap)
    threshold = retriever.settings.min_relevance if min_relevance is None else min_relevance
    if not hits:
        return Answer(question, query, (), (), (), False)
    vector = retriever.embedder.embed_query(query)
    stored = snap.vectors.reconstruct_batch(np.array([h.passage_id for h in hits]))
    cosines = (stored @ vector).tolist()
    readings = read(query, [h.text for h in hits], [h.start for h in hits], cosines,
                    snap.lexical)
    return Answer(question, query, tuple(hits), tuple(readings), tuple(cosines),
                  max(cosines) >= threshold)
