"""BM25 keyword search over passages (bm25s with an English stemmer), saved beside
the vectors. Rebuilt from the passage table on every index build: it is cheap next to
embedding, and keeps document frequencies exact after removals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_stemmer = Stemmer.Stemmer("english")
_IDS = "ids.npy"


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False
    )


class Lexical:
    """A BM25 index whose documents are passage row ids."""

    def __init__(self, model: bm25s.BM25, ids: np.ndarray) -> None:
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> Lexical:
        model = bm25s.BM25()
        model.index(_tokens(texts) if texts else [[]], show_progress=False)
        return cls(model, np.asarray(ids, dtype=np.int64))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder))
        np.save(folder / _IDS, self.ids, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        model = bm25s.BM25.load(str(folder), mmap=False)
        return cls(model, np.load(folder / _IDS, allow_pickle=False))

    def search(
        self,
        query: str,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        smooth: tuple[tuple[np.ndarray, np.ndarray], float] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(scores, ids)`` with a positive score, among ``allowed`` ids if given.

        ``smooth=((prev, next), weight)`` adds ``weight`` times the mean score of each
        passage's neighbours (positions in ``ids``; a passage without one names itself).
        """
        vocab = self.model.vocab_dict
        terms = [t for t in _tokens([query])[0] if t in vocab]
        if not terms or not len(self.ids):
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores = self.model.get_scores(terms)
        if smooth is not None:
            (prev_, next_), weight = smooth
            scores = scores + weight * (scores[prev_] + scores[next_]) / 2
        if allowed is not None:
            scores = np.where(np.isin(self.ids, allowed), scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), self.ids[top]
