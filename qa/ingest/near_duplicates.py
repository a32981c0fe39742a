"""Near-duplicate text: the same wire story in several outlets, or a re-saved article
with small edits.

Texts are compared by the Jaccard overlap of their word 5-gram shingles (folded case,
punctuation dropped), which small edits barely move while different stories on the
same topic share almost none. Articles are paired through MinHash banding, and each is
compared with a bounded number of earlier ones, so the scan is near-linear.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w+")
SHINGLE = 5
#: Shingle overlap from which two texts count as the same story.
THRESHOLD = 0.6
_PERMUTATIONS, _BANDS = 64, 16  # 16 bands of 4 rows: pairs near 0.6 almost always meet
_PRIME = (1 << 61) - 1
#: Originals per bucket a newcomer is compared with: bounds the pairs per article at
#: ``_BANDS * _REPRESENTATIVES`` however crowded a bucket is.
_REPRESENTATIVES = 4
#: Overlaps computed per build at most (~1 s of work): a corpus cannot hold the lock for hours.
MAX_COMPARISONS = 2_000_000


@dataclass(frozen=True)
class NearDuplicate:
    """Article ``id`` repeats article ``of`` (seen first) at shingle overlap ``similarity``."""

    id: str
    of: str
    similarity: float


def shingles(text: str, size: int = SHINGLE) -> frozenset[int]:
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([zlib.crc32(" ".join(words).encode())]) if words else frozenset()
    return frozenset(
        zlib.crc32(" ".join(words[i : i + size]).encode()) for i in range(len(words) - size + 1)
    )


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def _signatures(sets: Sequence[frozenset[int]]) -> np.ndarray:
    rng = np.random.default_rng(0)  # fixed: the same corpus pairs the same way every build
    a = rng.integers(1, _PRIME, _PERMUTATIONS, dtype=np.uint64)
    b = rng.integers(0, _PRIME, _PERMUTATIONS, dtype=np.uint64)
    out = np.full((len(sets), _PERMUTATIONS), np.iinfo(np.uint64).max, dtype=np.uint64)
    for row, found in enumerate(sets):
        if found:
            values = np.fromiter(found, dtype=np.uint64, count=len(found))
            # Modular arithmetic wraps in uint64; still a fine family of hash functions.
            out[row] = ((values[:, None] * a + b) % np.uint64(_PRIME)).min(axis=0)
    return out


def _band_keys(signatures: np.ndarray) -> np.ndarray:
    """One integer per band and article: the band's rows mixed into one 64-bit key (a
    rare collision only adds a candidate, which the exact overlap then rejects)."""
    rows = _PERMUTATIONS // _BANDS
    bands = signatures.reshape(len(signatures), _BANDS, rows)
    keys = np.zeros((len(signatures), _BANDS), dtype=np.uint64)
    for r in range(rows):  # uint64 arithmetic wraps, which is what a hash mix wants
        keys = (keys ^ bands[:, :, r]) * np.uint64(0x9E3779B97F4A7C15)
    return keys


def _sharing(keys: np.ndarray) -> np.ndarray:
    """Rows that share a bucket with another row in some band: only they can pair."""
    shared = np.zeros(len(keys), dtype=bool)
    for band in range(keys.shape[1]):
        _, inverse, counts = np.unique(keys[:, band], return_inverse=True, return_counts=True)
        shared |= counts[inverse] > 1
    return shared


def signature(text: str) -> np.ndarray:
    """The MinHash signature of ``text`` (``uint64[64]``), stored per article by a build so
    that the next one compares new articles without shingling the whole corpus again."""
    return _signatures([shingles(text)])[0]


def near_duplicates(
    articles: Iterable[tuple[str, str]], threshold: float = THRESHOLD
) -> list[NearDuplicate]:
    """Each ``(id, text)`` that repeats an earlier one, paired with the earliest it repeats.

    Articles are taken in order; each is compared only with the first few *originals*
    (articles that repeat nothing earlier) sharing one of its minhash buckets. So work
    grows with the number of articles, not of pairs: many short records from one template
    crowd the same buckets without making the scan quadratic. At most ``MAX_COMPARISONS``
    overlaps are computed per call; past that, the rest go unchecked (logged).
    """
    ids, sets = [], []
    for article_id, text in articles:
        ids.append(article_id)
        sets.append(shingles(text))
    if len(ids) < 2:
        return []
    return _pairs(ids, _signatures(sets), sets.__getitem__, threshold)


def near_duplicates_signed(ids: Sequence[str], signatures: np.ndarray,
                           text_of: Callable[[str], str],
                           threshold: float = THRESHOLD) -> list[NearDuplicate]:
    """:func:`near_duplicates` from stored :func:`signature` rows: only the candidate
    pairs, which share a bucket, have their texts read (``text_of(id)``) and shingled."""
    if len(ids) < 2:
        return []
    shingled = lru_cache(maxsize=1024)(lambda i: shingles(text_of(ids[i])))
    return _pairs(ids, signatures, shingled, threshold)


def _pairs(ids: Sequence[str], signatures: np.ndarray,
           shingles_of: Callable[[int], frozenset[int]], threshold: float) -> list[NearDuplicate]:
    keys = _band_keys(signatures)
    # An article alone in all its buckets repeats nothing and nothing repeats it: only
    # the others go through the ordered pass (at 100k articles, a few hundred).
    empty = signatures[:, 0] == np.iinfo(np.uint64).max  # no words: no shingles
    rows = np.flatnonzero(_sharing(keys) & ~empty)
    row_keys = dict(zip(rows.tolist(), keys[rows].tolist()))
    buckets: list[dict[int, list[int]]] = [{} for _ in range(_BANDS)]
    best: dict[int, tuple[int, float]] = {}
    budget = MAX_COMPARISONS
    for j in rows.tolist():
        candidates: set[int] = set()
        for band, key in enumerate(row_keys[j]):
            candidates.update(buckets[band].get(key, ()))
        for i in sorted(candidates):  # the earliest original it repeats wins
            if budget <= 0:
                break
            budget -= 1
            similarity = jaccard(shingles_of(i), shingles_of(j))
            if similarity >= threshold:
                best[j] = (i, similarity)
                break
        if j in best:
            continue  # a copy: its original already stands for it in every bucket
        for band, key in enumerate(row_keys[j]):
            members = buckets[band].setdefault(key, [])
            if len(members) < _REPRESENTATIVES:
                members.append(j)
    if budget <= 0:
        log.warning("near-duplicate scan stopped after %d comparisons; later articles "
                    "were not checked", MAX_COMPARISONS)
    return [NearDuplicate(ids[j], ids[i], round(s, 3)) for j, (i, s) in sorted(best.items())]


def same_story(a: str, b: str, threshold: float = THRESHOLD) -> bool:
    """Whether two passages are the same text with small edits."""
    return jaccard(_passage_shingles(a), _passage_shingles(b)) >= threshold


@lru_cache(maxsize=512)
def _passage_shingles(text: str, size: int = SHINGLE) -> frozenset[int]:
    """The shingles of :func:`shingles` hashed by Python rather than CRC-32: about twice
    as fast (a search folds its hits with them), but the hashes differ from one process
    to the next, so they are only ever compared within one and never stored. A search
    compares each hit with every better one: each passage is shingled once, and the
    shingles of 512 BBC passages (~6 MB) cover the hits of many searches."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return frozenset([hash(tuple(words))]) if words else frozenset()
    return frozenset(map(hash, zip(*(words[i:] for i in range(size)))))
