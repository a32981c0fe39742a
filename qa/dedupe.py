"""Near-duplicate text: the same wire story in several outlets, or a re-saved article
with small edits.

Texts are compared by the Jaccard overlap of their word 5-gram shingles (folded case,
punctuation dropped), which small edits barely move while different stories on the
same topic share almost none. Articles are paired through MinHash banding, so a build
never compares every article with every other.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"\w+")
SHINGLE = 5
#: Shingle overlap from which two texts count as the same story.
THRESHOLD = 0.6
_PERMUTATIONS, _BANDS = 64, 16  # 16 bands of 4 rows: pairs near 0.6 almost always meet
_PRIME = (1 << 61) - 1


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
    return len(a & b) / len(a | b)


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


def near_duplicates(
    articles: Iterable[tuple[str, str]], threshold: float = THRESHOLD
) -> list[NearDuplicate]:
    """Each ``(id, text)`` that repeats an earlier one, paired with the earliest it repeats."""
    ids, sets = [], []
    for article_id, text in articles:
        ids.append(article_id)
        sets.append(shingles(text))
    if len(ids) < 2:
        return []
    signatures = _signatures(sets)
    rows = _PERMUTATIONS // _BANDS
    candidates: set[tuple[int, int]] = set()
    for band in range(_BANDS):
        buckets: dict[bytes, list[int]] = {}
        for i, key in enumerate(signatures[:, band * rows : (band + 1) * rows]):
            if sets[i]:
                buckets.setdefault(key.tobytes(), []).append(i)
        for members in buckets.values():
            for j in members[1:]:
                candidates.update((i, j) for i in members[: members.index(j)])
    best: dict[int, tuple[int, float]] = {}
    for i, j in sorted(candidates):
        similarity = jaccard(sets[i], sets[j])
        if similarity >= threshold and j not in best:
            # Name the first copy, also when ``i`` is itself a copy of an earlier one.
            best[j] = (best[i][0] if i in best else i, similarity)
    return [NearDuplicate(ids[j], ids[i], round(s, 3)) for j, (i, s) in sorted(best.items())]


def same_story(a: str, b: str, threshold: float = THRESHOLD) -> bool:
    """Whether two passages are the same text with small edits."""
    return jaccard(shingles(a), shingles(b)) >= threshold
