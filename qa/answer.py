"""From hits to an answer a reader can use: the best sentence, per-passage highlights,
whether anything is relevant at all, and follow-up questions read in context.

No generative model: the answer is the passage, led by the sentence the reader
(:mod:`qa.reader`) judges most likely to hold the answer, and the words that answer.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

import numpy as np

from . import notes, speakers
from .errors import BadRequest, bounded, prefix
from .filters import Filters
from .intent import read_question
from .reader import Reading, read
from .search import Hit, Retriever, naming_all, published_first
from .when import reference_date

# The days "last week" may count from: every relative date stays inside the calendar.
FIRST_AS_OF, LAST_AS_OF = date(1800, 1, 1), date(9000, 12, 31)
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

# Words that name no topic: a question made of them and a time asks what happened then.
GENERIC = frozenset("happened happen happening news going new latest recent story stories "
                    "events event week month year day today".split())


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline: a hit's date, headline and answering sentence."""

    date: str
    title: str
    sentence: str
    article_id: str
    hit: int  # index in ``Answer.hits``


@dataclass(frozen=True)
class Answer:
    """An answer: the hits, each one's best sentence by the reader, and the lead."""

    question: str  # as asked
    query: str  # what was searched: the question, with context carried from earlier turns
    hits: tuple[Hit, ...]
    readings: tuple[Reading | None, ...]  # one per hit: its sentence that best answers
    similarities: tuple[float, ...]  # one per hit: cosine of its passage and the question
    relevant: bool  # False: nothing in the articles is close enough; hits are only nearest
    understood: str | None = None  # what was read from the question: "Articles from July 1963"
    speaker: str | None = None  # whose quotes lead ("What did Gor say?")
    lead: int | None = None  # the hit that leads whatever the scores (a speaker's quote)
    resolved: str | None = None  # the answer words' date: "Sunday (25 January 2026)"
    timeline_asked: bool = False  # the question asks how a story unfolded
    facets: tuple[tuple[str, str, int], ...] = ()  # (name, kind, articles) named in the hits

    @property
    def best(self) -> tuple[Hit, Reading] | None:
        """The lead: the hit and sentence most likely to hold the answer."""
        if self.lead is not None and self.readings[self.lead] is not None:
            return self.hits[self.lead], self.readings[self.lead]  # type: ignore[return-value]
        scored = [(h, r) for h, r in zip(self.hits, self.readings) if r is not None]
        return max(scored, key=lambda pair: pair[1].score, default=None)

    def timeline(self) -> tuple[TimelineEntry, ...]:
        """The dated articles among the hits, oldest first, one line each: date, headline
        and the sentence that best answers in its best hit (empty when fewer than two
        dates: no story to follow)."""
        entries, seen = [], set()
        for i, (hit, reading) in enumerate(zip(self.hits, self.readings)):
            if hit.date and hit.article_id not in seen:
                seen.add(hit.article_id)
                sentence = hit.text[reading.start:reading.end] if reading else ""
                if len(sentence.strip()) < 30:  # a fragment ("A U.S .") says nothing
                    sentence = hit.text[:240]
                entries.append(TimelineEntry(hit.date[:10], hit.title, " ".join(sentence.split()),
                                             hit.article_id, i))
        if len({e.date for e in entries}) < 2:
            return ()
        return tuple(sorted(entries, key=lambda e: (e.date, e.hit)))

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
    def shown_words(self) -> str | None:
        """The answer words as shown: a date with the day it means ("Sunday (25 January
        2026)" for "on Sunday")."""
        return self.resolved or self.words

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
            lead["resolved"] = self.resolved
        return {"question": self.question, "query": self.query, "relevant": self.relevant,
                "relevance": round(max(self.similarities, default=0.0), 4),
                "understood": self.understood, "speaker": self.speaker,
                "lead": lead, "hits": [h.to_dict() for h in self.hits],
                "people": [{"name": n, "articles": c} for n, _, c in self.facets],
                "timeline": [asdict(e) for e in self.timeline()]}


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
    filters = filters or Filters()
    intent = read_question(query, _reference(as_of, snap.newest_day), dates=dates)
    understood = intent.time.label if intent.time else None
    if intent.time:
        t = intent.time
        filters = filters.with_(recent=filters.recent or t.latest, about=(
            t.since.isoformat() if t.since else None, t.until.isoformat() if t.until else None))
    k = retriever.check(query, k)[1]
    share = retriever.settings.prefer_share
    shown = max(k, 10) if intent.timeline else k  # a timeline needs a few more hits
    # With a period: a pool deep enough that the best passages published in it can all
    # come first, ahead of passages of other dates that only name a day in it.
    pool = min(retriever.settings.max_k, 4 * max(shown, 10)) if intent.time else shown
    hits = retriever.search(intent.text, pool, filters=filters, snapshot=snap)
    if filters.about:  # published in the period first, then passages only naming it
        hits = published_first(hits, *filters.about,
                               per_article=retriever.settings.period_per_article)[:shown]
    elif intent.time:  # "latest": the newest of the relevant, a few more to pick from
        hits = hits[:max(shown, 10)]
    hits = naming_all(hits, intent.people, share)
    if not hits and intent.time and filters.about:
        hits = retriever.search(intent.text, k, filters=filters.with_(about=None), snapshot=snap)
        understood = f"{understood}: none found, so articles of any date"
    quoted = speakers.quotes_of(snap, intent.speaker, intent.topic, limit=k) \
        if intent.speaker else []
    if quoted:
        first = {q.hit.passage_id for q in quoted}
        hits = [q.hit for q in quoted] + [h for h in hits if h.passage_id not in first]
        hits = hits[:max(k, len(quoted))]
        understood = " · ".join(x for x in (understood, f"Quotes of {quoted[0].speaker}") if x)
    threshold = retriever.settings.min_relevance if min_relevance is None else min_relevance
    if not hits:
        return Answer(question, query, (), (), (), False, understood)
    vector = retriever.embedder.embed_query(intent.text)
    stored = snap.vectors.reconstruct_batch(np.array([h.passage_id for h in hits]))
    cosines = (stored @ vector).tolist()
    readings = read(intent.text, [h.text for h in hits], [h.start for h in hits], cosines,
                    snap.lexical)
    for i, q in enumerate(quoted):
        readings[i] = speakers.quote_reading(i, q, query)
    # "What happened in July 1963?": the time is the whole question, any hit answers it.
    only_time = intent.time is not None and not set(map(str.lower, _content_words(
        intent.text))) - GENERIC
    result = Answer(question, query, tuple(hits), tuple(readings), tuple(cosines),
                    bool(quoted) or only_time or max(cosines) >= threshold, understood,
                    quoted[0].speaker if quoted else None, 0 if quoted else None)
    with snap.lock:
        facets = notes.entities_of(snap.db, list(dict.fromkeys(h.article_id for h in hits)))
    return replace(result, resolved=_resolved(snap, result), timeline_asked=intent.timeline,
                   facets=tuple(f for f in facets if f[1] == "person")[:8])


def _reference(as_of: date | str | None, newest: date | None) -> date:
    if isinstance(as_of, str):
        as_of = bounded("as_of", as_of).strip() or None  # type: ignore[union-attr]
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            raise BadRequest(f"as_of must be a date as YYYY-MM-DD, not {prefix(as_of)}") from None
    if as_of is not None and not isinstance(as_of, date):
        raise BadRequest(f"as_of must be a date as YYYY-MM-DD, not {type(as_of).__name__}")
    if as_of is not None and not FIRST_AS_OF <= as_of <= LAST_AS_OF:
        # "last week" from 1 January of year 1 is before the calendar begins.
        raise BadRequest(f"as_of must be a day from {FIRST_AS_OF} to {LAST_AS_OF}, not {as_of}")
    return as_of or reference_date(newest, date.today())


def _resolved(snap, result: Answer) -> str | None:
    """The day a relative date in the answer words means ("Sunday (25 January 2026)"),
    from the dates the build resolved in the lead passage."""
    best = result.best
    if not best or best[1].answer is None:
        return None
    hit, reading = best
    lo, hi = hit.start + reading.answer[0], hit.start + reading.answer[1]
    with snap.lock:
        named = notes.mentions_in(snap.db, hit.article_id, hit.start, hit.end)
    for start, end, _text, display in named:
        if start < hi and lo < end:
            return display
    return None
