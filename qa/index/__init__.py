"""The index on disk: builds that compare the corpus with it and store what changed, one
writer at a time, versions published atomically, the passage and annotation tables (the
only SQL), the vectors (``vectors/``) and the keyword index (``keyword/``)."""

from __future__ import annotations

from .build import build_index
from .report import BuildReport
from .updater import Updater
from .versions import Version, open_current
from .writer import IndexWriter

__all__ = [
    "build_index",
    "BuildReport",
    "IndexWriter",
    "open_current",
    "Updater",
    "Version",
]
