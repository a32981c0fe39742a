"""The app's background jobs, both off by default: re-indexing when the corpus folder
changes (``--watch``) and updating the followed feeds on a schedule (``--poll-feeds``).
Their builds take their turn on the app's :class:`~qa.index.updater.Updater` (one build at
a time, the chat's included); what they did goes to the log, and the chat's status line
follows the new version."""

from __future__ import annotations

import logging
import threading

from qa.index.report import BuildReport
from qa.index.updater import Updater
from qa.settings import Settings

log = logging.getLogger(__name__)


def log_build(report: BuildReport | None, error: str | None) -> None:
    """What a background build did, for the server log."""
    if error:
        log.warning("update failed: %s - the previous index is still serving", error)
    else:
        log.warning("index updated: %s", report.summary())  # type: ignore[union-attr]


def poll_feeds(updater: Updater, settings: Settings, stop: threading.Event) -> None:
    """Every ``settings.feed_poll_minutes`` until ``stop``: update the feeds, and the index
    if anything new arrived. The feeds were chosen by whoever runs the app (``qa feeds
    add``), so they are fetched as the CLI fetches them."""
    from qa.fresh.feeds import FeedList
    from qa.fresh.fetch import Fetcher, Policy

    feeds = FeedList(settings)
    fetcher = Fetcher(Policy.from_settings(settings, from_chat=False))
    while not stop.wait(settings.feed_poll_minutes * 60):
        poll_once(updater, feeds, fetcher)


def poll_once(updater: Updater, feeds, fetcher) -> None:
    """One round: fetch every feed, update the index when something changed. Whatever
    fails is logged; the next round tries again."""
    try:
        updated = feeds.update(fetcher)
        for line in updated.lines:
            log.warning("feeds: %s", line)
        if updated.fetched.changed:
            log_build(updater.update(), None)
    except Exception as exc:  # noqa: BLE001 - the next round tries again
        log.exception("feed update failed")
        log_build(None, f"{type(exc).__name__}: {exc}")


def start(updater: Updater, settings: Settings) -> threading.Event:
    """Start the jobs ``settings`` asks for; setting the returned event stops them."""
    stop = threading.Event()
    if settings.watch:
        from qa.fresh.watch import watch

        threading.Thread(target=watch, name="qa-watch", daemon=True,
                         args=(updater, log_build), kwargs=dict(stop=stop)).start()
        log.warning("watching %s/ for changes", settings.corpus_dir)
    if settings.feed_poll_minutes > 0:
        threading.Thread(target=poll_feeds, name="qa-feeds", daemon=True,
                         args=(updater, settings, stop)).start()
        log.warning("updating feeds every %g minutes", settings.feed_poll_minutes)
    return stop
