"""The app keeping itself fresh: `--watch` follows the corpus folder and `--poll-feeds`
updates the followed feeds, while the chat keeps serving (real server, real model).

The test waits for what the app logs (each background build's report, logged once the
chat serves the new version) and then searches; it asserts no timings.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from test_web import start_app, stop_app

from qa import Settings
from qa.fresh.feeds import FeedList
from qa.fresh.fetch import Fetcher, Policy

from helpers.data import BBC, SEED
from helpers.webserver import Site, article_html, rss

HUNG = 600  # seconds without the awaited log line: the app is stuck (not a speed limit)


def _search(url: str, question: str) -> list[dict]:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, 3, "hybrid", "", "", "",
                                              api_name="/search")


class Log:
    """The app's log file, read as it grows."""

    def __init__(self, home: Path) -> None:
        self.path = next(home.glob("server-*.log"))

    def lines(self) -> list[str]:
        return self.path.read_text(errors="replace").splitlines()

    def wait_for(self, text: str, times: int = 1) -> None:
        """Wait until ``times`` lines of the log hold ``text``."""
        deadline = time.monotonic() + HUNG
        while sum(text in line for line in self.lines()) < times:
            if time.monotonic() > deadline:
                raise AssertionError(f"the app never logged {text!r} {times} times:\n"
                                     + "\n".join(self.lines()))
            time.sleep(0.2)  # the file grows as the app logs: look again


def test_the_app_follows_a_watched_folder_and_polled_feeds(tmp_path: Path) -> None:
    home = tmp_path
    corpus = home / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    text = ("Engineers finished the longest suspension footbridge in the Alps on Friday, "
            "a 620-metre span above the gorge near Zermatt, the canton said.")
    with Site() as site:
        site.page("/bridge", article_html("Alpine footbridge opens", text + "\n\n" + text))
        site.feed("/feed.xml", rss([("b1", site.url("/bridge"), "Fri, 06 Feb 2026 09:00:00 GMT")]))
        settings = Settings(corpus_dir=corpus, index_dir=home / "index",
                            fetch_host_interval=0.0)
        FeedList(settings).add(site.url("/feed.xml"),
                               Fetcher(Policy.from_settings(settings, from_chat=False)))
        proc, url = start_app(home, home / "index", "--watch", "--poll-feeds", "0.05")
        log = Log(home)
        try:
            # The feed is polled every 3 s: its entry arrives without anyone asking, and a
            # background build (the feed job's or the watcher's, whichever sees it first)
            # indexes it.
            log.wait_for(": 1 new or changed")  # the feed job saved the page
            log.wait_for("index updated: 1 added")
            assert any(h["title"] == "Alpine footbridge opens"
                       for h in _search(url, "footbridge gorge Zermatt"))
            story = sorted((BBC / "business").glob("*.txt"))[0]
            shutil.copy(story, corpus / "dropped-in.txt")
            log.wait_for("index updated: 1 added", times=2)
            assert any(h["article_id"] == "dropped-in.txt"
                       for h in _search(url, story.read_text()[:200]))
        finally:
            stop_app(proc)
    logged = "\n".join(log.lines())
    assert "Traceback" not in logged
    assert "watching" in logged and "updating feeds every 0.05 minutes" in logged
