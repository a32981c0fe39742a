"""The index on disk: builds that compare the corpus with it and store what changed, one
writer at a time, versions published atomically, the passage and annotation tables (the
only SQL), the vectors (``vectors/``) and the keyword index (``keyword/``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .build import build_index
    from .report import BuildReport
    from .updater import Updater
    from .versions import Version, open_current
    from .writer import IndexWriter

# Imported on first use (PEP 562): reading the version pointer (`qa ask` checking what a
# running server serves) must not load the build's stack (FAISS, the splitter, the model).
_HOMES = {
    "build_index": ".build",
    "BuildReport": ".report",
    "IndexWriter": ".writer",
    "open_current": ".versions",
    "Updater": ".updater",
    "Version": ".versions",
}

__all__ = [
    "build_index",
    "BuildReport",
    "IndexWriter",
    "open_current",
    "Updater",
    "Version",
]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
