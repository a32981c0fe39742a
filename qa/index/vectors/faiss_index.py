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
(58 s vs 52 s) and cannot remove ids, so IVF stays. From ``COMPACT_MIN`` passages the
lists hold 8-bit scalar-quantised codes (IVF-SQ8), which still support removal; see
``COMPACT_MIN`` for what it measured at 10M.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import faiss
import numpy as np

log = logging.getLogger(__name__)


#: From this many passages the IVF lists hold 8-bit codes (IVF-SQ8, a quarter of the
#: float32 bytes: 10M x 384 dims is 3.9 GB instead of 15.4 GB) and the coarse quantizer
#: is an HNSW graph (assigning 10M vectors to 12k lists by exact scan would take most
#: of an hour on 2 cores). Measured by benchmarks/vectors10m.py (docs/scaling.md).
COMPACT_MIN = 2_000_000


def new_flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def kind(index: faiss.Index) -> str:
    """``flat`` (exact), ``ivf`` (IVF-Flat) or ``ivf-sq8`` (IVF with 8-bit codes)."""
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIVFScalarQuantizer):
        return "ivf-sq8"
    return "ivf" if isinstance(inner, faiss.IndexIVF) else "flat"


def all_vectors(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, vectors)`` of every entry; used when the index changes kind."""
    # A new name, not ``index =``: the downcast proxy does not own the C++ object, so
    # dropping the caller's proxy (a temporary) would free the index under us.
    inner = faiss.downcast_index(index)
    if isinstance(inner, faiss.IndexIDMap2):
        ids = faiss.vector_to_array(inner.id_map).astype(np.int64)
        return ids, faiss.downcast_index(inner.index).reconstruct_n(0, inner.ntotal)
    if isinstance(inner, faiss.IndexIVFScalarQuantizer):  # decoded, not stored, floats
        ids = _ivf_ids(inner)
        return ids, inner.reconstruct_batch(ids) if len(ids) else \
            np.zeros((0, inner.d), np.float32)
    return _ivf_vectors(inner)


def ids_of(index: faiss.Index) -> np.ndarray:
    """The ids in an exact index (cheap: its id table, not its vectors)."""
    return faiss.vector_to_array(faiss.downcast_index(index).id_map).astype(np.int64)


def _ivf_ids(index: faiss.IndexIVF) -> np.ndarray:
    lists = index.invlists
    parts = [faiss.rev_swig_ptr(lists.get_ids(i), lists.list_size(i)).copy()
             for i in range(index.nlist) if lists.list_size(i)]
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


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


def new_ivf(ids: np.ndarray, vectors: np.ndarray, *, seed: int = 0,
            compact: bool | None = None) -> faiss.Index:
    """An IVF index with :func:`nlist_for` lists, trained on a sample of ``vectors``:
    IVF-SQ8 when ``compact`` (default: from :data:`COMPACT_MIN` passages), else IVF-Flat."""
    n = len(vectors)
    compact = n >= COMPACT_MIN if compact is None else compact
    rng = np.random.default_rng(seed)
    sample = rng.choice(n, size=min(n, training_size(n, compact)), replace=False)
    index = empty_ivf(vectors[np.sort(sample)], n, compact=compact)
    index.add_with_ids(vectors, ids)
    return index


def training_size(n: int, compact: bool) -> int:
    """Vectors to train the lists of an IVF index for ``n`` on: 40 per list (FAISS warns
    below 39), 16 for the compact kind, whose 12k lists at 10M would otherwise cost an
    hour of k-means on 2 cores (recall is recovered by nprobe)."""
    return nlist_for(n) * (16 if compact else 40)


def empty_ivf(sample: np.ndarray, n: int, *, compact: bool) -> faiss.Index:
    """An empty IVF index sized for ``n`` vectors, trained on ``sample`` (see
    :func:`training_size`), to be filled with ``add_with_ids`` (in chunks if need be)."""
    dim = sample.shape[1]
    nlist = nlist_for(n)
    if compact:
        quantizer = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        quantizer.hnsw.efSearch = 128
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist,
                                              faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        # k-means assigns by exact scan; the graph is built once, from the centroids.
        flat = faiss.IndexFlatIP(dim)
        index.clustering_index = flat
        index.referenced_objects = [quantizer, flat]  # keep the Python proxies alive
    else:
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.referenced_objects = [quantizer]
    # 10 k-means rounds: training 1M vectors takes about a minute on 2 cores; recall is
    # recovered by nprobe, not by polishing centroids.
    index.cp.niter = 10
    index.train(sample)
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    return index


def fit_to_size(index: faiss.Index, ann_min: int,
                compact_min: int = COMPACT_MIN) -> faiss.Index:
    """The index to keep for its size: IVF from ``ann_min`` passages, flat below half of
    it (the gap stops flapping), 8-bit codes from ``compact_min`` (float32 again below
    half of it), and IVF retrained once it has grown 4x since training (its lists were
    sized for the smaller corpus and trained on its topics)."""
    current, n = kind(index), index.ntotal
    target = refit_due(current, n, nlist(index), ann_min, compact_min)
    if target is None:
        return index
    log.info("rebuilding the %s vector index as %s at %d passages", current, target, n)
    ids, vectors = take_all(index)
    if target == "flat":
        flat = new_flat(vectors.shape[1])
        flat.add_with_ids(vectors, ids)
        return flat
    return new_ivf(ids, vectors, compact=target == "ivf-sq8")


def refit_due(current: str, n: int, lists: int, ann_min: int,
              compact_min: int = COMPACT_MIN) -> str | None:
    """The kind an index of kind ``current`` with ``lists`` IVF lists should be rebuilt as
    at ``n`` passages (see :func:`fit_to_size`; its own kind: retrained), None to keep it."""
    if current == "flat":
        return ("ivf-sq8" if n >= compact_min else "ivf") if n >= ann_min else None
    if n < ann_min // 2:
        return "flat"
    # 8-bit codes from COMPACT_MIN, float32 again under half of it.
    if current == "ivf" and n >= compact_min:
        return "ivf-sq8"
    if current == "ivf-sq8" and n < compact_min // 2:
        return "ivf"
    if nlist_for(n) >= 2 * lists:
        return current
    return None


def nlist(index: faiss.Index) -> int:
    """Inverted lists of an IVF index; 0 for an exact one."""
    inner = faiss.downcast_index(index)
    return int(inner.nlist) if isinstance(inner, faiss.IndexIVF) else 0


def take_all(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
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
