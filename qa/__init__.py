"""Ask questions of a pile of news articles; get back the passages that answer them."""

from __future__ import annotations

import logging

from .build import BuildReport, build_index
from .embed import Embedder, SentenceTransformerEmbedder
from .errors import QAError
from .filters import Filters
from .ingest import Article, Skipped
from .search import Hit, Retriever, search
from .settings import Settings
from .split import Passage

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
