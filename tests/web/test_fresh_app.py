"""The app keeping itself fresh: `--watch` follows the corpus folder and `--poll-feeds`
updates the followed feeds, while the chat keeps serving (real server, real model)."""

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


def _search(url: str, question: str) -> list[dict]:
    from gradio_client import Client

    return Client(url, verbose=False).predict(question, 3, "hybrid", "", "", "",
                                              api_name="/search")


def _eventually(check, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if check():
            return time.monotonic() - started
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s")


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
        try:
            # The feed is polled every 3 s: its entry arrives without anyone asking.
            _eventually(lambda: any(h["title"] == "Alpine footbridge opens"
                                    for h in _search(url, "footbridge gorge Zermatt")), 60)
            story = sorted((BBC / "business").glob("*.txt"))[0]
            shutil.copy(story, corpus / "dropped-in.txt")
            waited = _eventually(lambda: any(h["article_id"] == "dropped-in.txt"
                                             for h in _search(url, story.read_text()[:200])), 30)
            assert waited < 15
        finally:
            stop_app(proc)
    log = next(home.glob("server-*.log")).read_text()
    assert "Traceback" not in log
    assert "watching" in log and "updating feeds every 0.05 minutes" in log
