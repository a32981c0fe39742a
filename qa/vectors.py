"""The FAISS vector index: exact inner product for small corpora, IVF for large ones.

Vector ids are passage row ids, so passages keep their vectors across incremental
rebuilds (``remove_ids`` / ``add_with_ids``). Both index kinds support removal, which is
why IVF is used above the size threshold rather than HNSW (which cannot remove).

Measured on 2 busy EPYC cores, vectors grown from real BBC embeddings (benchmarks/):
an exact scan costs ~0.4 ms per 1,000 passages per query (single-threaded, memory
bound: 76 ms at 200k), so search stays exact below ``Settings.ann_min_passages``
(50,000, ~20 ms). Above it, IVF-Flat with ~4*sqrt(n) lists and nprobe 64 gave
Recall@10 vs exact of 0.998 at 200k (0.7 ms) and 0.9995 at 1M (2 ms). HNSW (M=32) at
200k reached 0.988 at efSearch 128 and 0.996 at 256 (0.4-0.7 ms), built no faster
(58 s vs 52 s) and cannot remove ids, so IVF stays.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)


def new_flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def kind(index: faiss.Index) -> str:
    return "ivf" if isinstance(faiss.downcast_index(index), faiss.IndexIVF) else "flat"


def all_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, vectors)`` of every entry; used when the index changes kind."""
    # A new name, not ``index =``: the downcast proxy does not own the C++ object, so
    # dropping the caller's proxy (a temporary) would free the index under us.
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIDMap2):
        ids = faiss.vector_to_array(inner.id_map).astype(np.int64)
        return ids, faiss.downcast_index(inner.index).reconstruct_n(0, inner.ntotal)
    return _ivf_vectors(inner)


def _ivf_vectors(index: faiss.IndexIVF) -> tuple[np.ndarray, np.ndarray]:
    invlists = index.invlists
    ids_parts, vec_parts = [], []
    for lst in range(index.nlist):
        size = invlists.list_size(lst)
        if not size:
            continue
        ids_parts.append(faiss.rev_swig_ptr(invlists.get_ids(lst), size).copy())
        codes = faiss.rev_swig_ptr(invlists.get_codes(lst), size * index.code_size).copy()
        vec_parts.append(codes.view(np.float32).reshape(size, index.d))
    if not ids_parts:
        return np.zeros(0, np.int64), np.zeros((0, index.d), np.float32)
    return np.concatenate(ids_parts), np.concatenate(vec_parts)


def nlist_for(n: int) -> int:
    """Inverted lists for ``n`` vectors: ~4*sqrt(n), a few hundred vectors per list."""
    return max(16, int(4 * math.sqrt(n)))


def new_ivf(ids: np.ndarray, vectors: np.ndarray, *, seed: int = 0) -> faiss.Index:
    """An IVF-Flat index with :func:`nlist_for` lists, trained on a sample of ``vectors``."""
    n, dim = vectors.shape
    nlist = nlist_for(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    # 40 points per list (FAISS warns below 39) and 10 k-means rounds: training 1M
    # vectors takes about a minute on 2 cores; recall is recovered by nprobe, not by
    # polishing centroids.
    index.cp.niter = 10
    rng = np.random.default_rng(seed)
    sample = vectors[np.sort(rng.choice(n, size=min(n, nlist * 40), replace=False))]
    index.train(sample)
    del sample
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    return index


def fit_to_size(index: faiss.Index, ann_min: int) -> faiss.Index:
    """The index to keep for its size: IVF from ``ann_min`` passages, flat below half of
    it (the gap stops flapping), and IVF retrained once it has grown 4x since training
    (its lists were sized for the smaller corpus and trained on its topics)."""
    current = kind(index)
    if current == "flat" and index.ntotal >= ann_min:
        log.info("switching to an IVF index at %d passages", index.ntotal)
        return new_ivf(*_take_all(index))
    if current == "ivf" and index.ntotal < ann_min // 2:
        ids, vectors = _take_all(index)
        flat = new_flat(vectors.shape[1])
        flat.add_with_ids(vectors, ids)
        return flat
    if current == "ivf" and nlist_for(index.ntotal) >= 2 * faiss.downcast_index(index).nlist:
        log.info("retraining the IVF index at %d passages", index.ntotal)
        return new_ivf(*_take_all(index))
    return index


def _take_all(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """Move every vector out of ``index`` (which is left empty): at 1M passages each copy
    is 1.5 GB, so the old index is freed before the new one is filled."""
    ids, vectors = all_vectors(index)
    index.reset()
    return ids, vectors


def remove(index: faiss.Index, ids: list[int]) -> None:
    if ids:
        index.remove_ids(np.asarray(ids, dtype=np.int64))


def selector(ids: np.ndarray) -> faiss.IDSelector:
    """A FAISS selector admitting exactly ``ids``: a bitmap over the id range, built in
    one vectorised pass (a hash set of every id costs far more for a broad filter)."""
    bits = np.zeros(int(ids.max()) + 1 if len(ids) else 1, dtype=bool)
    bits[ids] = True
    packed = np.packbits(bits, bitorder="little")
    chosen = faiss.IDSelectorBitmap(packed)
    chosen.referenced_bitmap = packed  # the selector only points at the array: keep it alive
    return chosen


def search(
    index: faiss.Index,
    query: np.ndarray,
    k: int,
    *,
    allowed: np.ndarray | None = None,
    nprobe: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` ``(scores, ids)`` for one query, only among ``allowed`` ids when given.

    Never asks FAISS for more results than there are vectors: it allocates ``k`` slots
    up front, and a C++ allocation failure aborts the whole process.
    """
    want = min(k, index.ntotal if allowed is None else len(allowed))
    if want <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    chosen = selector(allowed) if allowed is not None else None
    if kind(index) == "flat":
        params = faiss.SearchParameters(sel=chosen) if chosen else None
        scores, ids = index.search(q, want, params=params)
    else:
        ivf = faiss.downcast_index(index)
        probe = min(nprobe, ivf.nlist)
        while True:
            params = faiss.SearchParametersIVF(sel=chosen, nprobe=probe)
            scores, ids = index.search(q, want, params=params)
            # A narrow filter may leave the probed lists short: widen until enough.
            if (ids[0] >= 0).sum() >= want or probe >= ivf.nlist:
                break
            probe = min(probe * 4, ivf.nlist)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


def write(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def read(path: Path) -> faiss.Index:
    return faiss.read_index(str(path))
