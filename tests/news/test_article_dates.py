"""Relative and partial dates in article prose, resolved against the article's date."""

from __future__ import annotations

from datetime import date

import pytest

from qa.news.article_dates import DateMention, display, resolve

from helpers.data import SEED as SAMPLE

FRIDAY = date(2026, 1, 30)  # the sample article's date


def one(text: str, article_date: date = FRIDAY) -> DateMention:
    found = resolve(text, article_date)
    assert len(found) == 1, found
    return found[0]


def test_sample_article_days() -> None:
    text = SAMPLE.read_text()
    found = {m.text: m for m in resolve(text, FRIDAY)}
    # "On 25 January, Jaishankar met a US congressional delegation": that Sunday.
    assert found["25 January"].date == date(2026, 1, 25)
    assert display(found["25 January"]) == "Sunday (25 January 2026)"
    # "met ... in New Delhi on Thursday, 29 January 2026"
    assert found["Thursday, 29 January 2026"].date == date(2026, 1, 29)
    assert display(found["Thursday, 29 January 2026"]) == "Thursday (29 January 2026)"
    assert found["4 February"].date == date(2026, 2, 4)  # ahead: the nearest 4 February
    assert found["next week"].date == date(2026, 2, 2) and found["next week"].granularity == "week"
    for mention in found.values():
        assert text[mention.start:mention.end] == mention.text


def test_sample_weekdays_in_the_issue_wording() -> None:
    # The issue describes the sample as saying "on Sunday" and "on Thursday".
    text = "Jaishankar met the delegation on Sunday. He met Gor on Thursday in New Delhi."
    found = resolve(text, FRIDAY)
    assert [(m.text, m.date) for m in found] == [("Sunday", date(2026, 1, 25)),
                                                 ("Thursday", date(2026, 1, 29))]
    assert display(found[0]) == "Sunday (25 January 2026)"


@pytest.mark.parametrize(("text", "expected", "granularity"), [
    ("He spoke on Friday.", "2026-01-30", "day"),  # the article's own day
    ("He spoke last Friday.", "2026-01-23", "day"),
    ("They will meet on Tuesday.", "2026-02-03", "day"),  # future tense
    ("They meet next Tuesday.", "2026-02-03", "day"),
    ("The talks on Monday failed.", "2026-01-26", "day"),
    ("Saturday's match was cancelled.", "2026-01-24", "day"),
    ("It rained on Monday night.", "2026-01-26", "day"),
    ("He resigned yesterday.", "2026-01-29", "day"),
    ("He resigns today.", "2026-01-30", "day"),
    ("Prices rose last week.", "2026-01-19", "week"),
    ("Prices rose this week.", "2026-01-26", "week"),
    ("Prices rose last month.", "2025-12-01", "month"),
    ("Prices rose earlier this month.", "2026-01-01", "month"),
    ("Profits fell last year.", "2025-01-01", "year"),
    ("Profits will rise next year.", "2027-01-01", "year"),
    ("He left two weeks ago.", "2026-01-16", "day"),
    ("He left six months ago.", "2025-07-01", "month"),
    ("The deal was signed on 25 January.", "2026-01-25", "day"),
    ("The deal was signed on January 25.", "2026-01-25", "day"),
    ("The deal was signed on 25 January 2025.", "2025-01-25", "day"),
    ("The deal was signed on 28 December.", "2025-12-28", "day"),  # nearest: last year
    ("He joined in June 2004.", "2004-06-01", "month"),
    ("He joined in March.", "2026-03-01", "month"),
    ("He joined in November.", "2025-11-01", "month"),
    ("He joined last March.", "2025-03-01", "month"),
    ("He joined in 1997.", "1997-01-01", "year"),
])
def test_expression_resolves(text: str, expected: str, granularity: str) -> None:
    mention = one(text)
    assert (mention.date, mention.granularity) == (date.fromisoformat(expected), granularity)
    assert text[mention.start:mention.end] == mention.text


@pytest.mark.parametrize("text", [
    "The Sunday Times said so.",
    "He told BBC Radio 4's Today programme.",
    "Good news for the Monday Club.",
    "May 20 people died there?",
    "He bought 2000 homes in 2000 homes.",
    "He said on 31 February.",
    "It happened in the 11 September attacks.",
    "",
])
def test_names_and_nonsense_are_not_dates(text: str) -> None:
    assert resolve(text, FRIDAY) == ()


def test_display_by_granularity() -> None:
    assert display(one("Prices rose last week.")) == "the week of 19 January 2026"
    assert display(one("Prices rose last month.")) == "December 2025"
    assert display(one("Profits fell last year.")) == "2025"


def test_mentions_in_text_order_and_frozen() -> None:
    found = resolve("Yesterday he left; on Monday he arrived; last week he packed.", FRIDAY)
    assert [m.text for m in found] == ["Yesterday", "Monday", "last week"]
    with pytest.raises(AttributeError):
        found[0].date = FRIDAY  # type: ignore[misc]
