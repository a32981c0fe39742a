"""What the build reads from an article besides its passages: who said what, the dates
its prose names, and the people, organisations and places it mentions.

Entities come from a documented heuristic, not a statistical model: spaCy's small English
pipeline was measured for the reader (issue 8) and costs more per article than this
whole stage, and a build may add at most 30% to the embedding time. People are the
names :mod:`qa.news.names` finds evidence for (a title, a role word, "X said"...);
organisations are capitalised runs ending in an organisation word ("Asian Development
Bank", "Labour Party"); places are the other names written after "in", "at", "from",
"near" or "across" ("in Delhi", "from South Korea").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from .article_dates import DateMention, resolve
from .names import find_names
from .quotes import Quote, find_quotes

if TYPE_CHECKING:  # news reads articles but comes before ingest (which uses its dates)
    from qa.ingest.corpus import Article

EntityKind = Literal["person", "organisation", "place"]

_ORG_RUN = re.compile(
    r"\b(?:[A-Z][\w&'’-]*\s+){0,4}(?:Federation|Association|Party|Club|Committee|Commission"
    r"|Council|Bank|Group|Ministry|Union|League|Corporation|Company|Institute|University"
    r"|Agency|Authority|Trust|Fund|Foundation|Society|Alliance|Parliament|Senate|Congress"
    r"|Assembly|Army|Navy|Police|Airlines|Airways|Motors|Inc|Ltd|Corp|plc|Organisation"
    r"|Organization|Office|Department|Court|Nations)\b")
_PLACE_BEFORE = re.compile(r"\b(?:in|at|from|near|across|to|outside|throughout)\s+(?:the\s+)?$")
_LEADING = frozenset("The A An In At On For From By Of And But".split())


@dataclass(frozen=True)
class Mention:
    """A date the prose names, as the inclusive range it means."""

    start: int
    end: int
    text: str
    since: date
    until: date
    display: str


@dataclass(frozen=True)
class Entity:
    name: str
    kind: EntityKind
    count: int


@dataclass(frozen=True)
class Annotations:
    quotes: tuple[Quote, ...]
    mentions: tuple[Mention, ...]
    entities: tuple[Entity, ...]


def annotate(article: Article) -> Annotations:
    """Quotes, dated mentions (when the article has a date) and entities of ``article``."""
    text = article.text
    published = _day(article.date)
    mentions = tuple(_mention(m) for m in resolve(_cased(text), published)) if published else ()
    return Annotations(find_quotes(text), mentions, entities(text))


_CALENDAR = re.compile(r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january"
                       r"|february|march|april|may|june|july|august|september|october"
                       r"|november|december)\b")


def _cased(text: str) -> str:
    """All-capitals text (TIME 1963's wire copy) in lower case with day and month names
    capitalised, as the date rules expect; other text as it is. Offsets are kept."""
    letters = [c for c in text[:5000] if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.9 * len(letters):
        return text
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer: leave it be
        return text
    return _CALENDAR.sub(lambda m: m.group().capitalize(), lowered)


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _mention(m: DateMention) -> Mention:
    from .article_dates import display

    last = {"day": m.date, "week": m.date + timedelta(days=6),
            "month": _month_end(m.date), "year": m.date.replace(month=12, day=31)}
    return Mention(m.start, m.end, m.text, m.date, last[m.granularity], display(m))


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def entities(text: str) -> tuple[Entity, ...]:
    """People, organisations and places named in ``text``, most mentioned first."""
    found: Counter[tuple[str, EntityKind]] = Counter()
    people: dict[str, str] = {}  # surname -> the fullest name used
    for name in find_names(text):
        if name.person:
            surname = name.text.split()[-1]
            if len(name.text) > len(people.get(surname, "")):
                people[surname] = name.text
            found[(surname, "person")] += 1
        elif _PLACE_BEFORE.search(text, max(0, name.start - 12), name.start):
            found[(name.text, "place")] += 1
    for m in _ORG_RUN.finditer(text):
        words = m.group().split()
        while words and words[0] in _LEADING:
            words.pop(0)
        if len(words) >= 2:
            found[(" ".join(words), "organisation")] += 1
    merged: Counter[tuple[str, EntityKind]] = Counter()
    for (name, kind), n in found.items():
        merged[(people.get(name, name) if kind == "person" else name, kind)] += n
    return tuple(Entity(name, kind, n) for (name, kind), n in merged.most_common())
