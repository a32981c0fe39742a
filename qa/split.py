"""Split an article into passages that fit the embedding model's window.

Sentences come from blingfire; lengths are counted with the model's own tokenizer, so
no passage is ever truncated by the model. A sentence longer than the window is cut at
word-piece boundaries. Paragraph breaks are preferred split points, and consecutive
passages share ``overlap`` sentences.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import blingfire

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from .ingest import Article

_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Passage:
    """A span ``text == article.text[start:end]`` of one article."""

    article_id: str
    seq: int
    start: int
    end: int
    text: str

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    opens_paragraph: bool


def sentence_spans(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, opens_paragraph)`` of every sentence; one paragraph per line."""
    spans: list[tuple[int, int, bool]] = []
    for para in _PARAGRAPH.finditer(text):
        if not para.group().strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(para.group())
        for i, (a, b) in enumerate(offsets):
            start, end = para.start() + a, para.start() + b
            if text[start:end].strip():
                spans.append((start, end, i == 0))
    return spans


class Splitter:
    """Packs sentences into passages of at most ``max_tokens`` word pieces."""

    def __init__(self, tokenizer: Tokenizer, max_tokens: int, overlap: int = 1) -> None:
        if max_tokens < 16:
            raise ValueError("passages need room for at least 16 word pieces")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.overlap = overlap

    def _units(self, text: str) -> list[_Unit]:
        spans = sentence_spans(text)
        encodings = self.tokenizer.encode_batch(
            [text[a:b] for a, b, _ in spans], add_special_tokens=False
        )
        units: list[_Unit] = []
        for (a, b, opens), enc in zip(spans, encodings):
            n = len(enc.ids)
            if n <= self.max_tokens:
                units.append(_Unit(a, b, n, opens))
                continue
            # An over-long "sentence" (a run-on line, a table): cut it between word pieces.
            offsets = enc.offsets
            for i in range(0, n, self.max_tokens):
                chunk = offsets[i : i + self.max_tokens]
                end = a + (offsets[i + self.max_tokens][0] if i + self.max_tokens < n else b - a)
                units.append(_Unit(a + chunk[0][0], end, len(chunk), opens and i == 0))
        return units

    def split(self, article: Article) -> list[Passage]:
        units = self._units(article.text)
        groups: list[list[_Unit]] = []
        current: list[_Unit] = []
        size = 0
        for unit in units:
            full = size + unit.tokens > self.max_tokens
            at_paragraph = unit.opens_paragraph and size >= self.max_tokens // 2
            if current and (full or at_paragraph):
                groups.append(current)
                carry = current[-self.overlap :] if self.overlap else []
                while carry and sum(u.tokens for u in carry) + unit.tokens > self.max_tokens:
                    carry = carry[1:]
                # Overlap only when it adds context: never re-emit a whole passage.
                current = carry if len(carry) < len(groups[-1]) else []
                size = sum(u.tokens for u in current)
            current.append(unit)
            size += unit.tokens
        if current:
            groups.append(current)
        text = article.text
        return [
            Passage(article.id, seq, g[0].start, g[-1].end, text[g[0].start : g[-1].end])
            for seq, g in enumerate(groups)
        ]
