"""Measuring retrieval and the reader: BEIR collections and question files, per mode."""

from __future__ import annotations

from .data import (
    Collection,
    EvalDataError,
    Question,
    collection_index,
    load_collection,
    load_questions,
)
from .measure import MODES, Report, evaluate_collection, evaluate_questions

__all__ = [
    "Collection",
    "collection_index",
    "EvalDataError",
    "evaluate_collection",
    "evaluate_questions",
    "load_collection",
    "load_questions",
    "MODES",
    "Question",
    "Report",
]
