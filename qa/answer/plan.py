"""Planning the search for a question: what its words ask for (a period, a speaker, a
timeline), the filters that follow from them, and how many hits to gather."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from qa.errors import BadRequest
from qa.news.intent import Intent, read_question
from qa.news.question_dates import reference_date
from qa.search.filters import Filters
from qa.settings import Settings


@dataclass(frozen=True)
class Plan:
    """How to search for one question: ``k`` hits answer, ``shown`` are read (a timeline
    needs a few more), from a pool of ``pool`` ranked passages."""

    intent: Intent
    filters: Filters
    k: int
    shown: int
    pool: int
    understood: str | None  # the period read from the question, for the user


def plan_search(query: str, k: int, filters: Filters, settings: Settings, *,
                as_of: date | str | None, newest: date | None, dates: bool) -> Plan:
    """The plan for ``query`` (``k`` already checked). Time words ("in July 1963", "last
    week", "latest") become a date range read relative to ``as_of`` (default: today, or
    the newest article's date ``newest`` when the corpus is over a year old);
    ``dates=False`` searches them as words."""
    intent = read_question(query, _reference(as_of, newest), dates=dates)
    if intent.time:
        t = intent.time
        filters = filters.with_(recent=filters.recent or t.latest, about=(
            t.since.isoformat() if t.since else None, t.until.isoformat() if t.until else None))
    shown = max(k, 10) if intent.timeline else k
    # With a period: a pool deep enough that the best passages published in it can all
    # come first, ahead of passages of other dates that only name a day in it.
    pool = min(settings.max_k, 4 * max(shown, 10)) if intent.time else shown
    return Plan(intent, filters, k, shown, pool, intent.time.label if intent.time else None)


def _reference(as_of: date | str | None, newest: date | None) -> date:
    if isinstance(as_of, str):
        try:
            return date.fromisoformat(as_of.strip())
        except ValueError:
            raise BadRequest(f"as_of must be a date as YYYY-MM-DD, not {as_of[:20]!r}") from None
    return as_of or reference_date(newest, date.today())
