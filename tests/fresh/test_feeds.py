"""Following feeds: new entries only, conditional requests, updated entries, failures
reported while the rest still land, and hostile feeds. Served from 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa import Retriever, Settings, build_index
from qa.cli import main
from qa.errors import FetchRefused
from qa.fresh.feeds import FeedList
from qa.fresh.fetch import Fetcher, Policy

from helpers.webserver import Route, Site, article_html, rss

DATES = ("Mon, 02 Feb 2026 09:00:00 GMT", "Tue, 03 Feb 2026 09:00:00 GMT",
         "Wed, 04 Feb 2026 09:00:00 GMT")
STORIES = (
    "Copper prices rose sharply after a strike closed the largest mine in Chile, traders "
    "in London said on Monday, and smelters warned of shortages.",
    "The city council approved a new tram line linking the harbour to the university, "
    "with construction due to start in the autumn and finish within three years.",
    "A rare comet will be visible to the naked eye next week, astronomers said, urging "
    "people to look low in the western sky shortly after sunset.",
)


@pytest.fixture
def quick(settings: Settings) -> Settings:
    return settings.with_(fetch_host_interval=0.0, fetch_timeout=1.0, fetch_deadline=3.0)


def fetcher(settings: Settings) -> Fetcher:
    return Fetcher(Policy.from_settings(settings, from_chat=False))


def serve_news(site: Site, etag: str = '"v1"', stories=STORIES, dates=DATES) -> None:
    for n, text in enumerate(stories, start=1):
        site.page(f"/news/{n}", article_html(f"Story {n}", text + "\n\n" + text))
    site.routes["/feed.xml"] = Route(
        body=rss([(f"s{n}", site.url(f"/news/{n}"), dates[n - 1]) for n in (1, 2, 3)]).encode(),
        etag=etag, headers={"Content-Type": "application/rss+xml",
                            "Last-Modified": "Wed, 04 Feb 2026 10:00:00 GMT"})


def test_a_feed_of_three_adds_three_then_nothing_with_conditional_requests(
        site: Site, quick: Settings, fake) -> None:
    serve_news(site)
    feeds, once = FeedList(quick), fetcher(quick)
    feeds.add(site.url("/feed.xml"), once)
    first = feeds.update(once)
    assert sum(s.changed for s in first.fetched.saved) == 3 and not first.fetched.refused
    report = build_index(quick.corpus_dir, settings=quick, embedder=fake)
    assert len(report.added) == 3
    hits = Retriever.load(settings=quick, embedder=fake).search("tram line harbour university")
    assert hits[0].title == "Story 2" and hits[0].url == site.url("/news/2")
    assert hits[0].date == "2026-02-03"

    before = len(site.requests)
    second = feeds.update(once)
    assert not second.fetched.saved and "not modified" in second.lines[0]
    (path, headers), = site.requests[before:]  # one request: the feed, answered 304
    assert path == "/feed.xml"
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 04 Feb 2026 10:00:00 GMT"
    assert build_index(quick.corpus_dir, settings=quick, embedder=fake).added == ()
    (feed,) = feeds.feeds()
    assert feed.title == "Test Times" and feed.new == 0 and feed.error is None


def test_an_updated_entry_updates_its_article(site: Site, quick: Settings, fake) -> None:
    serve_news(site)
    feeds = FeedList(quick)
    feeds.add(site.url("/feed.xml"), fetcher(quick))
    feeds.update(fetcher(quick))
    build_index(quick.corpus_dir, settings=quick, embedder=fake)
    corrected = (STORIES[0], STORIES[1].replace("three years", "five years"), STORIES[2])
    serve_news(site, etag='"v2"', stories=corrected,
               dates=(DATES[0], "Thu, 05 Feb 2026 12:00:00 GMT", DATES[2]))
    updated = feeds.update(fetcher(quick))
    assert [s.url for s in updated.fetched.saved] == [site.url("/news/2")]
    report = build_index(quick.corpus_dir, settings=quick, embedder=fake)
    assert len(report.updated) == 1 and not report.added
    (hit,) = Retriever.load(settings=quick, embedder=fake).search("tram line", k=1)
    assert "five years" in hit.text


def test_an_entry_whose_page_fails_is_reported_and_the_rest_land(site: Site,
                                                                 quick: Settings) -> None:
    serve_news(site)
    site.routes["/news/2"] = Route(500, body=b"oops")
    feeds = FeedList(quick)
    feeds.add(site.url("/feed.xml"), fetcher(quick))
    updated = feeds.update(fetcher(quick))
    assert sorted(s.url for s in updated.fetched.saved) == [site.url("/news/1"),
                                                            site.url("/news/3")]
    assert any(site.url("/news/2") in line and "HTTP 500" in line for line in updated.lines)
    assert feeds.feeds()[0].error == "1 entry failed"
    # The failed entry is tried again next time (the feed changed meanwhile).
    serve_news(site, etag='"v2"')
    again = feeds.update(fetcher(quick))
    assert [s.url for s in again.fetched.saved] == [site.url("/news/2")]


def test_a_site_page_leads_to_its_feed(site: Site, quick: Settings) -> None:
    serve_news(site)
    site.page("/", '<html><head><link rel="alternate" type="application/rss+xml" '
                   'href="/feed.xml"></head><body>Home</body></html>')
    feed = FeedList(quick).add(site.url("/"), fetcher(quick))
    assert feed.url == site.url("/feed.xml")


@pytest.mark.parametrize("body, content_type, reason", [
    (b"<rss><channel><item><title>unclosed", "application/rss+xml", "XML errors"),
    (b"<rss><channel><title>x</title></ch", "application/rss+xml", "not a readable"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png", "content type image/png is not a feed"),
    (b"<html><body>no feed here</body></html>", "text/html", "text/html is not a feed"),
    (b"<feed><entry>", "application/atom+xml", "XML errors"),
])
def test_broken_feeds_give_a_clear_line(site: Site, quick: Settings, body: bytes,
                                        content_type: str, reason: str) -> None:
    serve_news(site)
    feeds = FeedList(quick)
    feeds.add(site.url("/feed.xml"), fetcher(quick))
    site.routes["/feed.xml"] = Route(body=body, headers={"Content-Type": content_type})
    updated = feeds.update(fetcher(quick))
    assert reason in updated.lines[0] and not updated.fetched.saved
    assert reason in feeds.feeds()[0].error


def test_adding_something_that_is_not_a_feed_is_refused(site: Site, quick: Settings) -> None:
    site.page("/plain", "<html><body><p>Just a page.</p></body></html>")
    with pytest.raises(FetchRefused, match="neither an RSS/Atom feed nor a page naming one"):
        FeedList(quick).add(site.url("/plain"), fetcher(quick))
    assert FeedList(quick).feeds() == []


def test_a_feed_of_ten_thousand_entries_reads_only_the_newest(site: Site,
                                                              quick: Settings) -> None:
    site.page("/news/9999", article_html("Newest", STORIES[2] + " " + STORIES[0]))
    items = [(f"e{n}", site.url(f"/news/{n}"),
              f"Mon, {1 + n % 28:02d} Dec 2025 {n % 24:02d}:00:00 GMT") for n in range(9999)]
    items.append(("e9999", site.url("/news/9999"), "Fri, 30 Jan 2026 09:00:00 GMT"))
    site.feed("/big.xml", rss(items))
    small = quick.with_(max_feed_entries=3)
    feeds = FeedList(small)
    feeds.add(site.url("/big.xml"), fetcher(small))
    updated = feeds.update(fetcher(small))
    assert "lists 10000 entries, read the newest 3" in updated.lines[0]
    assert site.url("/news/9999") in [s.url for s in updated.fetched.saved]
    assert len(site.paths()) < 10  # robots, the feed twice, three pages


def test_the_cli_follows_lists_updates_and_removes_a_feed(site: Site, tmp_path,
                                                          monkeypatch) -> None:
    serve_news(site)
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    url = site.url("/feed.xml")
    assert "following " + url in run(main, ["feeds", "add", url]).output
    status = run(main, ["feeds"]).output
    assert url in status and "never fetched" in status
    result = run(main, ["feeds", "update", "-q"])
    assert result.exit_code == 0, result.output
    assert "3 new or changed" in result.output
    assert "3 added, 0 updated" in result.output
    assert json.loads((tmp_path / "index" / "feeds.json").read_text())["feeds"][0]["new"] == 3
    answer = run(main, ["ask", "When will the comet be visible?", "-k", "1"]).output
    assert "comet" in answer and "Story 3" in answer
    assert "3 new" in run(main, ["feeds", "list"]).output
    assert "no longer following" in run(main, ["feeds", "remove", url]).output
    missing = run(main, ["feeds", "remove", url])
    assert missing.exit_code == 1 and "not following" in missing.output


def test_an_entry_on_another_site_is_that_sites_own_page_not_the_feeds_words(
        site: Site, quick: Settings) -> None:
    """A feed may link to other sites' pages, but its own summary never stands in for
    their text, nor its name for their source (issue 20, item 7)."""
    with Site() as other:  # another port: another site
        other.page("/short", "<html><body><nav>Home | News</nav></body></html>")
        other.page("/full", article_html("Their story", STORIES[0] + "\n\n" + STORIES[0]))
        site.page("/ours", "<html><body><nav>Home</nav></body></html>")
        site.feed("/feed.xml", rss([("a", other.url("/short"), DATES[0]),
                                    ("b", other.url("/full"), DATES[1]),
                                    ("c", site.url("/ours"), DATES[2])], title="Planted Feed"))
        feeds = FeedList(quick)
        feeds.add(site.url("/feed.xml"), fetcher(quick))
        updated = feeds.update(fetcher(quick))
    saved = {s.url: json.loads((quick.corpus_dir / s.path).read_text())
             for s in updated.fetched.saved}
    assert [r.id for r in updated.fetched.refused] == [other.url("/short")]
    assert "no article text" in updated.fetched.refused[0].reason
    assert saved[other.url("/full")]["source"] == "Test Times"  # the page's own site name
    assert saved[other.url("/full")]["title"] == "Their story"
    # On the feed's own site, the feed's summary still fills a page that lacks text.
    assert saved[site.url("/ours")]["source"] == "Planted Feed"
    assert saved[site.url("/ours")]["text"] == "Summary of c"
