"""Time expressions in a question: which dates it asks about, and the words that said so.

``read_time("What happened in July 1963?", as_of)`` gives the range 1963-07-01..07-31, the
label "Articles from July 1963" and the search text "What happened?". Written dates are
read by ``dateparser``; the calendar meaning of ranges and relative words is ours:

- A month, weekday or day without a year is the most recent one on or before ``as_of``
  (a weekday strictly before: "on Sunday" asked on a Sunday means a week ago).
- "last week/month/year" and "this week/month/year" are calendar periods (weeks start on
  Monday); "the last/past N days/weeks/months" and "past week" are rolling windows.
- "after March" starts the day after March ends, "before March" ends the day before it
  starts; "from July" without an end means July, as in "articles from July"; ranges
  resolve their end first, so "between May and July 1963" is all 1963.
- Numeric dates are read day first (03/04/2026 is 3 April) unless only month-first
  makes sense (01/15/2026).
- A bare month, weekday or year counts only after a time preposition ("in", "on",
  "since"...), so "May I ask", "March of the penguins", "the Sunday Times" and "the 1963
  test ban treaty" (a year naming an event, not when the articles were written) are not
  dates. A year must be 1800..``as_of.year`` and not count something ("in 2000 words").
- Anything unreadable ("on 31 February", "13/13/2020") or in the future is ignored, and
  a question with nothing understood gives None: it is searched exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateparser.date import DateDataParser

from qa.errors import BadRequest, bounded, prefix
from qa.settings import Settings

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MON = rf"(?:{_MONTHS}|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b\.?)"
_FULL = rf"(?:{_MONTHS})"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAY = r"(?:3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9])"
_YEAR = r"(?:1[89][0-9]{2}|20[0-9]{2})(?![0-9])"
_SEASON = r"(?:spring|summer|autumn|fall|winter)"
# After a date ending in a number: a noun would make the number a count ("in 2000 words").
_FUNCTION = ("and|or|to|the|a|an|about|on|in|at|for|with|when|what|how|why|who|did|do|"
             "does|was|were|is|are|has|had|have|that|which|but|so|as|by|of|from|during|"
             "between|while|than|until|before|after|since|news|articles?|stories|reports?|"
             "there|it|he|she|they|we|you|i|his|her|their|its|this|these|those|then|where|"
             "according|said|says|ago|because|if|not|no|yet|still|also|already|only|just|"
             "will|would|could|should|can|may|might|must|been|being|be|against|over|into|"
             "under|following|amid|among|without|despite|towards?|across|through")
_NO_COUNT = rf"(?![ \t]+(?!(?:{_FUNCTION})\b)[a-z])"
# After a month or weekday name: a capitalised word or "of" makes it part of a name.
_NO_NAME = r"(?![ \t]+(?:[A-Z]|of\b))"
_CASE = "(?i:{})"  # case-insensitive words inside a case-sensitive pattern
_PART = r"(?:(?:early|mid|late)[- ])?"  # a third of a month or year: see _part
_SELF = _CASE.format(  # dates that need no preposition to be dates
    rf"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}|[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}"
    rf"|(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MON}(?:,?\s+{_YEAR})?"
    rf"|{_MON}\s+{_DAY}(?:,?\s+{_YEAR})?"
    rf"|{_PART}{_FULL},?\s+(?:of\s+)?{_YEAR}"
    rf"|(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_YEAR}") + _NO_COUNT
_POINT = (rf"(?:{_SELF}|{_CASE.format(_PART + _FULL)}{_NO_NAME}"
          rf"|{_CASE.format(_PART + _YEAR)}{_NO_COUNT}"
          rf"|{_CASE.format(_WEEKDAY)}{_NO_NAME})")
_NUMBER = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12}
_COUNT = "|".join(_NUMBER)
_EXPRESSION = re.compile(r"\b(?:" + "|".join([
    rf"(?i:between|from)\s+(?P<ra>{_POINT})\s+(?i:and|to|until|till|through)\s+(?P<rb>{_POINT})",
    rf"(?P<sw>(?i:since|after))\s+(?P<sp>{_POINT})",
    rf"(?P<uw>(?i:before|until|till|by|up\s+to))\s+(?P<up>{_POINT})",
    rf"(?i:(?:in|over|during|for)\s+)?(?i:the\s+)?(?i:past|last|previous)\s+"
    rf"(?P<n>(?i:[0-9]{{1,3}}|{_COUNT}))\s+(?P<unit>(?i:day|week|month|year)s?)\b",
    r"(?i:(?:in|over|during|for)\s+)?(?P<roll>(?i:the\s+(?:past|last)|past))\s+"
    r"(?P<unit1>(?i:day|week|month|year))\b",
    r"(?P<cal>(?i:last|previous|this|current))\s+(?P<cunit>(?i:week|month|year))\b",
    rf"(?i:on\s+)?(?i:last\s+)(?P<lwd>{_CASE.format(_WEEKDAY)})\b",
    r"(?:(?P<rw>(?i:since|from|of|for))\s+)?(?P<rel>(?i:yesterday|today))\b",
    # "recent" asks for the newest only before a word for news ("recent news"): "the
    # recent Italian elections" names an event, and is searched as words.
    r"(?P<latest>(?i:(?:the\s+)?(?:most\s+recent|latest|newest|recently|lately"
    r"|recent(?=\s+(?:news|developments?|updates?|reports?|articles?|stories|story|events"
    r"|coverage|headlines)\b))))\b",
    rf"(?i:in|on|during|throughout|from)\s+(?P<ip>{_POINT})",
    rf"(?P<bp>{_SELF})",
]) + ")")


@dataclass(frozen=True)
class TimeRange:
    """What a question says about time: an inclusive date range (either end may be open),
    whether it wants the newest articles, a label for the user, the character spans of
    the time words in the question and the question without them (``rest``)."""

    since: date | None
    until: date | None
    latest: bool
    label: str
    matched: tuple[tuple[int, int], ...]
    rest: str


def reference_date(newest_article: date | None, today: date) -> date:
    """The day relative words count from: today, unless the newest article is more than a
    year older than today (an archive such as TIME 1963), then that article's date."""
    if newest_article is not None and newest_article < _shift_years(today, -1):
        return newest_article
    return today


# The days "last week" may count from: every relative date stays inside the calendar.
FIRST_AS_OF, LAST_AS_OF = date(1800, 1, 1), date(9000, 12, 31)


def as_of_day(as_of: date | str | None) -> date | None:
    """A caller's ``as_of`` (a date, or text as ``YYYY-MM-DD``; None or blank: not given)
    as a day from :data:`FIRST_AS_OF` to :data:`LAST_AS_OF`, else a one-line
    :class:`~qa.errors.BadRequest` showing at most a short prefix of what was sent."""
    if isinstance(as_of, str):
        bounded("as_of", as_of, Settings.max_field_chars)
        as_of = as_of.strip() or None
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
    return as_of


def read_time(question: str, as_of: date) -> TimeRange | None:
    """The time a question asks about, relative to ``as_of``; None when it names none."""
    spans: list[tuple[int, int]] = []
    since, until, latest = None, None, False
    for m in _EXPRESSION.finditer(question):
        if m.group("latest"):
            latest = True
            spans.append(m.span())
            continue
        try:
            found = _range(m, as_of)
        except (OverflowError, ValueError):  # "last 999 years" from the 1800s: no such day
            continue
        if found is None:
            continue
        first, last = found
        start, end = m.span()
        if question[end:end + 2] in ("'s", "\u2019s"):  # "last month's news"
            end += 2
        since = first if since is None or (first and first > since) else since
        until = last if until is None or (last and last < until) else until
        spans.append((start, end))
    if not spans or (since and until and since > until):
        return None
    return TimeRange(since, until, latest, _label(since, until, latest), tuple(spans),
                     _without(question, spans))


Range = tuple[date | None, date | None]


def _range(m: re.Match, as_of: date) -> Range | None:
    """The inclusive range one matched expression means, or None if it means nothing."""
    g = m.groupdict()
    if g["ra"]:
        end = _point(g["rb"], as_of)
        start = end and _point(g["ra"], end[1])
        return (start[0], end[1]) if start and start[0] <= end[1] else None
    if g["sp"] or g["up"]:
        found = _point(g["sp"] or g["up"], as_of)
        if found is None:
            return None
        if g["sp"]:
            after = g["sw"].lower() == "after"
            return (found[1] + timedelta(days=1) if after else found[0]), None
        before = g["uw"].lower() == "before"
        return None, (found[0] - timedelta(days=1) if before else found[1])
    if g["n"] or g["roll"]:
        n = (g["n"] or "1").lower()
        count = int(n) if n.isdigit() else _NUMBER[n]
        unit = (g["unit"] or g["unit1"]).lower().rstrip("s")
        if unit in ("day", "week"):
            return as_of - timedelta(days=count * (7 if unit == "week" else 1)), as_of
        months = count * (12 if unit == "year" else 1)
        return _shift_months(as_of, -months), as_of
    if g["cal"]:
        previous = g["cal"].lower() in ("last", "previous")
        unit = g["cunit"].lower()
        if unit == "week":
            # "last week" in a question is the calendar week before or the past seven
            # days, depending on the speaker: both are kept (last Monday up to as_of).
            monday = as_of - timedelta(days=as_of.weekday())
            return (monday - timedelta(days=7), as_of) if previous else (monday, as_of)
        if unit == "month":
            start = as_of.replace(day=1)
            return ((_shift_months(start, -1), start - timedelta(days=1)) if previous
                    else (start, as_of))
        year = as_of.year - previous
        return date(year, 1, 1), (date(year, 12, 31) if previous else as_of)
    if g["rel"]:
        day = as_of - timedelta(days=g["rel"].lower() == "yesterday")
        return day, (as_of if (g["rw"] or "").lower() == "since" else day)
    return _point(g["lwd"] or g["ip"] or g["bp"], as_of)


def _point(text: str, as_of: date) -> tuple[date, date] | None:
    """First and last day of one written date, or None when it is unreadable, in the
    future, or a year outside 1800..as_of."""
    words = " ".join(text.split())
    season = re.fullmatch(rf"(?i:(?:the )?({_SEASON}) (?:of )?({_YEAR}))", words)
    if season:
        name, year = season.group(1).lower(), int(season.group(2))
        start = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}[name]
        first = date(year - (name == "winter"), start, 1)
        found: tuple[date, date] | None = (first, _shift_months(first, 3) - timedelta(days=1))
    else:
        part = re.match(r"(?i)(early|mid|late)[- ]", words)
        found = _parse(words[part.end():] if part else words, as_of)
        if part and found:
            found = _part(found, part.group(1).lower())
    if found is None or found[0] > as_of or found[0].year < 1800:
        return None
    return found


def _part(period: tuple[date, date], part: str) -> tuple[date, date]:
    """The early, mid or late third of a month ("late August": 21 to 31 August) or of a
    year ("early 1963": January to April)."""
    first, last = period
    if first.month == last.month:  # a month: days 1-10, 11-20, 21-end
        return {"early": (first, first.replace(day=10)),
                "mid": (first.replace(day=11), first.replace(day=20)),
                "late": (first.replace(day=21), last)}[part]
    start = {"early": 0, "mid": 4, "late": 8}[part]  # a year: four months each
    begin = _shift_months(first, start)
    return begin, _shift_months(begin, 4) - timedelta(days=1)


@lru_cache(maxsize=4096)
def _parse(text: str, as_of: date) -> tuple[date, date] | None:
    parser = _parser(as_of)
    data = parser.get_date_data(text)
    if data.date_obj is None:
        return None
    day = data.date_obj.date()
    if data.period == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    if data.period == "month":
        first = day.replace(day=1)
        return first, _shift_months(first, 1) - timedelta(days=1)
    return day, day


@lru_cache(maxsize=64)
def _parser(as_of: date) -> DateDataParser:
    base = datetime(as_of.year, as_of.month, as_of.day, 12)
    return DateDataParser(languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first"})


def _shift_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"{day} shifted by {months} months is outside the calendar")


def _shift_years(day: date, years: int) -> date:
    return _shift_months(day, 12 * years)


def _without(question: str, spans: list[tuple[int, int]]) -> str:
    """The question with the time words taken out and the sentence tidied."""
    parts, position = [], 0
    for start, end in sorted(spans):
        parts.append(question[position:start])
        position = max(position, end)
    parts.append(question[position:])
    text = re.sub(r"\s+", " ", "".join(parts))
    text = re.sub(r"\s+([?.!,;:])", r"\1", text)
    text = re.sub(r",(?=[?.!]|$)", "", text)
    text = re.sub(r"^[\s,;:]+", "", text).strip()
    return text[:1].upper() + text[1:] if question[:1].isupper() else text


def _label(since: date | None, until: date | None, latest: bool) -> str:
    """"Articles from July 1963", "Articles since 1 February 2026", "Latest articles"."""
    head = "Latest articles" if latest else "Articles"
    if since and until:
        return f"{head} from {_describe(since, until)}"
    if since:
        return f"{head} since {_day(since)}"
    if until:
        return f"{head} until {_day(until)}"
    return head


def _describe(since: date, until: date) -> str:
    if since == until:
        return _day(since)
    whole_months = since.day == 1 and (until + timedelta(days=1)).day == 1
    if whole_months and (since.month, until.month) == (1, 12):
        years = str(since.year)
        return years if since.year == until.year else f"{years} to {until.year}"
    if whole_months:
        end = f"{until:%B %Y}"
        if (since.year, since.month) == (until.year, until.month):
            return end
        return f"{since:%B}{'' if since.year == until.year else f' {since.year}'} to {end}"
    if (since.year, since.month) == (until.year, until.month):
        return f"{since.day} to {_day(until)}"
    start = f"{since.day} {since:%B}" if since.year == until.year else _day(since)
    return f"{start} to {_day(until)}"


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
