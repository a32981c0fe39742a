"""Time expressions in questions: a table of expressions and the ranges they mean."""

from __future__ import annotations

from datetime import date

import pytest

from qa.news.question_dates import TimeRange, read_time, reference_date

AS_OF = date(2026, 6, 17)  # a Wednesday


def d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


# (question, since, until, latest) relative to AS_OF.
UNDERSTOOD = [
    ("What happened with the test ban in July 1963?", "1963-07-01", "1963-07-31", False),
    ("What happened in July?", "2025-07-01", "2025-07-31", False),  # July 2026 is ahead
    ("What did Blair say in May?", "2026-05-01", "2026-05-31", False),
    ("What happened in June?", "2026-06-01", "2026-06-30", False),
    ("What happened in mid-July 1963?", "1963-07-11", "1963-07-20", False),
    ("Which pagoda was stormed in late August 1963?", "1963-08-21", "1963-08-31", False),
    ("What did de Gaulle say in early 1963?", "1963-01-01", "1963-04-30", False),
    ("What did Gor say on 25 January?", "2026-01-25", "2026-01-25", False),
    ("News on January 25, 2026", "2026-01-25", "2026-01-25", False),
    ("What happened on 25th January 2026?", "2026-01-25", "2026-01-25", False),
    ("What happened on the 4th of July?", "2025-07-04", "2025-07-04", False),
    ("What happened on 2026-01-25?", "2026-01-25", "2026-01-25", False),
    ("What happened on 03/04/2026?", "2026-04-03", "2026-04-03", False),  # day first
    ("What happened on 01/15/2026?", "2026-01-15", "2026-01-15", False),
    ("What happened in 1963?", "1963-01-01", "1963-12-31", False),
    ("Which deals were made during 1963?", "1963-01-01", "1963-12-31", False),
    ("Articles from July 1963 about Kennedy", "1963-07-01", "1963-07-31", False),
    ("What happened last week?", "2026-06-08", "2026-06-17", False),  # both readings
    ("What happened this week in tech?", "2026-06-15", "2026-06-17", False),
    ("last month's news", "2026-05-01", "2026-05-31", False),
    ("What happened this month?", "2026-06-01", "2026-06-17", False),
    ("Who won this year?", "2026-01-01", "2026-06-17", False),
    ("Who won last year?", "2025-01-01", "2025-12-31", False),
    ("What happened yesterday?", "2026-06-16", "2026-06-16", False),
    ("What happened today?", "2026-06-17", "2026-06-17", False),
    ("What changed since yesterday?", "2026-06-16", "2026-06-17", False),
    ("Articles since February", "2026-02-01", None, False),
    ("What happened since 3 March 2026?", "2026-03-03", None, False),
    ("What happened after March?", "2026-04-01", None, False),
    ("What happened before March?", None, "2026-02-28", False),
    ("What was said until April 2026?", None, "2026-04-30", False),
    ("What was agreed by April 2026?", None, "2026-04-30", False),
    ("What happened between May and July 1963?", "1963-05-01", "1963-07-31", False),
    ("What happened from May to July?", "2025-05-01", "2025-07-31", False),
    ("What happened between 1 May and 3 June 2026?", "2026-05-01", "2026-06-03", False),
    ("Blair news from 2004 to 2005", "2004-01-01", "2005-12-31", False),
    ("What happened in the past 3 days?", "2026-06-14", "2026-06-17", False),
    ("What happened in the last 2 weeks?", "2026-06-03", "2026-06-17", False),
    ("What happened over the past month?", "2026-05-17", "2026-06-17", False),
    ("What happened in the past week?", "2026-06-10", "2026-06-17", False),
    ("What happened in the previous three months?", "2026-03-17", "2026-06-17", False),
    ("Sales over the past 2 years", "2024-06-17", "2026-06-17", False),
    ("What happened in spring 1963?", "1963-03-01", "1963-05-31", False),
    ("What happened in the summer of 1963?", "1963-06-01", "1963-08-31", False),
    ("What happened in the winter of 1963?", "1962-12-01", "1963-02-28", False),
    ("What happened on Sunday?", "2026-06-14", "2026-06-14", False),
    ("What happened last Sunday?", "2026-06-14", "2026-06-14", False),
    ("What happened on Wednesday?", "2026-06-10", "2026-06-10", False),  # not today
    ("What's the latest on critical minerals?", None, None, True),
    ("Any recent news about Apple?", None, None, True),
    ("What is the most recent Blair speech?", None, None, True),
    ("What is the newest iPod?", None, None, True),
    ("What is the latest news in July 1963?", "1963-07-01", "1963-07-31", True),
]

# Ambiguous or invalid: nothing understood, the question searched as written.
IGNORED = [
    "May I ask what Blair said?",
    "Who reviewed March of the Penguins?",
    "What did the Sunday Times report?",
    "what did Sunday Times report",
    "How did Apple's June sales go?",
    "Summarise it in 2 000 words",
    "Summarise it in 2000 words",
    "Why did 3 people die?",
    "What happened on 31 February?",
    "What happened on 13/13/2020?",
    "What was the 1963 test ban treaty?",  # a year naming an event, not a date filter
    "What happened in 2030?",  # the future has no articles
    "What happened in 1066?",
    "Did they meet in May I wonder?",
    "What will happen next week?",
    "What did Blair say about the budget?",
    "Who won the recent Italian elections?",  # an event's adjective, not "newest first"
    "",
]


@pytest.mark.parametrize(("question", "since", "until", "latest"), UNDERSTOOD)
def test_expression_means_range(question: str, since: str | None, until: str | None,
                                latest: bool) -> None:
    found = read_time(question, AS_OF)
    assert found is not None, question
    assert (found.since, found.until, found.latest) == (d(since), d(until), latest)
    assert found.rest != question and found.matched


@pytest.mark.parametrize("question", IGNORED)
def test_ambiguous_or_invalid_changes_nothing(question: str) -> None:
    assert read_time(question, AS_OF) is None


def test_table_is_large_enough() -> None:
    assert len(UNDERSTOOD) + len(IGNORED) >= 45


@pytest.mark.parametrize(("question", "label"), [
    ("What happened with the test ban in July 1963?", "Articles from July 1963"),
    ("Articles since February", "Articles since 1 February 2026"),
    ("What's the latest on critical minerals?", "Latest articles"),
    ("What is the latest news in July 1963?", "Latest articles from July 1963"),
    ("What happened before March?", "Articles until 28 February 2026"),
    ("What did Gor say on 25 January?", "Articles from 25 January 2026"),
    ("What happened between May and July 1963?", "Articles from May to July 1963"),
    ("What happened in 1963?", "Articles from 1963"),
    ("What happened last week?", "Articles from 8 to 17 June 2026"),
    ("Who won this year?", "Articles from 1 January to 17 June 2026"),
    ("What happened in the winter of 1963?", "Articles from December 1962 to February 1963"),
])
def test_label_says_what_was_understood(question: str, label: str) -> None:
    found = read_time(question, AS_OF)
    assert found is not None and found.label == label


@pytest.mark.parametrize(("question", "rest"), [
    ("What happened with the test ban in July 1963?", "What happened with the test ban?"),
    ("In July 1963, what did Kennedy say?", "What did Kennedy say?"),
    ("What did Kennedy say in June 1963 about Berlin?", "What did Kennedy say about Berlin?"),
    ("last month's news", "news"),
    ("What's the latest on critical minerals?", "What's on critical minerals?"),
    ("What did Gor say on 25 January?", "What did Gor say?"),
])
def test_rest_is_the_question_without_time_words(question: str, rest: str) -> None:
    found = read_time(question, AS_OF)
    assert found is not None and found.rest == rest


def test_matched_spans_are_the_time_words() -> None:
    question = "What did Kennedy say in June 1963 about the latest Berlin talks?"
    found = read_time(question, AS_OF)
    assert found is not None
    assert [question[a:b] for a, b in found.matched] == ["in June 1963", "the latest"]


def test_time_range_is_frozen() -> None:
    found = read_time("in 1963", AS_OF)
    assert isinstance(found, TimeRange)
    with pytest.raises(AttributeError):
        found.since = None  # type: ignore[misc]


@pytest.mark.parametrize(("newest", "today", "expected"), [
    (None, "2026-06-17", "2026-06-17"),
    ("2026-05-01", "2026-06-17", "2026-06-17"),
    ("2025-06-17", "2026-06-17", "2026-06-17"),  # exactly a year: still today
    ("2025-06-16", "2026-06-17", "2025-06-16"),
    ("1963-12-27", "2026-06-17", "1963-12-27"),
])
def test_reference_date(newest: str | None, today: str, expected: str) -> None:
    assert reference_date(d(newest), date.fromisoformat(today)) == date.fromisoformat(expected)


def test_relative_words_follow_the_reference_date() -> None:
    as_of = reference_date(date(1963, 12, 27), date(2026, 6, 17))
    found = read_time("What happened in July?", as_of)
    assert found is not None and (found.since, found.until) == (date(1963, 7, 1),
                                                                date(1963, 7, 31))
