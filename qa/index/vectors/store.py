"""The vectors of an index version on disk: a base FAISS index plus what changed since.

Rewriting a 1M-passage FAISS file (1.5 GB) for one new article is what made adding an
article cost as much as the archive. So, like the keyword index (:mod:`qa.index.keyword.bm25`), a
version stores

    vectors.faiss          the base index, hard-linked from the previous version
    vectors-added.npy      ids of the vectors added since the base (int64, ascending)
    vectors-added.f32.npy  those vectors (float32, one row per id)
    vectors-removed.npy    ids removed from the base since it was written
    vectors.json           {"base": vectors in the base, "kind": ..., "nlist": ...}

and a reader opens the base, removes the removed ids and adds the added vectors, in
memory (:func:`load`): the same index a full rebuild writes. A build writes only the
small files, until the changes pass ``MERGE_SHARE`` of the base or the archive's size
calls for another index kind (:func:`qa.index.vectors.faiss_index.refit_due`): then it writes
a new base.
Ids in the added files are never live in the base (an id removed from the base may come
back as a new passage: it is removed first, then added). A version without
``vectors.json`` (index format 3) is a base with nothing added or removed.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from . import faiss_index

BASE = "vectors.faiss"
ADDED_IDS = "vectors-added.npy"
ADDED = "vectors-added.f32.npy"
REMOVED = "vectors-removed.npy"
LAYOUT = "vectors.json"
MERGE_SHARE = 0.1  # write a new base when additions and removals pass this share of it...
MERGE_MIN = 1000  # ...and this many vectors (a small base is rewritten in no time)


@dataclass(frozen=True, eq=False)
class Changes:
    """What a build did to the vectors: the new ones, in an exact index of their own (which
    becomes the whole index of a first build), and the ids removed from the previous version."""

    added: faiss.Index
    removed: np.ndarray  # int64, ids live in the previous version


@dataclass(frozen=True, eq=False)
class _Stored:
    layout: dict | None  # None: a format-3 version, a base with no changes
    added_ids: np.ndarray
    added: np.ndarray
    removed: np.ndarray


def _read_stored(folder: Path, dim: int) -> _Stored:
    """The changes a version keeps beside its base (none for a format-3 version)."""
    layout = json.loads((folder / LAYOUT).read_text()) if (folder / LAYOUT).is_file() else None
    added = (np.load(folder / ADDED, allow_pickle=False) if (folder / ADDED).is_file()
             else np.zeros((0, dim), np.float32))
    return _Stored(layout, _load(folder / ADDED_IDS), added, _load(folder / REMOVED))


def _load(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False) if path.is_file() else np.zeros(0, np.int64)


def _apply(index: faiss.Index, removed: np.ndarray, ids: np.ndarray,
           added: np.ndarray) -> faiss.Index:
    """``index`` with ``removed`` taken out, then ``added`` put in (in that order: an id
    removed from the base may come back as a new passage)."""
    faiss_index.remove(index, removed.tolist())
    if len(ids):
        index.add_with_ids(added, ids)
    return index


def load(folder: Path) -> faiss.Index:
    """The vector index of the version in ``folder``, changes applied."""
    index = faiss_index.read(folder / BASE)
    stored = _read_stored(folder, index.d)
    return _apply(index, stored.removed, stored.added_ids, stored.added)


def update(previous: Path | None, folder: Path, changes: Changes, *, dim: int,
           ann_min: int) -> tuple[str, str, int]:
    """Write into ``folder`` the vectors of the version that applies ``changes`` to the one
    in ``previous`` (None: from nothing). Returns ``(what was done, index kind, vectors)``:
    "full" or "merge" (a new base written) or "delta" (the base linked)."""
    if previous is None:
        what, index = "full", changes.added
    else:
        stored = _read_stored(previous, dim)
        new_ids, new = faiss_index.take_all(changes.added)
        gone = np.isin(stored.added_ids, changes.removed)
        added_ids = np.concatenate([stored.added_ids[~gone], new_ids])
        added = np.concatenate([stored.added[~gone], new])
        del new
        removed = np.union1d(stored.removed, changes.removed[
            ~np.isin(changes.removed, stored.added_ids)])
        if stored.layout is not None:
            base = stored.layout["base"]
            total = base - len(removed) + len(added_ids)
            churn = len(added_ids) + len(removed)
            due = faiss_index.refit_due(stored.layout["kind"], total, stored.layout["nlist"],
                                        ann_min)
            if churn <= max(MERGE_SHARE * (base - len(removed)), MERGE_MIN) and not due:
                order = np.argsort(added_ids, kind="stable")
                _write_delta(previous, folder, stored.layout, added_ids[order], added[order],
                             removed, total)
                return "delta", stored.layout["kind"], total
        what, index = "merge", _apply(faiss_index.read(previous / BASE), removed, added_ids,
                                      added)
        del added
    index = faiss_index.fit_to_size(index, ann_min)
    _write_base(index, folder)
    return what, faiss_index.kind(index), int(index.ntotal)


def _write_base(index: faiss.Index, folder: Path) -> None:
    faiss_index.write(index, folder / BASE)
    layout = {"base": int(index.ntotal), "total": int(index.ntotal),
              "kind": faiss_index.kind(index),
              "nlist": faiss_index.nlist(index)}
    (folder / LAYOUT).write_text(json.dumps(layout))


def _write_delta(previous: Path, folder: Path, layout: dict, added_ids: np.ndarray,
                 added: np.ndarray, removed: np.ndarray, total: int) -> None:
    try:
        os.link(previous / BASE, folder / BASE)  # never written again: versions share it
    except OSError:
        shutil.copyfile(previous / BASE, folder / BASE)
    np.save(folder / ADDED_IDS, added_ids.astype(np.int64), allow_pickle=False)
    np.save(folder / ADDED, np.ascontiguousarray(added, np.float32), allow_pickle=False)
    np.save(folder / REMOVED, removed.astype(np.int64), allow_pickle=False)
    (folder / LAYOUT).write_text(json.dumps({**layout, "total": int(total)}))
