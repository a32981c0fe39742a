"""Searching one index version: the retriever, the snapshot a query reads, ranking
(dense, BM25, hybrid fusion), the filters, and the news re-orderings of hits."""

from __future__ import annotations

from .filters import Filters
from .hits import Hit
from .retriever import Retriever, search
from .snapshot import Snapshot, open_snapshot

__all__ = [
    "Filters",
    "Hit",
    "open_snapshot",
    "Retriever",
    "search",
    "Snapshot",
]
