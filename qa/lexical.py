"""BM25 keyword search over passages (bm25s with an English stemmer), saved beside
the vectors. Rebuilt from the passage table on every index build: it is cheap next to
embedding, and keeps document frequencies exact after removals.

Besides single words, a second BM25 index holds adjacent word pairs (after stopwords
and stemming, order ignored: "test ban", "viet nam", "nuclear force"). ``pair_weight``
(``Settings.pair_weight``; 0.15-0.2 measured alike, 0.1 and 0.5 lose ~0.01 nDCG@10 on
TIME) times its score is added to the word score, rewarding passages that use the question's
phrases over ones with its words scattered. Measured with 254-piece passages, in hybrid
search it lifted TIME 1963 from MAP 0.695 / nDCG@10 0.756 to 0.714 / 0.771 (BBC dev
Hit@1 unchanged at 0.80); BM25 alone barely moves, pairs alone rank worse than words."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_stemmer = Stemmer.Stemmer("english")
_IDS = "ids.npy"
_PAIRS = "pairs"
_NO_WORD = "\x00"


def _tokens(texts: Sequence[str]) -> list[list[str]]:
    return bm25s.tokenize(
        list(texts), stopwords="en", stemmer=_stemmer, return_ids=False, show_progress=False
    )


def _pairs(words: list[str]) -> list[str]:
    """Each adjacent pair of ``words`` as one token, in alphabetical order."""
    return [" ".join(sorted(pair)) for pair in zip(words, words[1:])]


class Lexical:
    """BM25 indexes (words, and adjacent word pairs) whose documents are passage row ids."""

    def __init__(self, model: bm25s.BM25, ids: np.ndarray, pairs: bm25s.BM25 | None) -> None:
        self.model = model
        self.pairs = pairs  # None when no passage has two words
        self.ids = ids

    @classmethod
    def build(cls, ids: Sequence[int], texts: Sequence[str]) -> Lexical:
        words = _tokens(texts) if texts else [[]]
        if not any(words):
            # bm25s cannot index a corpus without a single token (passages of one-letter
            # words or stopwords only): give it one that no query can produce.
            words = [[_NO_WORD] for _ in words]
        model = bm25s.BM25()
        model.index(words, show_progress=False)
        phrases = [_pairs(w) for w in words]
        pairs = None
        if any(phrases):  # bm25s cannot index a corpus without a single token
            pairs = bm25s.BM25()
            pairs.index(phrases, show_progress=False)
        return cls(model, np.asarray(ids, dtype=np.int64), pairs)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.model.save(str(folder))
        if self.pairs is not None:
            self.pairs.save(str(folder / _PAIRS))
        np.save(folder / _IDS, self.ids, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        model = bm25s.BM25.load(str(folder), mmap=False)
        pairs = None
        if (folder / _PAIRS).is_dir():
            pairs = bm25s.BM25.load(str(folder / _PAIRS), mmap=False)
        return cls(model, np.load(folder / _IDS, allow_pickle=False), pairs)

    @staticmethod
    def terms(texts: Sequence[str]) -> list[list[str]]:
        """Each text's terms as the index sees them (stemmed, stopwords dropped)."""
        return _tokens(texts) if texts else []

    def scores(self, query: str, *, pair_weight: float = 0.2) -> np.ndarray | None:
        """The BM25 score of every passage (in ``ids`` order), or None if no query word
        is in the index."""
        words = _tokens([query])[0]
        known = [t for t in words if t in self.model.vocab_dict]
        if not known or not len(self.ids):
            return None
        scores = self.model.get_scores(known)
        if self.pairs is not None:
            phrases = [t for t in _pairs(words) if t in self.pairs.vocab_dict]
            if phrases:
                scores = scores + pair_weight * self.pairs.get_scores(phrases)
        return scores

    def search(
        self,
        query: str,
        k: int,
        *,
        mask: np.ndarray | None = None,
        pair_weight: float = 0.2,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` ``(scores, ids)`` with a positive score, among the positions ``mask``
        (a boolean array in ``ids`` order) admits, if given."""
        scores = self.scores(query, pair_weight=pair_weight)
        if scores is None:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return scores[top].astype(np.float32), self.ids[top]
