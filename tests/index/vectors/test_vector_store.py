"""The vectors of a version as a linked base plus changes (qa.index.vectors.store): whatever the
sequence of builds, a reader loads exactly the vectors a full rebuild would hold, and a
small change writes small files while linking the base."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from qa.index.vectors import faiss_index
from qa.index.vectors import store as vector_store

DIM = 8


def _changes(ids: list[int], removed: list[int], rng: np.random.Generator,
             oracle: dict[int, np.ndarray]) -> vector_store.Changes:
    added = faiss_index.new_flat(DIM)
    for i in removed:
        del oracle[i]
    if ids:
        vecs = rng.standard_normal((len(ids), DIM)).astype(np.float32)
        added.add_with_ids(vecs, np.asarray(ids, np.int64))
        oracle.update(zip(ids, vecs))
    return vector_store.Changes(added, np.asarray(removed, np.int64))


def _loaded(folder: Path) -> dict[int, np.ndarray]:
    ids, vecs = faiss_index.all_vectors(vector_store.load(folder))
    return dict(zip(ids.tolist(), vecs))


def _same(got: dict[int, np.ndarray], want: dict[int, np.ndarray]) -> None:
    assert sorted(got) == sorted(want)
    for i, v in want.items():
        np.testing.assert_allclose(got[i], v, atol=1e-6)


@hsettings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.floats(0, 0.6)), min_size=1, max_size=8),
       st.integers(0, 2**16))
def test_any_sequence_of_builds_loads_what_a_rebuild_holds(tmp_path_factory, steps,
                                                           seed) -> None:
    root = tmp_path_factory.mktemp("versions")
    rng = np.random.default_rng(seed)
    oracle: dict[int, np.ndarray] = {}
    next_id, previous = 1, None
    for number, (adds, share) in enumerate(steps):
        live = sorted(oracle)
        removed = [i for i in live if rng.random() < share]
        if removed and max(removed) == next_id - 1 and rng.random() < 0.5:
            next_id -= 1  # the table hands out max(id) + 1: a removed last id comes back
        ids = list(range(next_id, next_id + adds))
        next_id += adds
        if not ids and not oracle.keys() - set(removed):
            continue  # a build never commits an empty index
        folder = root / f"v{number}"
        folder.mkdir()
        changes = _changes(ids, removed, rng, oracle)
        how, kind, total = vector_store.update(previous, folder, changes, dim=DIM, ann_min=40)
        assert total == len(oracle)
        assert (how == "full") == (previous is None)
        _same(_loaded(folder), oracle)
        assert kind == faiss_index.kind(vector_store.load(folder))
        if how == "delta":  # the base is the previous version's file, not a copy
            assert os.path.samefile(folder / vector_store.BASE, previous / vector_store.BASE)
        previous = folder


def test_a_small_change_links_the_base_and_a_large_one_writes_a_new_base(tmp_path: Path,
                                                                         monkeypatch) -> None:
    monkeypatch.setattr(vector_store, "MERGE_MIN", 10)
    rng, oracle = np.random.default_rng(0), {}
    first, second, third = tmp_path / "1", tmp_path / "2", tmp_path / "3"
    for folder in (first, second, third):
        folder.mkdir()
    vector_store.update(None, first, _changes(list(range(1, 201)), [], rng, oracle), dim=DIM,
                       ann_min=10_000)
    base_bytes = (first / vector_store.BASE).stat().st_size
    how, _, total = vector_store.update(first, second, _changes([201, 202], [5, 6, 7], rng, oracle),
                                       dim=DIM, ann_min=10_000)
    assert (how, total) == ("delta", 199)
    small = sum(f.stat().st_size for f in second.iterdir() if f.name != vector_store.BASE)
    assert small < base_bytes / 10  # the change costs what changed
    _same(_loaded(second), oracle)
    how, _, total = vector_store.update(second, third, _changes(list(range(203, 240)), [], rng,
                                                               oracle), dim=DIM, ann_min=10_000)
    assert (how, total) == ("merge", 236)  # 39 added + 3 removed > 10% of the base
    assert not os.path.samefile(third / vector_store.BASE, second / vector_store.BASE)
    assert not (third / vector_store.ADDED_IDS).exists()
    _same(_loaded(third), oracle)


def test_growing_past_the_ivf_threshold_writes_a_new_base_of_the_new_kind(tmp_path: Path) -> None:
    rng, oracle = np.random.default_rng(1), {}
    first, second = tmp_path / "1", tmp_path / "2"
    first.mkdir(), second.mkdir()
    vector_store.update(None, first, _changes(list(range(1, 1001)), [], rng, oracle), dim=DIM,
                       ann_min=1_010)
    # 20 more vectors are a delta by size (2%), but they cross the IVF threshold.
    how, kind, _ = vector_store.update(first, second, _changes(list(range(1001, 1021)), [], rng,
                                                              oracle), dim=DIM, ann_min=1_010)
    assert (how, kind) == ("merge", "ivf")
    assert faiss_index.kind(vector_store.load(second)) == "ivf" and len(_loaded(second)) == 1020


def test_a_version_with_only_a_faiss_file_is_read_as_a_base(tmp_path: Path) -> None:
    """Index format 3 wrote vectors.faiss alone: it loads, and the next build extends it."""
    rng, oracle = np.random.default_rng(2), {}
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir(), new.mkdir()
    index = faiss_index.new_flat(DIM)
    changes = _changes(list(range(1, 51)), [], rng, oracle)
    ids, vecs = faiss_index.all_vectors(changes.added)
    index.add_with_ids(vecs, ids)
    faiss_index.write(index, old / vector_store.BASE)
    _same(_loaded(old), oracle)
    how, _, total = vector_store.update(old, new, _changes([51], [1], rng, oracle), dim=DIM,
                                       ann_min=10_000)
    assert (how, total) == ("merge", 50)
    _same(_loaded(new), oracle)
