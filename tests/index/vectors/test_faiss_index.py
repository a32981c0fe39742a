"""The FAISS vector index against a brute-force numpy oracle: exact below the size
threshold, high recall above it, and incremental updates across the switch."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from qa import Filters, Retriever, Settings, build_index
from qa.index.vectors import faiss_index
from qa.index.vectors import store as vector_store
from qa.index.versions import open_current
from qa.search.ranking import rank

DIM = 16


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _clustered(n: int, dim: int, centres: int, seed: int) -> np.ndarray:
    """Points around a few centres, like topics in a news archive."""
    rng = np.random.default_rng(seed)
    middle = _unit(rng.standard_normal((centres, dim)))
    which = rng.integers(0, centres, size=n)
    return _unit(middle[which] + 0.1 * rng.standard_normal((n, dim)).astype(np.float32))


def _oracle(ids: np.ndarray, vecs: np.ndarray, query: np.ndarray, k: int,
            allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isin(ids, allowed) if allowed is not None else np.ones(len(ids), bool)
    scores = vecs[keep] @ query
    order = np.argsort(-scores, kind="stable")[:k]
    return scores[order], ids[keep][order]


def _assert_same_ranking(got: tuple[np.ndarray, np.ndarray],
                         want: tuple[np.ndarray, np.ndarray],
                         score_of: dict[int, float]) -> None:
    """Same scores in the same order; ids may differ only among equal scores (ties)."""
    got_scores, got_ids = got
    want_scores, _ = want
    assert len(got_ids) == len(want_scores)
    np.testing.assert_allclose(got_scores, want_scores, rtol=0, atol=1e-5)
    assert len(set(got_ids.tolist())) == len(got_ids)
    for pid, score in zip(got_ids.tolist(), got_scores.tolist()):
        assert abs(score_of[pid] - score) < 1e-5


@hsettings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    k=st.integers(1, 40),
    seed=st.integers(0, 10_000),
    filtered=st.booleans(),
    ties=st.booleans(),
)
def test_flat_index_equals_numpy_oracle(n: int, k: int, seed: int, filtered: bool,
                                        ties: bool) -> None:
    rng = np.random.default_rng(seed)
    vecs = _unit(rng.standard_normal((n, DIM)).astype(np.float32))
    if ties:  # duplicated rows give exactly equal scores
        vecs[n // 2 :] = vecs[: n - n // 2]
    ids = rng.choice(10 * n + 10, size=n, replace=False).astype(np.int64)
    index = faiss_index.new_flat(DIM)
    index.add_with_ids(vecs, ids)
    allowed = rng.choice(ids, size=max(1, n // 3), replace=False) if filtered else None
    query = _unit(rng.standard_normal((1, DIM)).astype(np.float32))[0]
    got = faiss_index.search(index, query, k, allowed=allowed)
    want = _oracle(ids, vecs, query, k, allowed)
    _assert_same_ranking(got, want, dict(zip(ids.tolist(), (vecs @ query).tolist())))
    if allowed is not None:
        assert set(got[1].tolist()) <= set(allowed.tolist())


def test_ivf_recall_at_10_against_exact_search() -> None:
    vecs = _clustered(20_000, 48, centres=60, seed=1)
    ids = np.arange(5, 20_005, dtype=np.int64)
    index = faiss_index.new_ivf(ids, vecs)
    assert faiss_index.kind(index) == "ivf"
    queries = _clustered(200, 48, centres=60, seed=2)
    nprobe = Settings().ann_nprobe
    found = 0
    for q in queries:
        _, got = faiss_index.search(index, q, 10, nprobe=nprobe)
        _, want = _oracle(ids, vecs, q, 10, None)
        found += len(set(got.tolist()) & set(want.tolist()))
    assert found / (10 * len(queries)) >= 0.95


def test_ivf_filtered_search_still_finds_enough() -> None:
    vecs = _clustered(5_000, DIM, centres=20, seed=3)
    ids = np.arange(5_000, dtype=np.int64)
    index = faiss_index.new_ivf(ids, vecs)
    allowed = ids[::97]  # a narrow filter: 52 passages scattered over many lists
    query = vecs[0]
    scores, got = faiss_index.search(index, query, 10, allowed=allowed, nprobe=1)
    want = _oracle(ids, vecs, query, 10, allowed)
    # Widening nprobe until enough survive ends in an exhaustive scan: exact results.
    _assert_same_ranking((scores, got), want, dict(zip(ids.tolist(), (vecs @ query).tolist())))


def test_remove_and_add_keep_ids_in_both_kinds() -> None:
    vecs = _clustered(3_000, DIM, centres=10, seed=4)
    ids = np.arange(100, 3_100, dtype=np.int64)
    for index in (faiss_index.new_ivf(ids, vecs), faiss_index.new_flat(DIM)):
        if index.ntotal == 0:
            index.add_with_ids(vecs, ids)
        faiss_index.remove(index, [100, 101, 3_099])
        index.add_with_ids(vecs[:1], np.array([9_999], np.int64))
        got_ids, got_vecs = faiss_index.all_vectors(index)
        expected = (set(ids.tolist()) - {100, 101, 3_099}) | {9_999}
        assert set(got_ids.tolist()) == expected and len(got_ids) == len(expected)
        np.testing.assert_array_equal(got_vecs[got_ids == 9_999][0], vecs[0])
        _, top = faiss_index.search(index, vecs[0], 1, nprobe=10_000)
        assert top[0] == 9_999  # the removed id 100 had this vector; the new one has it


def test_fit_to_size_switches_kinds_and_keeps_every_vector() -> None:
    vecs = _clustered(1_000, DIM, centres=8, seed=5)
    ids = np.arange(1_000, dtype=np.int64) * 3
    flat = faiss_index.new_flat(DIM)
    flat.add_with_ids(vecs, ids)
    assert faiss_index.fit_to_size(flat, 2_000) is flat
    ivf = faiss_index.fit_to_size(flat, 500)
    assert faiss_index.kind(ivf) == "ivf" and ivf.ntotal == 1_000
    assert flat.ntotal == 0  # emptied: one copy of the vectors, not two
    faiss_index.remove(ivf, ids[:800].tolist())
    back = faiss_index.fit_to_size(ivf, 500)  # 200 left, under half the threshold
    assert faiss_index.kind(back) == "flat"
    got_ids, got_vecs = faiss_index.all_vectors(back)
    order = np.argsort(got_ids)
    np.testing.assert_array_equal(got_ids[order], ids[800:])
    np.testing.assert_array_equal(got_vecs[order], vecs[800:])


def test_ivf_is_retrained_once_it_has_grown_fourfold() -> None:
    vecs = _clustered(5_000, DIM, centres=8, seed=6)
    ids = np.arange(5_000, dtype=np.int64)
    ivf = faiss_index.new_ivf(ids[:1_000], vecs[:1_000])
    small_nlist = faiss.downcast_index(ivf).nlist
    ivf.add_with_ids(vecs[1_000:2_000], ids[1_000:2_000])
    assert faiss_index.fit_to_size(ivf, 500) is ivf  # 2x: keep it
    ivf.add_with_ids(vecs[2_000:], ids[2_000:])
    grown = faiss_index.fit_to_size(ivf, 500)
    assert faiss.downcast_index(grown).nlist >= 2 * small_nlist
    got_ids, _ = faiss_index.all_vectors(grown)
    assert sorted(got_ids.tolist()) == ids.tolist()


def _dense_matches_oracle(settings: Settings, fake) -> None:
    retriever = Retriever.load(settings=settings, embedder=fake)
    ids, vecs = faiss_index.all_vectors(retriever.snapshot.vectors)
    for question in ("mobile phone gadgets", "software security virus", "music downloads"):
        q = fake.embed_query(question)
        ranked = rank(retriever.snapshot, retriever.embedder, retriever.settings, question, 5,
                      Filters(mode="dense"))
        want = _oracle(ids, vecs, q, 5, None)
        score_of = dict(zip(ids.tolist(), (vecs @ q).tolist()))
        got = (np.array([s for _, s in ranked]), np.array([i for i, _ in ranked]))
        _assert_same_ranking(got, want, score_of)


def test_incremental_updates_across_the_flat_to_ivf_switch(corpus: Path, settings: Settings,
                                                           fake) -> None:
    small = settings.with_(ann_min_passages=150)
    first = build_index(corpus, settings=small, embedder=fake)
    kind_first = first.index_type
    # Add articles until the index crosses the threshold, then keep updating it.
    for i in range(8):
        (corpus / f"extra-{i}.txt").write_text(
            f"Story {i}\n\n"
            + " ".join(f"Sentence {j} about topic {i} and gadgets." for j in range(400))
        )
    grown = build_index(corpus, settings=small, embedder=fake)
    assert (kind_first, grown.index_type) == ("flat", "ivf") and grown.passages >= 150
    assert grown.embedded == grown.passages - first.passages  # old vectors were kept
    _dense_matches_oracle(small, fake)

    (corpus / "extra-0.txt").unlink()
    (corpus / "extra-1.txt").write_text("Story 1\n\nRewritten: only one sentence now.")
    changed = build_index(corpus, settings=small, embedder=fake)
    assert changed.index_type == "ivf" and changed.removed == ("extra-0.txt",)
    assert changed.embedded == 1
    version = open_current(small.index_dir)
    assert vector_store.load(version.path).ntotal == version.manifest["counts"]["passages"]
    _dense_matches_oracle(small, fake)

    for i in range(1, 8):
        (corpus / f"extra-{i}.txt").unlink()
    shrunk = build_index(corpus, settings=small, embedder=fake)
    assert shrunk.index_type == "flat" and shrunk.passages == first.passages
    _dense_matches_oracle(small, fake)


def test_compact_ivf_finds_what_exact_search_finds_and_removes(tmp_path: Path) -> None:
    """IVF with 8-bit codes (the 10M-passage index) ranks like exact search, removes ids,
    and survives a write and read."""
    vecs = _clustered(4_000, DIM, centres=16, seed=7)
    ids = np.arange(4_000, dtype=np.int64) * 2 + 1
    index = faiss_index.new_ivf(ids, vecs, compact=True)
    assert faiss_index.kind(index) == "ivf-sq8" and index.ntotal == 4_000
    exact = faiss_index.new_flat(DIM)
    exact.add_with_ids(vecs, ids)
    recall = []
    for q in vecs[:50] + 0.01:
        _, got = faiss_index.search(index, q, 10)
        _, want = faiss_index.search(exact, q, 10)
        recall.append(len(set(got.tolist()) & set(want.tolist())) / 10)
    assert np.mean(recall) >= 0.95
    faiss_index.remove(index, ids[:10].tolist())
    assert index.ntotal == 3_990
    _, top = faiss_index.search(index, vecs[0], 5, nprobe=10_000)
    assert ids[0] not in top.tolist()
    got_ids, got_vecs = faiss_index.all_vectors(index)  # decoded: close to the originals
    assert sorted(got_ids.tolist()) == ids[10:].tolist()
    order = np.argsort(got_ids)
    assert np.abs(got_vecs[order] - vecs[10:]).max() < 0.05
    faiss_index.write(index, tmp_path / "vectors.faiss")
    again = faiss_index.read(tmp_path / "vectors.faiss")
    assert faiss_index.kind(again) == "ivf-sq8"
    np.testing.assert_array_equal(faiss_index.search(again, vecs[5], 10)[1],
                                  faiss_index.search(index, vecs[5], 10)[1])


def test_fit_to_size_compacts_large_indexes_and_back() -> None:
    vecs = _clustered(3_000, DIM, centres=8, seed=8)
    ids = np.arange(3_000, dtype=np.int64)
    ivf = faiss_index.new_ivf(ids, vecs, compact=False)
    assert faiss_index.fit_to_size(ivf, 500, compact_min=4_000) is ivf
    sq8 = faiss_index.fit_to_size(ivf, 500, compact_min=2_000)
    assert faiss_index.kind(sq8) == "ivf-sq8" and sq8.ntotal == 3_000
    faiss_index.remove(sq8, ids[:2_100].tolist())  # 900 left: under half of 2,000
    back = faiss_index.fit_to_size(sq8, 500, compact_min=2_000)
    assert faiss_index.kind(back) == "ivf"
    assert sorted(faiss_index.all_vectors(back)[0].tolist()) == ids[2_100:].tolist()
