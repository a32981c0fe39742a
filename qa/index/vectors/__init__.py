"""The vectors of an index version: a FAISS index chosen by size (``faiss_index``) and
kept on disk as a base plus what changed since (``store``)."""

from __future__ import annotations

from . import faiss_index, store

__all__ = [
    "faiss_index",
    "store",
]
