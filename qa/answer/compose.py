"""From a question to an answer a reader can use: the best sentence, per-passage
highlights, whether anything is relevant at all, and follow-up questions read in context.

No generative model: the answer is the passage, led by the sentence the reader
(:mod:`qa.answer.reader`) judges most likely to hold the answer, and the words that
answer. The steps live beside this module: reading follow-ups
(:mod:`~qa.answer.follow_ups`), planning the search (:mod:`~qa.answer.plan`), gathering
and ordering the hits (:mod:`~qa.answer.gather`); here they are put together and read.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import numpy as np

from qa.search.filters import Filters
from qa.search.hits import Hit
from qa.search.news_order import published_in
from qa.search.retriever import Retriever
from qa.search.snapshot import Snapshot

from . import reader_model
from .follow_ups import content_words, contextualize
from .gather import gather, lead_with_quotes
from .plan import Plan, plan_search
from .reader import read
from .result import Answer
from .speakers import QuoteHit, quote_reading

__all__ = ["Answer", "answer", "contextualize"]

# Words that name no topic: a question made of them and a time asks what happened then.
WHO_IS = re.compile(r"^\s*(?i:who\s+(?:is|was|are|were))\s+([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})"
                    r"\s*\??\s*$")
GENERIC = frozenset("happened happen happening news going new latest recent story stories "
                    "events event week month year day today".split())


def answer(
    retriever: Retriever,
    question: str,
    *,
    previous_query: str | None = None,
    k: int | None = None,
    filters: Filters | None = None,
    min_relevance: float | None = None,
    as_of: date | str | None = None,
    dates: bool = True,
) -> Answer:
    """Search for ``question`` (read in the context of ``previous_query``) and read the
    hits for the sentence that answers it. ``relevant`` is False when no passage's cosine
    to the question reaches ``min_relevance`` (default: the calibrated
    ``Settings.min_relevance``): an absolute measure, where the reader's probabilities
    rank sentences of one question but did not separate answerable questions from
    off-topic ones (benchmarks/calibrate_relevance.py).

    Time words in the question ("in July 1963", "last week", "latest") become a date
    range (``understood`` says which), read relative to ``as_of`` (default: today, or the
    newest article's date when the corpus is over a year old); ``dates=False`` searches
    them as words. "What did X say?" leads with X's quotes."""
    query = contextualize(question, previous_query)
    snap = retriever.snapshot  # search and reading use one version, whatever refreshes
    k = retriever.check(query, k)[1]
    plan = plan_search(query, k, filters or Filters(), retriever.settings, as_of=as_of,
                       newest=snap.newest_day, dates=dates)
    hits, understood = gather(retriever, snap, plan)
    hits, quoted, understood = lead_with_quotes(snap, plan, hits, understood)
    if not hits:
        return Answer(question, query, (), (), (), False, understood)
    threshold = retriever.settings.min_relevance if min_relevance is None else min_relevance
    return _read(retriever, snap, plan, question, query, hits, quoted, understood, threshold)


def _read(retriever: Retriever, snap: Snapshot, plan: Plan, question: str, query: str,
          hits: list[Hit], quoted: list[QuoteHit], understood: str | None,
          threshold: float) -> Answer:
    """Read the hits: each one's best sentence, the verdict on relevance, the people they
    name and the day a relative date in the answer words means."""
    intent = plan.intent
    vector = retriever.embedder.embed_query(intent.text)
    stored = snap.vectors.reconstruct_batch(np.array([h.passage_id for h in hits]))
    cosines = (stored @ vector).tolist()
    readings = read(intent.text, [h.text for h in hits], [h.start for h in hits], cosines,
                    snap.lexical, reader_model.shared(), retriever.settings.read_passages)
    for i, q in enumerate(quoted):
        readings[i] = quote_reading(i, q, query)
    result = Answer(question, query, tuple(hits), tuple(readings), tuple(cosines),
                    _relevant(plan, hits, readings, cosines, bool(quoted), threshold,
                              retriever.settings.min_answer_score), understood,
                    quoted[0].speaker if quoted else None, 0 if quoted else None)
    return replace(result, resolved=_resolved(snap, result), timeline_asked=intent.timeline)


def _relevant(plan: Plan, hits: list[Hit], readings: list, cosines: list[float],
              quoted: bool, threshold: float, min_answer_score: float) -> bool:
    """Whether anything here answers: a quote of the speaker asked about; for a question
    that is only a period ("What happened in July 1963?"), an article published in it;
    otherwise a passage whose cosine to the question reaches ``threshold`` or a sentence
    the reader gives at least ``min_answer_score`` (both calibrated by
    benchmarks/calibrate_relevance.py)."""
    intent = plan.intent
    if quoted:
        return True
    if intent.time is not None and not set(map(str.lower, content_words(intent.text))) - GENERIC:
        about = plan.filters.about
        return about is None or any(published_in(h, *about) for h in hits)
    best = max((r.score for r in readings if r is not None), default=0.0)
    # "Who is Sergio Gor?": a short question whose answer is whatever the articles say of
    # a name they carry; its cosine is low and a SQuAD-trained reader reads it poorly.
    who = WHO_IS.match(intent.text)
    named = bool(who) and any(who.group(1) in h.text for h in hits)
    return named or max(cosines) >= threshold or best >= min_answer_score


def _resolved(snap: Snapshot, result: Answer) -> str | None:
    """The day a relative date in the answer words means ("Sunday (25 January 2026)"),
    from the dates the build resolved in the lead passage."""
    best = result.best
    if not best or best[1].answer is None:
        return None
    hit, reading = best
    lo, hi = hit.start + reading.answer[0], hit.start + reading.answer[1]
    for start, end, _text, display in snap.mentions_in(hit.article_id, hit.start, hit.end):
        if start < hi and lo < end:
            return display
    return None
