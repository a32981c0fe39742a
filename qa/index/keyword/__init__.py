"""The keyword index: BM25 over words and adjacent word pairs, in segments (``bm25``,
``segment``) so a new version costs what changed."""

from __future__ import annotations

from .bm25 import Lexical
from .segment import Segment

__all__ = [
    "Lexical",
    "Segment",
]
