"""Date filters as whole periods: ``2024`` is all of 2024, ``2024-03`` all of March.

Owns the one accepted spelling of a filter date (YYYY, YYYY-MM or YYYY-MM-DD), so that
``until="2024"`` means up to 2024-12-31 inclusive rather than 2024-01-01, and a value such
as ``"1"`` or ``"March"`` is refused instead of being filled in from 1900-01-01.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

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
    error = ValueError(f"not a date: {value!r} - use YYYY, YYYY-MM or YYYY-MM-DD")
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
