"""From hits to an answer: follow-ups read in context, the search planned from the
question's words, hits gathered in a news reader's order, and the reader's lead sentence
and answer words."""

from __future__ import annotations

from .compose import answer
from .follow_ups import contextualize
from .reader import Reading
from .result import Answer, TimelineEntry

__all__ = [
    "Answer",
    "answer",
    "contextualize",
    "Reading",
    "TimelineEntry",
]
