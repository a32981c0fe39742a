"""Following RSS/Atom feeds: the list of feeds, what each has already given, and an update
that fetches only the new or changed entries' pages into the corpus.

The list lives in ``<index>/feeds.json`` (written atomically, under a lock). Each feed keeps
its ``ETag``/``Last-Modified`` for conditional requests and, per entry id, the stamp it had
(its updated or published date): an entry is fetched again only when that stamp changes.
An entry whose page cannot be fetched is reported and tried again on the next update.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urljoin

from filelock import FileLock

from qa.errors import FetchRefused
from qa.ingest.corpus import Skipped
from qa.settings import Settings

from .fetch import FEED_TYPES, PAGE_TYPES, Fetcher
from .pages import Fetched, Page, Saved, canonical_url, fetch_page, refusal, same_site

FEEDS_FILE = "feeds.json"


@dataclass(frozen=True)
class Feed:
    url: str
    title: str = ""
    added: str = ""
    checked: str | None = None  # last update, UTC
    new: int = 0  # entries saved by the last update
    error: str | None = None  # of the last update
    etag: str | None = None
    last_modified: str | None = None
    seen: dict[str, str] = field(default_factory=dict, repr=False)  # entry id -> stamp

    def status(self) -> str:
        last = f"last fetched {self.checked}" if self.checked else "never fetched"
        outcome = f"error: {self.error}" if self.error else f"{self.new} new"
        return f"{self.url}  ({self.title or 'untitled'}; {last}; {outcome})"


@dataclass(frozen=True)
class Updated:
    """What one update of the feeds did."""

    fetched: Fetched
    lines: tuple[str, ...]  # one per feed, then one per refused entry


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_feed(text: str):
    """feedparser's reading of ``text`` (given as a stream: feedparser opens a string that
    looks like a URL or a file name, and that must never happen here)."""
    import feedparser

    return feedparser.parse(io.BytesIO(text.encode("utf-8")))


def discover(html: str, base: str) -> str | None:
    """The feed a web page announces (``<link rel="alternate" type="application/rss+xml">``)."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower()
        if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
            return urljoin(base, link.get("href").strip())
    return None


class FeedList:
    """The feeds a corpus follows."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.index_dir / FEEDS_FILE
        self._lock = FileLock(str(self.path) + ".lock", timeout=60)

    def feeds(self) -> list[Feed]:
        if not self.path.is_file():
            return []
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return [Feed(**f) for f in data.get("feeds", [])]

    def _write(self, feeds: list[Feed]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FEEDS_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"feeds": [asdict(f) for f in feeds]}, indent=1,
                                  ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def add(self, url: str, fetcher: Fetcher) -> Feed:
        """Follow the feed at ``url``, or the one a web page at ``url`` announces."""
        response = fetcher.get(url, (*FEED_TYPES, *PAGE_TYPES))
        parsed = parse_feed(response.text)
        feed_url = response.url
        if not parsed.entries and not parsed.version:
            found = discover(response.text, response.url)
            if not found:
                raise FetchRefused(f"{url}: neither an RSS/Atom feed nor a page naming one")
            feed_url = found
            parsed = parse_feed(fetcher.get(found, (*FEED_TYPES, "text/html")).text)
            if not parsed.version:
                raise FetchRefused(f"{found} (named by {url}): not an RSS/Atom feed")
        with self._lock:
            feeds = self.feeds()
            for existing in feeds:
                if existing.url == feed_url:
                    return existing
            feed = Feed(url=feed_url, title=parsed.feed.get("title", "")[:200], added=_now())
            self._write([*feeds, feed])
        return feed

    def remove(self, url: str) -> bool:
        with self._lock:
            feeds = self.feeds()
            kept = [f for f in feeds if f.url != url]
            if len(kept) == len(feeds):
                return False
            self._write(kept)
        return True

    def update(self, fetcher: Fetcher,
               progress: Callable[[int, int], None] | None = None) -> Updated:
        """Fetch each feed once (conditionally) and save its new or changed entries."""
        with self._lock:
            feeds = self.feeds()
            saved: list[Saved] = []
            refused: list = []
            lines: list[str] = []
            for done, feed in enumerate(feeds):
                if progress:
                    progress(done, len(feeds))
                feed, got, failed, line = self._update_one(feed, fetcher)
                feeds[done] = feed
                saved += got
                refused += failed
                lines.append(line)
                self._write(feeds)  # a crash later loses nothing already recorded
        lines += [f"  refused {r.id}: {r.reason}" for r in refused]
        return Updated(Fetched(tuple(saved), tuple(refused)), tuple(lines))

    def _update_one(self, feed: Feed, fetcher: Fetcher):
        try:
            response = fetcher.get(feed.url, FEED_TYPES, etag=feed.etag,
                                   last_modified=feed.last_modified)
        except FetchRefused as exc:
            feed = replace(feed, checked=_now(), new=0, error=str(exc))
            return feed, [], [], f"{feed.url}: {exc}"
        if response.not_modified:
            feed = replace(feed, checked=_now(), new=0, error=None)
            return feed, [], [], f"{feed.url}: not modified since the last update"
        parsed = parse_feed(response.text)
        if not parsed.entries and (parsed.bozo or not parsed.version):
            why = getattr(parsed, "bozo_exception", None) or "no entries"
            feed = replace(feed, checked=_now(), new=0, error=f"not a readable feed ({why})")
            return feed, [], [], f"{feed.url}: not a readable RSS/Atom feed ({why})"
        entries = _newest(parsed.entries)
        limit = self.settings.max_feed_entries
        note = (f"; it lists {len(entries)} entries, read the newest {limit}"
                if len(entries) > limit else "")
        if parsed.bozo:
            note += f"; XML errors ({parsed.bozo_exception}), read what could be"
        title = parsed.feed.get("title", feed.title)[:200]
        seen = dict(feed.seen)
        saved: list[Saved] = []
        refused: list[Skipped] = []
        for entry in entries[:limit]:
            key, stamp, link = _identity(entry)
            if not link:
                refused.append(Skipped(key, f"an entry of {feed.url} has no link"))
                continue
            if seen.get(key) == stamp:
                continue
            # What a feed says stands in for what a page lacks only on the feed's own site:
            # another site's page is read as that site publishes it (and needs its own text),
            # or a feed could put any words under any site's name.
            fallback = _entry_page(entry, title) if same_site(link, response.url) else None
            try:
                saved.append(fetch_page(link, fetcher, self.settings, fallback))
            except FetchRefused as exc:
                refused.append(refusal(link, exc))
                continue
            seen[key] = stamp
        listed = {_identity(e)[0] for e in entries}
        seen = {k: v for k, v in seen.items() if k in listed}  # bounded by the feed itself
        new = sum(s.changed for s in saved)
        problems = [f"{len(refused)} {'entry' if len(refused) == 1 else 'entries'} failed"
                    ] if refused else []
        if parsed.bozo:
            problems.append(f"XML errors ({parsed.bozo_exception})")
        feed = replace(feed, title=title, checked=_now(), new=new, seen=seen,
                       error="; ".join(problems) or None,
                       etag=response.etag, last_modified=response.last_modified)
        return feed, saved, refused, f"{feed.url}: {new} new or changed{note}"


def _newest(entries: list) -> list:
    def when(entry) -> float:
        stamp = entry.get("updated_parsed") or entry.get("published_parsed")
        return time.mktime(stamp) if stamp else float("-inf")

    return sorted(entries, key=when, reverse=True)  # stable: undated keep the feed's order


def _identity(entry) -> tuple[str, str, str]:
    """``(id, stamp, link)`` of a feed entry; the stamp changes when the entry does."""
    link = (entry.get("link") or "").strip()
    key = str(entry.get("id") or link or entry.get("title", ""))
    stamp = entry.get("updated") or entry.get("published") or hashlib.sha256(
        (entry.get("title", "") + entry.get("summary", "")).encode()).hexdigest()[:16]
    return key, str(stamp), link


def _entry_page(entry, feed_title: str) -> Page:
    """What the feed itself says about an entry: used where the page says less."""
    import lxml.html

    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    body = (entry.get("content") or [{}])[0].get("value") or entry.get("summary") or ""
    try:
        text = lxml.html.fromstring(body).text_content() if body.strip() else ""
    except (ValueError, lxml.etree.ParserError):
        text = body
    return Page(url=canonical_url(entry.get("link", "")), title=entry.get("title", ""),
                text=text.strip(), date=time.strftime("%Y-%m-%d", stamp) if stamp else None,
                source=feed_title or None, author=entry.get("author"))
