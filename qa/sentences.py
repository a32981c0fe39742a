"""Sentence-level similarity: which sentence of a passage answers the question best."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .split import sentence_spans


@dataclass(frozen=True)
class SentenceScore:
    """Sentence ``text[start:end]`` of passage number ``passage`` and its cosine to the query."""

    passage: int
    start: int
    end: int
    score: float


def sentence_scores(
    embedder: Embedder, query: np.ndarray, texts: Sequence[str]
) -> list[list[SentenceScore]]:
    """Every sentence of every text, scored against the ``query`` vector (one batch)."""
    spans = [sentence_spans(text) for text in texts]
    flat = [(i, a, b) for i, found in enumerate(spans) for a, b, _ in found]
    if not flat:
        return [[] for _ in texts]
    vectors = embedder.embed_documents([texts[i][a:b] for i, a, b in flat])
    scores = vectors @ query
    out: list[list[SentenceScore]] = [[] for _ in texts]
    for (i, a, b), score in zip(flat, scores.tolist()):
        out[i].append(SentenceScore(i, a, b, float(score)))
    return out


def best_sentence(
    embedder: Embedder, query: np.ndarray, texts: Sequence[str]
) -> SentenceScore | None:
    """The single sentence, across all ``texts``, most similar to the query."""
    scored = [s for found in sentence_scores(embedder, query, texts) for s in found]
    return max(scored, key=lambda s: s.score, default=None)
