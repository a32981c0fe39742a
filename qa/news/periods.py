"""What counts as a date: whole periods for filters, whole days for article metadata.

Filters: ``2024`` is all of 2024, ``2024-03`` all of March.

Owns the one accepted spelling of a filter date (YYYY, YYYY-MM or YYYY-MM-DD), so that
``until="2024"`` means up to 2024-12-31 inclusive rather than 2024-01-01, and a value such
as ``"1"`` or ``"March"`` is refused instead of being filled in from 1900-01-01. At
ingest, a date is kept only when year, month and day were all written (``iso_date``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from dateutil import parser as dateparser

from qa.errors import prefix

# Two defaults that differ in year, month and day: a part both parses agree on was written.
_DEFAULTS = (datetime(1900, 1, 1), datetime(2000, 2, 2))
_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def period(value: str) -> tuple[str, str]:
    """The first and last ISO day of the period ``value`` names.

    >>> period("2024")
    ('2024-01-01', '2024-12-31')
    >>> period("2024-02")
    ('2024-02-01', '2024-02-29')

    Raises ValueError, with the accepted forms, for anything else.
    """
    text = value.strip() if isinstance(value, str) else ""
    m = _PERIOD.fullmatch(text)
    shown = prefix(value) if isinstance(value, str) else type(value).__name__
    error = ValueError(f"not a date: {shown} - use YYYY, YYYY-MM or YYYY-MM-DD")
    if not m:
        raise error
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
        first = date(year, int(month), 1)
        if day is None:
            last = calendar.monthrange(year, first.month)[1]
            return first.isoformat(), first.replace(day=last).isoformat()
        one = date(year, first.month, int(day))
    except ValueError:  # month 13, 30 February, year 0000
        raise error from None
    return one.isoformat(), one.isoformat()


def iso_date(value: object) -> str | None:
    """An ISO ``YYYY-MM-DD`` for a date-like value, or None when it is not a whole date
    (a bare time, a month or a year is not)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    try:
        first, second = (dateparser.parse(value, default=d).date() for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError):
        return None
    # "10:30", "March" or "2024" would borrow the missing parts from a default: not a date.
    return first.isoformat() if first == second else None
