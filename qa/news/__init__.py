"""Reading news by rule: dates in questions and in articles, periods, people's names,
who said what, and the annotations a build stores with each article."""

from __future__ import annotations

from .annotate import Annotations
from .article_dates import DateMention, resolve
from .intent import Intent, read_question
from .names import find_names, same_person
from .periods import iso_date, period
from .question_dates import TimeRange, read_time
from .quotes import Quote, find_quotes

__all__ = [
    "Annotations",
    "DateMention",
    "find_names",
    "find_quotes",
    "Intent",
    "iso_date",
    "period",
    "Quote",
    "read_question",
    "read_time",
    "resolve",
    "same_person",
    "TimeRange",
]
