"""An answer as every surface shows it: the hits, each one's best sentence, the lead and
its answer words, the timeline, and its JSON for the API."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property

from qa.news.people import people_in
from qa.search.hits import Hit

from .reader import Reading


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
    # (name, kind, articles) named anywhere in the hits' articles; what the surfaces list
    # is ``people``, named in the hits themselves.

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

    @cached_property
    def people(self) -> tuple[tuple[str, int], ...]:
        """``(name, articles)``: the people the hits name, in the hits' own text (not
        elsewhere in their articles), with how many of the hits' articles name each
        (:func:`qa.news.people.people_in`). What the chat and the API list."""
        return tuple(people_in((h.article_id, h.text) for h in self.hits))

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
                "people": [{"name": n, "articles": c} for n, c in self.people],
                "timeline": [asdict(e) for e in self.timeline()]}
