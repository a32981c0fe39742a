"""Articles from web pages: fetch a page, extract its text and metadata with trafilatura,
and save it under ``corpus/web/`` as a JSON file the normal build reads.

A page is stored under a name made from its canonical URL (``web/<host>/<slug>-<hash>.json``),
so the same story reached twice (from a feed, from a link with tracking parameters, with
``#comments``) is one file and one article. A page may name its canonical URL only on its
own site (same host and port): another site's address would let one page overwrite
another's article.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from qa.errors import FetchRefused
from qa.ingest.corpus import Skipped
from qa.ingest.decode import clean
from qa.news.periods import iso_date
from qa.settings import Settings

from .fetch import PAGE_TYPES, Fetcher

WEB_FOLDER = "web"
MIN_WORDS = 15  # fewer is a menu, a login form or a paywall notice, not an article
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Page:
    """One article read from a web page."""

    url: str  # canonical
    title: str
    text: str
    date: str | None = None
    source: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Saved:
    url: str
    path: str  # corpus-relative
    changed: bool  # False when the file already held exactly this article


@dataclass(frozen=True)
class Fetched:
    """What fetching some pages did: the articles saved, and what was refused and why."""

    saved: tuple[Saved, ...] = ()
    refused: tuple[Skipped, ...] = ()

    @property
    def changed(self) -> bool:
        return any(s.changed for s in self.saved)

    def lines(self) -> list[str]:
        out = [f"{'saved' if s.changed else 'same':8} {s.url} -> {s.path}" for s in self.saved]
        out += [f"refused  {r.id}: {r.reason}" for r in self.refused]
        return out


def canonical_url(url: str) -> str:
    """``url`` without its fragment, tracking parameters, default port and case noise."""
    from courlan import normalize_url

    try:
        return normalize_url(url.strip(), strict=True)
    except (ValueError, AttributeError):
        return url.strip().split("#", 1)[0]


def same_site(a: str, b: str) -> bool:
    """Whether two URLs are on one site: one host (``www.`` aside) and one port (http's
    80 and https's 443 count as the same: a page moving to https stays on its site)."""
    def site(u: str) -> tuple[str, int | None]:
        parts = urlsplit(u)
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            return "", -1  # no such port: like no other site
        return host[4:] if host.startswith("www.") else host, None if port in (
            None, 80, 443) else port

    return site(a) == site(b)


def read_page(html: str, url: str) -> Page | None:
    """The article in ``html`` fetched from ``url``, or None if it holds no article text."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    text = clean((getattr(doc, "text", None) or "") if doc is not None else "")
    if len(text.split()) < MIN_WORDS:
        return None
    title = " ".join((getattr(doc, "title", None) or "").split())
    if title and text.startswith(title):
        text = text[len(title):].lstrip("\n")
    claimed = getattr(doc, "url", None) or ""
    canonical = canonical_url(claimed if claimed.startswith(("http://", "https://"))
                              and same_site(claimed, url) else url)
    return Page(url=canonical, title=title, text=text,
                date=iso_date(getattr(doc, "date", None)),
                source=getattr(doc, "sitename", None) or urlsplit(url).hostname,
                author=getattr(doc, "author", None) or None)


def article_path(url: str) -> str:
    """The corpus-relative file for the article at canonical ``url``."""
    parts = urlsplit(url)
    host = _SLUG.sub("-", (parts.hostname or "unknown").lower()).strip("-") or "unknown"
    slug = _SLUG.sub("-", parts.path.lower()).strip("-")[-60:].strip("-") or "index"
    digest = hashlib.sha256(url.encode()).hexdigest()[:10]
    return f"{WEB_FOLDER}/{host}/{slug}-{digest}.json"


def save_page(page: Page, settings: Settings) -> Saved:
    """Write ``page`` into the corpus (atomically; untouched if it holds the same)."""
    rel = article_path(page.url)
    target = settings.corpus_dir / rel
    record = {"title": page.title, "date": page.date, "source": page.source,
              "author": page.author, "url": page.url, "text": page.text}
    data = json.dumps(record, ensure_ascii=False, indent=1).encode() + b"\n"
    if target.is_file() and target.read_bytes() == data:
        return Saved(page.url, rel, changed=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    tmp.write_bytes(data)
    os.replace(tmp, target)  # the build never reads half a file
    return Saved(page.url, rel, changed=True)


def fetch_page(url: str, fetcher: Fetcher, settings: Settings,
               fallback: Page | None = None) -> Saved:
    """Fetch, read and save the article at ``url``. ``fallback`` (from a feed entry)
    supplies the title, date and text a page lacks."""
    response = fetcher.get(url, PAGE_TYPES)
    page = read_page(response.text, response.url)
    if page is None and (fallback is None or not fallback.text):
        raise FetchRefused(f"{url}: no article text found on the page (under {MIN_WORDS} "
                           "words once menus and page furniture are left out)")
    if fallback is not None:
        page = _fill(page, fallback)
    return save_page(page, settings)  # type: ignore[arg-type]


def _fill(page: Page | None, fallback: Page) -> Page:
    if page is None:
        return fallback
    return Page(url=page.url, title=page.title or fallback.title,
                text=page.text, date=page.date or fallback.date,
                source=page.source or fallback.source, author=page.author or fallback.author)


def fetch_pages(urls: Iterable[str], fetcher: Fetcher, settings: Settings,
                progress: Callable[[int, int], None] | None = None) -> Fetched:
    """Fetch and save each page; a refused page is reported and the others still land."""
    wanted = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    saved: list[Saved] = []
    refused: list[Skipped] = []
    for done, url in enumerate(wanted):
        if progress:
            progress(done, len(wanted))
        try:
            saved.append(fetch_page(url, fetcher, settings))
        except FetchRefused as exc:
            refused.append(refusal(url, exc))
    return Fetched(tuple(saved), tuple(refused))


def refusal(url: str, exc: FetchRefused) -> Skipped:
    """``exc`` as a skip line for ``url`` (its message names the URL when it is another,
    such as a redirect's target)."""
    reason = str(exc)
    return Skipped(url, reason[len(url) + 2:] if reason.startswith(f"{url}: ") else reason)
