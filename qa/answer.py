"""From hits to an answer a reader can use: the best sentence, per-passage highlights,
whether anything is relevant at all, and follow-up questions read in context.

No generative model: the answer is the passage, and the sentence of the top passages
most similar to the question (same embedding model) is what gets highlighted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .search import Hit, Retriever
from .sentences import sentence_scores
from .filters import Filters

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
class Highlight:
    """The sentence ``hit.text[start:end]`` that best answers the question."""

    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    question: str  # as asked
    query: str  # what was searched: the question, with context carried from earlier turns
    hits: tuple[Hit, ...]
    highlights: tuple[Highlight | None, ...]  # one per hit
    relevant: bool  # False: nothing in the articles is close enough; hits are only nearest

    @property
    def best(self) -> tuple[Hit, Highlight] | None:
        scored = [(h, s) for h, s in zip(self.hits, self.highlights) if s is not None]
        return max(scored, key=lambda pair: pair[1].score, default=None)

    @property
    def rewritten(self) -> bool:
        return self.query != self.question


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
    """Search for ``question`` (read in the context of ``previous_query``) and pick out
    the answering sentences. ``relevant`` is False when the best sentence scores below
    ``min_relevance`` (default: the calibrated ``Settings.min_relevance``)."""
    query = contextualize(question, previous_query)
    hits = retriever.search(query, k, filters=filters)
    threshold = retriever.settings.min_relevance if min_relevance is None else min_relevance
    if not hits:
        return Answer(question, query, (), (), False)
    vector = retriever.embedder.embed_query(query)
    highlights: list[Highlight | None] = []
    for found in sentence_scores(retriever.embedder, vector, [h.text for h in hits]):
        top = max(found, key=lambda s: s.score, default=None)
        highlights.append(Highlight(top.start, top.end, top.score) if top else None)
    best = max((h.score for h in highlights if h), default=0.0)
    return Answer(question, query, tuple(hits), tuple(highlights), best >= threshold)
