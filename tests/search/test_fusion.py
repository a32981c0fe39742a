"""Hybrid fusion as pure functions: the edge cases that used to erase one side."""

from __future__ import annotations

import numpy as np
import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.search.fusion import normalise, order, smooth, weighted_sum


def test_negative_dense_scores_do_not_erase_bm25() -> None:
    dense = np.array([-0.020, -0.021, -0.022], np.float32)  # nothing is similar at all
    lexical = np.array([0.0, 1.0, 4.0], np.float32)
    fused = weighted_sum(dense, lexical, 0.6)
    assert np.all(np.abs(fused) <= 1.0)
    # BM25's clear winner wins. The old divisor (the best dense score, floored at 1e-9)
    # blew the dense side up ten million times and ranked by dense alone: item 0.
    assert int(np.argmax(fused)) == 2


def test_dense_order_survives_normalising_negative_scores() -> None:
    dense = np.array([-0.05, -0.02, -0.30], np.float32)
    assert list(np.argsort(-normalise(dense))) == list(np.argsort(-dense))


def test_no_keyword_match_leaves_the_dense_ranking() -> None:
    dense = np.array([0.2, 0.9, 0.5], np.float32)
    fused = weighted_sum(dense, np.zeros(3, np.float32), 0.6)
    assert list(np.argsort(-fused)) == [1, 2, 0]


def test_empty_candidates_and_ties() -> None:
    assert weighted_sum(np.zeros(0, np.float32), np.zeros(0, np.float32), 0.6).size == 0
    assert order(np.array([7, 3, 5]), np.array([1.0, 1.0, 0.5])) == [(3, 1.0), (7, 1.0),
                                                                    (5, 0.5)]


def test_smoothing_adds_a_share_of_the_neighbours_mean() -> None:
    scores = np.array([1.0, 0.0, 3.0])
    prev_, next_ = np.array([0, 0, 1]), np.array([1, 2, 2])
    assert smooth(scores, prev_, next_, 0.2).tolist() == pytest.approx([1.1, 0.4, 3.3])
    assert smooth(scores, prev_, next_, 0.2, at=np.array([1])).tolist() == pytest.approx([0.4])


def test_a_filter_that_leaves_few_candidates_ranks_only_those(corpus, settings, fake) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    retriever = Retriever.load(settings=settings, embedder=fake)
    for mode in ("hybrid", "dense", "bm25"):
        hits = retriever.search("minerals ministerial technology", k=10,
                                filters=Filters(mode=mode, since="2026"))
        assert hits and {h.article_id for h in hits} == {"2026-01-30-jaishankar-gor.txt"}


def test_library_entry_points_honour_qa_index_like_the_cli(corpus, tmp_path, fake,
                                                           monkeypatch) -> None:
    monkeypatch.setenv("QA_INDEX", str(tmp_path / "from-env"))
    build_index(corpus, embedder=fake)
    assert (tmp_path / "from-env" / "CURRENT").is_file()
    assert Retriever.load(embedder=fake).search("Jaishankar")
    assert Settings.from_env().index_dir == tmp_path / "from-env"
