"""The FAISS vector index: exact inner product for small corpora, IVF for large ones.

Vector ids are passage row ids, so passages keep their vectors across incremental
rebuilds (``remove_ids`` / ``add_with_ids``). Both index kinds support removal, which is
why IVF is used above the size threshold rather than HNSW (which cannot remove).
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
    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexIDMap2):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        return ids, index.index.reconstruct_n(0, index.ntotal)
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


def new_ivf(ids: np.ndarray, vectors: np.ndarray, *, seed: int = 0) -> faiss.Index:
    """An IVF-Flat index with about 4*sqrt(n) lists, trained on a sample of ``vectors``."""
    n, dim = vectors.shape
    nlist = max(16, int(4 * math.sqrt(n)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
    index.train(sample)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    index.add_with_ids(vectors, ids)
    return index


def fit_to_size(index: faiss.Index, ann_min: int) -> faiss.Index:
    """Switch to IVF when the index grows past ``ann_min``, back to flat below half."""
    current = kind(index)
    if current == "flat" and index.ntotal >= ann_min:
        log.info("switching to an IVF index at %d passages", index.ntotal)
        return new_ivf(*all_vectors(index))
    if current == "ivf" and index.ntotal < ann_min // 2:
        ids, vectors = all_vectors(index)
        flat = new_flat(index.d)
        flat.add_with_ids(vectors, ids)
        return flat
    return index


def remove(index: faiss.Index, ids: list[int]) -> None:
    if ids:
        index.remove_ids(np.asarray(ids, dtype=np.int64))


def search(
    index: faiss.Index,
    query: np.ndarray,
    k: int,
    *,
    allowed: np.ndarray | None = None,
    nprobe: int = 32,
) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` ``(scores, ids)`` for one query, only among ``allowed`` ids when given."""
    if index.ntotal == 0 or k <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
    want = min(k, index.ntotal if allowed is None else len(allowed))
    if kind(index) == "flat":
        params = faiss.SearchParameters(sel=selector) if selector else None
        scores, ids = index.search(q, k, params=params)
    else:
        ivf = faiss.downcast_index(index)
        probe = min(nprobe, ivf.nlist)
        while True:
            params = faiss.SearchParametersIVF(sel=selector, nprobe=probe)
            scores, ids = index.search(q, k, params=params)
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
