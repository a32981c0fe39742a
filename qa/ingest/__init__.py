"""Reading a corpus folder: files to articles (formats, text decoding), articles to
passages that fit the model's window, and near-duplicate stories."""

from __future__ import annotations

from .corpus import Article, Skipped, read_file, scan
from .formats import SUPPORTED
from .near_duplicates import NearDuplicate, same_story
from .shown_names import shown
from .split import Passage, Splitter, sentence_spans

__all__ = [
    "Article",
    "NearDuplicate",
    "Passage",
    "read_file",
    "same_story",
    "scan",
    "sentence_spans",
    "shown",
    "Skipped",
    "Splitter",
    "SUPPORTED",
]
