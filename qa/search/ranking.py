"""Ranking passages of one :class:`~qa.search.snapshot.Snapshot` for a question: dense, BM25
or hybrid. Pure with respect to the snapshot: everything comes from the one version.

Hybrid candidates are the best passages by dense score (and their neighbours, whom
smoothing may lift) and by smoothed BM25; they are ranked by :mod:`qa.search.fusion`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from qa.embed.protocol import Embedder
from qa.index.vectors import faiss_index
from qa.settings import Settings

from . import fusion
from .filters import Filters
from .snapshot import Snapshot

Ranked = list[tuple[int, float]]  # (passage id, score), best first


def rank(snap: Snapshot, embedder: Embedder, settings: Settings, question: str, n: int,
         filters: Filters) -> Ranked:
    """The best ``n`` passages of ``snap`` for ``question`` under ``filters``."""
    mask = snap.allowed(filters)
    if mask is not None and not mask.any():
        return []
    allowed = snap.ids[mask] if mask is not None else None
    mode = filters.mode or settings.mode
    if mode == "hybrid":
        return _hybrid(snap, embedder, settings, question, max(n, settings.candidates),
                       mask, allowed)[:n]
    if mode == "dense":
        query = embedder.embed_query(question)
        scores, ids = faiss_index.search(snap.vectors, query, n, allowed=allowed,
                                     nprobe=settings.ann_nprobe)
    else:
        scores, ids = snap.lexical.search(question, n, mask=mask,
                                          pair_weight=settings.pair_weight)
    return list(zip(ids.tolist(), scores.tolist()))


def _keyword_side(snap: Snapshot, settings: Settings, question: str, pool: int,
                  mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed BM25 scores of every passage, and the positions of the best ``pool``."""
    lexical = snap.lexical.scores(question, pair_weight=settings.pair_weight)
    if lexical is None:
        lexical = np.zeros(len(snap.ids), np.float32)
    lexical = fusion.smooth(lexical, snap.prev, snap.next, settings.neighbour_weight)
    eligible = lexical if mask is None else np.where(mask, lexical, 0)
    best = min(pool, int((eligible > 0).sum()))
    top = np.argpartition(-eligible, best - 1)[:best] if best else np.zeros(0, np.int64)
    return lexical, top


_keyword_pool: tuple[int, ThreadPoolExecutor] | None = None


def _keyword_threads() -> ThreadPoolExecutor:
    """Where the keyword side is scored while the caller's thread encodes the question:
    ONNX Runtime and most of NumPy let go of the GIL, so the two overlap on two cores
    (100k passages: hybrid p50 about 3 ms faster, docs/performance.md). Several workers,
    so users asking at once do not queue behind one another; one pool per process, as a
    forked child inherits the pool but not its threads."""
    global _keyword_pool
    if _keyword_pool is None or _keyword_pool[0] != os.getpid():
        _keyword_pool = (os.getpid(), ThreadPoolExecutor(thread_name_prefix="qa-bm25"))
    return _keyword_pool[1]


def _hybrid(snap: Snapshot, embedder: Embedder, settings: Settings, question: str, pool: int,
            mask: np.ndarray | None, allowed: np.ndarray | None) -> Ranked:
    weight = settings.neighbour_weight
    ids, prev_, next_ = snap.ids, snap.prev, snap.next
    keyword = _keyword_threads().submit(_keyword_side, snap, settings, question, pool, mask)
    query = embedder.embed_query(question)
    _, dense_ids = faiss_index.search(snap.vectors, query, pool, allowed=allowed,
                                  nprobe=settings.ann_nprobe)
    lexical, lexical_top = keyword.result()
    # Neighbours share the article, so they pass any date/source filter too.
    at = np.searchsorted(ids, dense_ids)
    pos = np.union1d(np.concatenate([at, prev_[at], next_[at]]), lexical_top).astype(int)
    if not len(pos):
        return []
    around = np.unique(np.concatenate([pos, prev_[pos], next_[pos]]))
    cosine = np.zeros(len(ids), np.float32)
    cosine[around] = snap.vectors.reconstruct_batch(ids[around]) @ query
    dense = fusion.smooth(cosine, prev_, next_, weight, at=pos)
    score = fusion.weighted_sum(dense, lexical[pos], settings.dense_share)
    return fusion.order(ids[pos], score)
