"""The search options as one value: retrieval mode, date range and source.

``Filters`` travels unchanged from the CLI, the app or the caller down to ranking, and
checks itself on creation, so every layer below can trust it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from .dates import period
from .errors import BadRequest
from .settings import Mode


@dataclass(frozen=True)
class Filters:
    """How to search: ``mode`` (``None``: the configured default), and which articles.

    ``since``/``until`` take ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` and mean whole
    periods: ``since="2024-03"`` starts on 1 March, ``until="2024"`` ends on 31 December,
    both inclusive. Articles without a date are left out when either is given.
    ``source`` matches an article's source case-insensitively.
    """

    mode: Mode | None = None
    since: str | None = None
    until: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if self.mode is not None and self.mode not in get_args(Mode):
            raise BadRequest(f"unknown mode {self.mode!r} - use dense, bm25 or hybrid")
        for name, value in (("since", self.since), ("until", self.until),
                            ("source", self.source)):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"{name} must be text, not {type(value).__name__}")
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
        return bool(self.since or self.until or self.source)
