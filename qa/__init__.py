"""Ask questions of a pile of news articles; get back the passages that answer them."""

from __future__ import annotations

import logging

from qa.embed import Embedder, SentenceTransformerEmbedder
from qa.errors import QAError
from qa.index import BuildReport, build_index
from qa.ingest import Article, Passage, Skipped
from qa.search import Filters, Hit, Retriever, search
from qa.settings import Settings

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Article",
    "BuildReport",
    "Embedder",
    "Filters",
    "Hit",
    "Passage",
    "QAError",
    "Retriever",
    "SentenceTransformerEmbedder",
    "Settings",
    "Skipped",
    "build_index",
    "search",
]
