"""Dates in article prose, resolved against the article's own date at ingest.

News says "on Thursday", "last week" or "25 January" and means a day relative to when
it was written. ``resolve(text, article_date)`` finds such expressions and gives each an
absolute date and a granularity; ``display`` writes one for an answer, "Sunday (25 January
2026)". Written dates ("25 January 2026") are read by ``dateparser``; the calendar rules
for relative words are ours, because they are news conventions:

- "on Friday" in an article dated a Friday is that day: wire and BBC copy name the day
  even for the day's own events, and write "last Friday" for a week ago.
- Otherwise a weekday is the most recent one before the article date, or the next one
  after it when the clause is in the future ("will meet on Tuesday", "next Tuesday").
- A day or month without a year takes the year that puts it nearest the article date,
  so "on 4 February" in an article of 30 January is the coming one.
- Weeks start on Monday; a week's ``date`` is its Monday, a month's its first day, a
  year's 1 January.
- "Sunday Times", "Today programme" and other names that begin with a date word are not
  dates: a weekday or month followed by a capitalised word, and a capitalised "Today"
  inside a sentence, are left alone.

Only text that the cheap ``_CANDIDATE`` regex finds reaches dateparser, and its answers
are cached, so most passages cost one regex scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from dateparser.date import DateDataParser

Granularity = Literal["day", "week", "month", "year"]

_MONTH = ("January|February|March|April|May|June|July|August|September|October|November"
          "|December")
_MON = rf"(?:{_MONTH}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = "|".join(_WEEKDAYS)
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9])"
_YEAR = r"(?:1[5-9][0-9]{2}|20[0-9]{2})(?![0-9])"
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
            "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_NOT_NAME = r"(?![ \t]+[A-Z]|'s[ \t]+[A-Z])"  # "Sunday Times", "Monday's Daily Mail"
_NO_DATE_AFTER = rf"(?!,?\s+(?:the\s+)?(?:[0-9]|{_MONTH}))"  # "Thursday, 29 January" is one date
_COUNT = r"(?![ \t]+(?:[a-z]+s|per|people|million|bn|m)\b)"  # "in 2000 homes", "May 3 people"
_CANDIDATE = re.compile(r"\b(?:" + "|".join([
    rf"(?P<full>(?:(?:{_WEEKDAY}),?\s+)?(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MON}(?:,?\s+{_YEAR})?"
    rf"|(?:(?:{_WEEKDAY}),?\s+)?{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?){_COUNT}",
    rf"(?P<monthyear>\b(?:{_MONTH}),?\s+{_YEAR})",
    rf"\b(?:(?:in|since|by|until|till|from|before|after|during|of|early|late)\s+|mid-)"
    rf"(?:(?P<month>(?:{_MONTH}))\b{_NOT_NAME}{_NO_DATE_AFTER}|(?P<year>{_YEAR}){_COUNT})",
    rf"(?P<which>\b(?:[Ll]ast|[Nn]ext|[Tt]his))\s+(?P<named>{_WEEKDAY}|{_MONTH})\b{_NOT_NAME}",
    rf"\b(?:[Oo]n|since|by|until|from|before|after)\s+(?P<weekday>{_WEEKDAY})\b{_NOT_NAME}"
    rf"{_NO_DATE_AFTER}",
    rf"\b(?P<possessive>{_WEEKDAY})(?='s\s+[a-z])",
    rf"\b(?P<part>{_WEEKDAY})(?=\s+(?:morning|afternoon|evening|night)\b)",
    r"(?P<period>\b(?:(?:[Ee]arlier|[Ll]ater)\s+this|[Ll]ast|[Nn]ext|[Tt]his)\s+"
    r"(?P<unit>week|month|year)\b)",
    r"(?P<ago>\b(?P<n>[0-9]{1,2}|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?P<agounit>day|week|month|year)s?\s+ago\b)",
    r"(?P<rel>\b(?:[Yy]esterday|today|[Tt]onight|this\s+(?:morning|afternoon|evening))\b"
    r"|(?:(?<=^)|(?<=[.!?]\s))Today(?=,))",
]) + ")")
_FUTURE = re.compile(r"\b(?:will|shall|won't|'ll|is to|are to|due|set to|expected to|"
                     r"plans? to|planned|scheduled|going to)\b")


@dataclass(frozen=True)
class DateMention:
    """``text == article_text[start:end]`` means ``date`` at ``granularity`` (a week's
    date is its Monday, a month's its first day, a year's 1 January)."""

    start: int
    end: int
    text: str
    date: date
    granularity: Granularity


def resolve(text: str, article_date: date) -> tuple[DateMention, ...]:
    """Every date expression in ``text`` that can be pinned to a date, in text order."""
    mentions = []
    for m in _CANDIDATE.finditer(text):
        found = _resolve_one(m, text, article_date)
        if found is None:
            continue
        # The mention is the date words without a leading preposition ("on", "in").
        names = [name for name, value in m.groupdict().items() if value is not None]
        start, end = min(m.start(n) for n in names), max(m.end(n) for n in names)
        mentions.append(DateMention(start, end, text[start:end], *found))
    return tuple(mentions)


def display(mention: DateMention) -> str:
    """The mention for a reader: "Sunday (25 January 2026)", "the week of 19 January
    2026", "December 2025", "2025"."""
    day = mention.date
    if mention.granularity == "day":
        return f"{day:%A} ({day.day} {day:%B %Y})"
    if mention.granularity == "week":
        return f"the week of {day.day} {day:%B %Y}"
    if mention.granularity == "month":
        return f"{day:%B %Y}"
    return str(day.year)


def _resolve_one(m: re.Match, text: str, today: date) -> tuple[date, Granularity] | None:
    g = m.groupdict()
    if g["full"]:
        words = re.sub(rf"^(?:{_WEEKDAY}),?\s+", "", g["full"])
        day = _parse(words, today)
        if day is None:
            return None
        return (day if re.search(_YEAR, words) else _nearest(day, today)), "day"
    if g["monthyear"]:
        day = _parse(g["monthyear"], today)
        return (day.replace(day=1), "month") if day else None
    if g["year"]:
        return date(int(g["year"]), 1, 1), "year"
    if g["month"] or (g["named"] and g["named"] not in _WEEKDAYS):
        day = _parse(g["month"] or g["named"], today)
        if day is None:
            return None
        first = day.replace(day=1)
        this_month = today.replace(day=1)
        which = (g["which"] or "").lower()
        if which == "last" and first >= this_month:
            return first.replace(year=first.year - 1), "month"
        if which == "next" and first <= this_month:
            return first.replace(year=first.year + 1), "month"
        return (first if which else _nearest(first, today)), "month"
    weekday = g["named"] or g["weekday"] or g["possessive"] or g["part"]
    if weekday:
        which = (g["which"] or "").lower()
        mode = {"last": "before", "next": "after"}.get(which) or _tense(text, m.start())
        return _weekday(weekday, today, mode), "day"
    if g["period"]:
        shift = {"last": -1, "next": 1}.get(g["period"].split()[0].lower(), 0)
        return _calendar(today, g["unit"], shift)
    if g["ago"]:
        count = int(g["n"]) if g["n"].isdigit() else _NUMBERS[g["n"]]
        if g["agounit"] in ("day", "week"):
            return today - timedelta(days=count * (7 if g["agounit"] == "week" else 1)), "day"
        return _calendar(today, g["agounit"], -count)
    if g["rel"]:
        return today - timedelta(days=g["rel"].lower() == "yesterday"), "day"
    return None


def _calendar(today: date, unit: str, shift: int) -> tuple[date, Granularity]:
    """The week, month or year ``shift`` units from the one holding ``today``."""
    if unit == "week":
        return today - timedelta(days=today.weekday()) + timedelta(weeks=shift), "week"
    if unit == "month":
        index = today.year * 12 + today.month - 1 + shift
        return date(index // 12, index % 12 + 1, 1), "month"
    return date(today.year + shift, 1, 1), "year"


def _tense(text: str, at: int) -> str:
    """"after" when the clause before ``at`` speaks of the future, else "same-or-before"."""
    clause = re.split(r"[.!?;\n]", text[max(0, at - 80):at])[-1]
    return "after" if _FUTURE.search(clause) else "same-or-before"


def _weekday(name: str, today: date, mode: str) -> date:
    """The named weekday ``before`` or ``after`` the article date (a week away when the
    article date is that weekday), or, for ``same-or-before``, the article date itself
    if it is that weekday, else the most recent one before it."""
    ahead = (_WEEKDAYS.index(name) - today.weekday()) % 7
    if mode == "after":
        return today + timedelta(days=ahead or 7)
    back = (7 - ahead) % 7
    return today - timedelta(days=back or (7 if mode == "before" else 0))


def _nearest(day: date, today: date) -> date:
    """``day`` moved a year either way if that brings it within half a year of today."""
    best = day
    for year in (day.year - 1, day.year + 1):
        try:
            other = day.replace(year=year)
        except ValueError:  # 29 February
            continue
        if abs((other - today).days) < abs((best - today).days):
            best = other
    return best


@lru_cache(maxsize=8192)
def _parse(words: str, today: date) -> date | None:
    data = _parser(today).get_date_data(" ".join(words.split()))
    return data.date_obj.date() if data.date_obj else None


@lru_cache(maxsize=256)
def _parser(today: date) -> DateDataParser:
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": datetime(today.year, today.month, today.day, 12),
        "PREFER_DATES_FROM": "current_period", "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first"})
