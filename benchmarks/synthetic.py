"""Synthetic archives for the scale benchmark, grown from the real BBC index.

Uniform random vectors have no cluster structure, which makes IVF look worse (and HNSW
look different) than on real text. So each synthetic passage vector is a real BBC
passage embedding plus noise shaped like the real embeddings' own covariance (their
principal components), scaled so that two synthetic copies of one real passage are as
similar as a real passage and its nearest real neighbour. Passage texts are drawn from
real BBC sentences, so BM25 sees a real vocabulary and term-frequency skew.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Seed:
    """What the synthetic data is grown from: real embeddings and sentences."""

    vectors: np.ndarray  # (n, dim) float32, L2-normalised real passage embeddings
    sentences: list[str]


def nearest_neighbour_cosine(vectors: np.ndarray, sample: int = 2000, seed: int = 0) -> float:
    """Median cosine between a real passage and its nearest other real passage."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    sims = vectors[rows] @ vectors.T
    sims[np.arange(len(rows)), rows] = -1.0  # not itself
    return float(np.median(sims.max(axis=1)))


class Generator:
    """Deterministic synthetic vectors: ``vectors(start, stop)`` is a pure function."""

    def __init__(self, seed: Seed, *, rng_seed: int = 0) -> None:
        self.base = seed.vectors.astype(np.float32)
        centred = self.base - self.base.mean(axis=0)
        # Noise along the data's principal directions, with the data's spread along each.
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        self.shape = ((s / np.sqrt(len(self.base)))[:, None] * vt).astype(np.float32)
        self.rng_seed = rng_seed
        self.target = nearest_neighbour_cosine(self.base)
        self.sigma = self._calibrate()

    def _noisy(self, rows: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
        noise = rng.standard_normal((len(rows), self.shape.shape[0]), dtype=np.float32)
        v = self.base[rows] + sigma * (noise @ self.shape)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def _calibrate(self) -> float:
        """Bisect the noise scale so two copies of one passage sit at ``target`` cosine."""
        rng = np.random.default_rng(self.rng_seed + 1)
        rows = rng.choice(len(self.base), size=min(2000, len(self.base)), replace=False)
        lo, hi = 0.0, 8.0
        for _ in range(20):
            mid = (lo + hi) / 2
            a = self._noisy(rows, mid, np.random.default_rng(1))
            b = self._noisy(rows, mid, np.random.default_rng(2))
            if float(np.median((a * b).sum(axis=1))) > self.target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    def base_rows(self, start: int, stop: int) -> np.ndarray:
        return (np.arange(start, stop, dtype=np.int64) * 7919) % len(self.base)

    def vectors(self, start: int, stop: int) -> np.ndarray:
        rng = np.random.default_rng([self.rng_seed, start])
        return self._noisy(self.base_rows(start, stop), self.sigma, rng)


def passage_texts(sentences: list[str], start: int, stop: int) -> Iterator[str]:
    """Passages of 4-6 real sentences (about the length of a real passage)."""
    rng = np.random.default_rng([7, start])
    for _ in range(start, stop):
        picks = rng.integers(0, len(sentences), size=int(rng.integers(4, 7)))
        yield " ".join(sentences[i] for i in picks)


def read_seed(index_version: Path) -> Seed:
    """Real vectors (in passage id order) and sentences from a built BBC index version."""
    import blingfire

    from qa.index.vectors import faiss_index
    from qa.index.vectors import store as vector_store

    ids, vecs = faiss_index.all_vectors(vector_store.load(index_version))
    order = np.argsort(ids)
    db = sqlite3.connect(f"file:{index_version / 'passages.sqlite'}?mode=ro", uri=True)
    sentences: list[str] = []
    for (text,) in db.execute("SELECT text FROM articles ORDER BY id"):
        sentences.extend(s for s in blingfire.text_to_sentences(text).split("\n") if len(s) > 20)
    db.close()
    return Seed(np.ascontiguousarray(vecs[order]), sentences)
