"""Who said what, at query time: the passages holding a speaker's stored quotations,
each with the sentence that carries the quote, for "What did Gor say?" and `qa quotes`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.index.annotation_sql import StoredQuote
from qa.ingest.split import sentence_spans
from qa.search.hits import Hit, hits_of
from qa.search.snapshot import Snapshot

from .answer_types import question_kind
from .reader import Reading

_WORD = re.compile(r"[a-z0-9]+")
CANDIDATES = 30  # quotes compared with the topic: bounded work for prolific speakers
_SMALL = frozenset("a an the of to in on at for and or about what did say said his her".split())


@dataclass(frozen=True)
class QuoteHit:
    """A quotation and the passage that holds it (``start``/``end``: the quote's offsets
    in ``hit.text``)."""

    hit: Hit
    speaker: str
    quote: str
    start: int
    end: int


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _SMALL}


def quotes_of(snap: Snapshot, speaker: str, topic: str = "", limit: int = 10) -> list[QuoteHit]:
    """``speaker``'s quotations (surname or full name), one per passage: those sharing
    most words with ``topic`` first, then the newest. (Ranking them by embedding
    similarity to the topic was measured and did worse: 9 of 15 leads against 10.)"""
    placed = snap.quote_passages(speaker, limit=CANDIDATES)
    if topic and len(placed) > 1:
        wanted = _words(topic)
        closeness = [len(wanted & _words(q.quote)) for q, _ in placed]
        order = sorted(range(len(placed)), key=lambda i: -closeness[i])  # stable: newest
        placed = [placed[i] for i in order]
    chosen: dict[int, StoredQuote] = {}
    for quote, pid in placed:
        chosen.setdefault(pid, quote)  # type: ignore[arg-type]
        if len(chosen) == limit:
            break
    hits = hits_of(snap, [(pid, 1.0) for pid in chosen])
    return [QuoteHit(h, chosen[h.passage_id].speaker, chosen[h.passage_id].quote,
                     max(0, chosen[h.passage_id].start - h.start),
                     min(len(h.text), chosen[h.passage_id].end - h.start)) for h in hits]


def quote_reading(index: int, quoted: QuoteHit, question: str) -> Reading:
    """The lead for a quote: the sentences it spans, the quoted words as the answer."""
    spans = sentence_spans(quoted.hit.text)
    first = next((s for s, e, _ in spans if s <= quoted.start < e), quoted.start)
    last = next((e for s, e, _ in spans if s < quoted.end <= e), quoted.end)
    return Reading(index, first, max(last, quoted.end), 1.0, question_kind(question),
                   (quoted.start, quoted.end))
