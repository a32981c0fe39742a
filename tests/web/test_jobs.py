"""qa/web/jobs.py on its own: the app's background jobs (a watched folder, polled feeds)
with a fake Updater and fake feeds; each job's work signals an event the test waits on.
The whole app with both jobs on is tests/web/test_fresh_app.py."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import pytest

import qa.fresh.feeds
from qa import Settings
from qa.index.report import BuildReport
from qa.web import jobs

HUNG = 120  # seconds without the awaited event: a job is stuck (not a speed limit)


class FakeUpdater:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.calls = 0
        self.called = threading.Event()

    def update(self) -> BuildReport:
        self.calls += 1
        self.called.set()
        return BuildReport(added=("new.txt",), articles=2, passages=5)


@dataclass
class Fetched:
    changed: bool


@dataclass
class Updated:
    fetched: Fetched
    lines: tuple[str, ...]


class FakeFeeds:
    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.polled = threading.Event()

    def update(self, fetcher) -> Updated:
        self.polled.set()
        outcome = self.outcomes.pop(0) if self.outcomes else Updated(Fetched(False), ())
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def test_a_poll_with_new_entries_updates_the_index_and_logs_both(settings, caplog) -> None:
    updater = FakeUpdater(settings)
    feeds = FakeFeeds(Updated(Fetched(True), ("http://x/feed.xml: 1 new or changed",)))
    with caplog.at_level(logging.WARNING, logger="qa.web.jobs"):
        jobs.poll_once(updater, feeds, fetcher=None)
    assert updater.calls == 1
    assert "feeds: http://x/feed.xml: 1 new or changed" in caplog.text
    assert "index updated: 1 added" in caplog.text


def test_a_poll_without_news_builds_nothing(settings, caplog) -> None:
    updater = FakeUpdater(settings)
    jobs.poll_once(updater, FakeFeeds(Updated(Fetched(False), ("x: not modified",))), None)
    assert updater.calls == 0


def test_a_failed_poll_is_logged_and_the_next_one_still_runs(settings, caplog) -> None:
    updater = FakeUpdater(settings)
    feeds = FakeFeeds(RuntimeError("feed server down"), Updated(Fetched(True), ()))
    with caplog.at_level(logging.WARNING, logger="qa.web.jobs"):
        jobs.poll_once(updater, feeds, None)  # does not raise
        jobs.poll_once(updater, feeds, None)
    assert "update failed: RuntimeError: feed server down" in caplog.text
    assert updater.calls == 1


def _thread(name: str) -> threading.Thread | None:
    return next((t for t in threading.enumerate() if t.name == name), None)


def test_no_job_runs_unless_asked(settings: Settings) -> None:
    stop = jobs.start(FakeUpdater(settings), settings)
    assert _thread("qa-watch") is None and _thread("qa-feeds") is None
    stop.set()


def test_the_feed_job_polls_on_its_schedule_until_stopped(settings: Settings,
                                                          monkeypatch) -> None:
    feeds = FakeFeeds(Updated(Fetched(True), ()))
    monkeypatch.setattr(qa.fresh.feeds, "FeedList", lambda _settings: feeds)
    updater = FakeUpdater(settings)
    stop = jobs.start(updater, settings.with_(feed_poll_minutes=0.001))
    thread = _thread("qa-feeds")
    assert thread is not None
    assert updater.called.wait(HUNG) and feeds.polled.is_set()
    stop.set()
    thread.join(HUNG)
    assert not thread.is_alive()


def test_the_watch_job_builds_through_the_shared_updater(settings: Settings) -> None:
    settings.corpus_dir.mkdir(parents=True)
    updater = FakeUpdater(settings)
    stop = jobs.start(updater, settings.with_(watch=True))
    thread = _thread("qa-watch")
    assert thread is not None
    assert updater.called.wait(HUNG)  # the watcher's first build, through the updater
    stop.set()
    thread.join(HUNG)
    assert not thread.is_alive()


@pytest.fixture(autouse=True)
def _no_leftover_jobs():
    yield
    assert _thread("qa-watch") is None and _thread("qa-feeds") is None
