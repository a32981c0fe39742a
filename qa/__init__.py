"""Ask questions of a pile of news articles; get back the passages that answer them."""

from __future__ import annotations

import logging

from qa.index.build import BuildReport, build_index
from qa.embed.model import Embedder, SentenceTransformerEmbedder
from .errors import QAError
from qa.search.filters import Filters
from qa.ingest.corpus import Article, Skipped
from qa.search.retriever import Hit, Retriever, search
from .settings import Settings
from qa.ingest.split import Passage

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
