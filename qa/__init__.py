"""Ask questions of a pile of news articles; get back the passages that answer them."""

from __future__ import annotations

import importlib
import logging
import sys
import types
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.embed import Embedder, SentenceTransformerEmbedder
    from qa.errors import QAError
    from qa.index import BuildReport, build_index
    from qa.ingest import Article, Passage, Skipped
    from qa.search import Filters, Hit, Retriever, search
    from qa.settings import Settings

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Where each public name lives. They are imported on first use (PEP 562), not with the
# package: `qa --help`, or a question answered by a running `qa serve`, would otherwise
# load NumPy, FAISS and the rest of the stack before doing anything.
_HOMES = {
    "Article": "qa.ingest",
    "BuildReport": "qa.index",
    "Embedder": "qa.embed",
    "Filters": "qa.search",
    "Hit": "qa.search",
    "Passage": "qa.ingest",
    "QAError": "qa.errors",
    "Retriever": "qa.search",
    "SentenceTransformerEmbedder": "qa.embed",
    "Settings": "qa.settings",
    "Skipped": "qa.ingest",
    "build_index": "qa.index",
    "search": "qa.search",
}

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


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})


class _Package(types.ModuleType):
    """``qa.search`` is the function: importing the subpackage ``qa.search`` (which the
    import system records on its parent) must not replace it, as it did not when this
    module imported everything at once."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
