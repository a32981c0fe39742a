"""Split an article into passages that fit the embedding model's window.

Sentences come from blingfire; lengths are counted with the model's own tokenizer, so
no passage is ever truncated by the model. A sentence longer than the window is cut at
whitespace between words (between word pieces only inside a single word longer than the
window), so a passage never starts or ends mid-word. Paragraph breaks are preferred split
points, and consecutive passages share ``overlap`` sentences.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

import blingfire

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from .corpus import Article

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


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

    def _count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

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
            # An over-long "sentence" (a run-on line, a table): cut it between words.
            cut = self._cut(text[a:b], [s for s, _ in enc.offsets])
            units.extend(_Unit(a + s, a + e, k, opens and i == 0)
                         for i, (s, e, k) in enumerate(cut))
        return units

    def _cut(self, sentence: str, piece_starts: list[int]) -> list[tuple[int, int, int]]:
        """``(start, end, tokens)`` pieces of an over-long sentence, cut at whitespace.

        Cutting between word pieces would leave a chunk starting with a "##" piece, which
        re-tokenises longer than counted (255 at a budget of 254) and reads mid-word. Word
        counts come from the sentence's own encoding; each chunk is re-counted, and
        shortened by a word if the tokenizer sees it longer.
        """
        words = [m.span() for m in _WORD.finditer(sentence)]
        starts = [s for s, _ in words]
        counts = [0] * len(words)
        for s in piece_starts:
            counts[max(bisect_right(starts, s) - 1, 0)] += 1
        out: list[tuple[int, int, int]] = []
        i = 0
        while i < len(words):
            j, total = i, 0
            while j < len(words) and total + counts[j] <= self.max_tokens:
                total, j = total + counts[j], j + 1
            if j == i:  # one "word" longer than the window (a URL, a long number run)
                out.extend(self._cut_word(sentence, *words[i], piece_starts))
                i += 1
                continue
            while True:
                tokens = self._count(sentence[words[i][0] : words[j - 1][1]])
                if tokens <= self.max_tokens or j == i + 1:
                    break
                j -= 1
            out.append((words[i][0], words[j - 1][1], tokens))
            i = j
        return out

    def _cut_word(self, sentence: str, start: int, end: int,
                  piece_starts: list[int]) -> list[tuple[int, int, int]]:
        """The last resort: a single word past the budget, cut between its word pieces."""
        pieces = [s for s in piece_starts if start <= s < end]
        out: list[tuple[int, int, int]] = []
        k = 0
        while k < len(pieces):
            n = min(self.max_tokens, len(pieces) - k)
            while True:
                stop = pieces[k + n] if k + n < len(pieces) else end
                tokens = self._count(sentence[pieces[k] : stop])
                if tokens <= self.max_tokens or n == 1:
                    break
                n = max(1, n - (tokens - self.max_tokens))
            out.append((pieces[k], stop, tokens))
            k += n
        return out

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
