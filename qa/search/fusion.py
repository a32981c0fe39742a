"""Hybrid fusion as pure functions over score arrays: neighbour smoothing, and the
weighted sum of max-normalised dense and BM25 scores.

Measured with 254-piece passages, adding normalised scores beat reciprocal-rank fusion
of the same two rankings: TIME 1963 MAP 0.706 -> 0.714, nDCG@10 0.762 -> 0.771, BBC dev
Hit@1 0.73 -> 0.80 (scores keep how far ahead a passage is; ranks do not).
"""

from __future__ import annotations

import numpy as np


def smooth(scores: np.ndarray, prev_: np.ndarray, next_: np.ndarray, weight: float,
           at: np.ndarray | None = None) -> np.ndarray:
    """Each score plus ``weight`` times the mean of its two neighbours' scores (a passage
    next to another strong match is more likely on topic), at positions ``at`` (default:
    all). ``prev_``/``next_`` give each position's neighbour; a passage without one
    names itself."""
    where = slice(None) if at is None else at
    return scores[where] + weight * (scores[prev_[where]] + scores[next_[where]]) / 2


def normalise(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the best one, so each kind contributes at most 1.

    When no score is positive (a dense query unlike everything: cosines can be negative)
    dividing by the best would blow the scores up and erase the other kind; they are
    divided by the largest magnitude instead, landing in [-1, 0] in the same order.
    """
    if not len(scores):
        return scores.astype(np.float32)
    best = float(scores.max())
    if best > 0:
        return scores / best
    largest = float(np.abs(scores).max())
    return scores / largest if largest > 0 else np.zeros_like(scores)


def weighted_sum(dense: np.ndarray, lexical: np.ndarray, dense_share: float) -> np.ndarray:
    """``dense_share`` x normalised dense + the rest x normalised BM25, per candidate."""
    return dense_share * normalise(dense) + (1 - dense_share) * normalise(lexical)


def order(ids: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    """``(id, score)`` pairs, best score first, ties broken by the smaller id."""
    by = np.lexsort((ids, -scores))
    return list(zip(ids[by].tolist(), scores[by].tolist()))
