"""BM25 over words and adjacent word pairs (qa/index/keyword/bm25.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from qa.index.keyword.bm25 import Lexical

TEXTS = [
    "The nuclear test ban treaty was signed in Moscow by three powers.",
    "A ban on smoking, a test of nerves, and a treaty of friendship were all in the news.",
    "Farm prices fell again as the harvest came in early.",
]


def test_the_phrase_outranks_the_same_words_scattered() -> None:
    lexical = Lexical.build([10, 20, 30], TEXTS)
    scores, ids = lexical.search("test ban treaty", 3)
    assert ids.tolist() == [10, 20]
    assert scores[0] > scores[1] > 0


def test_pairs_survive_save_and_load(tmp_path: Path) -> None:
    lexical = Lexical.build([10, 20, 30], TEXTS)
    lexical.save(tmp_path / "bm25")
    loaded = Lexical.load(tmp_path / "bm25")
    assert loaded.doc_freqs(["ban"]) == {"ban": 2}
    for query in ("test ban treaty", "harvest prices", "treaty of friendship"):
        np.testing.assert_array_equal(loaded.scores(query), lexical.scores(query))


def test_passages_without_any_pair_are_searchable(tmp_path: Path) -> None:
    lexical = Lexical.build([1, 2], ["Moscow", "treaty"])
    assert not lexical.segments[0].pairs.terms
    lexical.save(tmp_path / "bm25")
    assert Lexical.load(tmp_path / "bm25").search("treaty", 5)[1].tolist() == [2]
    assert lexical.scores("nothing known") is None
