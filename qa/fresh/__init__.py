"""Fresh news in: fetching web pages and feeds safely into the corpus, and watching the
corpus folder to keep the index in step (``qa.fresh.watch``)."""

from __future__ import annotations

from .feeds import FeedList
from .fetch import Fetcher, Policy
from .pages import fetch_pages

__all__ = [
    "FeedList",
    "fetch_pages",
    "Fetcher",
    "Policy",
]
