"""The search options as one value: retrieval mode, date range and source.

``Filters`` travels unchanged from the CLI, the app or the caller down to ranking, and
checks itself on creation, so every layer below can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import get_args

from qa.errors import BadRequest, bounded, prefix
from qa.news.periods import period
from qa.settings import Mode, Settings


@dataclass(frozen=True)
class Filters:
    """How to search: ``mode`` (``None``: the configured default), and which articles.

    ``since``/``until`` take ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and mean whole
    periods: ``since="2024-03"`` starts on 1 March, ``until="2024"`` ends on 31 December,
    both inclusive. Articles without a date are left out when either is given.
    ``source`` matches an article's source case-insensitively.

    ``about`` (``(first, last)`` days, ``YYYY-MM-DD``, either may be None) keeps passages
    about that period: from an article published in it, or naming a date in it ("on
    Sunday" in an article of 30 January 2026 names 25 January). Questions set it from
    their own words ("in July 1963"). ``person`` keeps articles naming that person (or
    organisation or place). ``recent`` orders the relevant hits newest first.
    """

    mode: Mode | None = None
    since: str | None = None
    until: str | None = None
    source: str | None = None
    about: tuple[str | None, str | None] | None = None
    person: str | None = None
    recent: bool = False

    def __post_init__(self) -> None:
        mode = bounded("mode", self.mode, Settings.max_field_chars)
        if mode is not None and mode not in get_args(Mode):
            raise BadRequest(f"unknown mode {prefix(mode)} - use dense, bm25 or hybrid")
        for name, value in (("since", self.since), ("until", self.until),
                            ("source", self.source), ("person", self.person)):
            value = bounded(name, value, Settings.max_field_chars)
            cleaned = value.strip() if value else None
            object.__setattr__(self, name, cleaned or None)
        try:
            first = period(self.since)[0] if self.since else None
            last = period(self.until)[1] if self.until else None
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if first and last and first > last:
            raise BadRequest(f"since {self.since} is after until {self.until} - "
                             "swap them or widen the range")
        object.__setattr__(self, "_first_day", first)
        object.__setattr__(self, "_last_day", last)
        if self.about is not None:
            ends = tuple(self.about)
            if len(ends) != 2 or not all(e is None or isinstance(e, str) for e in ends):
                raise BadRequest("about must be a (first day, last day) pair")
            try:
                ends = (period(ends[0])[0] if ends[0] else None,
                        period(ends[1])[1] if ends[1] else None)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
            object.__setattr__(self, "about", ends if any(ends) else None)

    @property
    def first_day(self) -> str | None:
        """``YYYY-MM-DD`` of the first day allowed, or None."""
        return self._first_day  # type: ignore[attr-defined]

    @property
    def last_day(self) -> str | None:
        """``YYYY-MM-DD`` of the last day allowed (inclusive), or None."""
        return self._last_day  # type: ignore[attr-defined]

    @property
    def restricts(self) -> bool:
        """Whether any article may be left out."""
        return bool(self.since or self.until or self.source or self.about or self.person)

    def with_(self, **changes: object) -> Filters:
        return replace(self, **changes)  # type: ignore[arg-type]
