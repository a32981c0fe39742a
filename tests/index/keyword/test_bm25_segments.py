"""The keyword index in segments (qa/index/keyword/bm25.py, qa/index/keyword/segment.py): an
incremental add,
change or removal scores exactly as a rebuild of the same passages, links what it keeps,
and a build that fails half way leaves the previous version serving."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.errors import IndexWriteFailed
from qa.index.keyword import bm25
from qa.index.keyword.bm25 import Lexical

WORDS = ("nuclear test ban treaty moscow powers smoking nerves friendship farm prices "
         "harvest early minister election budget football club manager oil rise fall "
         "viet nam war film award phone sales bank rates").split()
QUERIES = ["test ban treaty", "farm prices harvest", "viet nam war", "oil prices rise",
           "football club manager election", "bank rates fall budget", "unknownword"]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 30)))


def _assert_same(got: Lexical, want: Lexical) -> None:
    np.testing.assert_array_equal(got.ids, want.ids)
    assert got.num_docs == want.num_docs
    for q in QUERIES:
        a, b = got.scores(q), want.scores(q)
        assert (a is None) == (b is None), q
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
            np.testing.assert_array_equal(got.search(q, 10)[1], want.search(q, 10)[1])
    terms = ["treati", "farm", "nam", "absent"]
    assert got.doc_freqs(terms) == want.doc_freqs(terms)
    assert got.idf(terms) == pytest.approx(want.idf(terms))


def _update(tmp: Path, previous: Path | None, texts: dict[int, str], n: int) -> tuple[Path, str]:
    folder = tmp / f"v{n}"
    ids = np.array(sorted(texts), np.int64)
    how = bm25.update(previous, folder, ids, lambda some: [texts[int(i)] for i in some])
    return folder, how


def test_adds_changes_and_removals_score_as_a_rebuild(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(bm25, "MERGE_MIN", 60)
    monkeypatch.setattr(bm25, "MAX_DELTAS", 3)
    rng = random.Random(7)
    texts = {i: _text(rng) for i in range(1, 301)}
    folder, how = _update(tmp_path, None, texts, 0)
    assert how == "full"
    seen = set()
    next_id = 301
    for n in range(1, 16):
        live = sorted(texts)
        for pid in rng.sample(live, rng.randint(0, 4)):  # removals
            del texts[pid]
        for pid in rng.sample(sorted(texts), rng.randint(0, 2)):  # a change: new id, new text
            del texts[pid]
            texts[next_id], next_id = _text(rng), next_id + 1
        if n == 5:  # the highest id removed, then given again to a new passage
            del texts[max(texts)]
            folder, how = _update(tmp_path, folder, texts, 100 + n)
            next_id = max(texts) + 1
        for _ in range(rng.randint(0, 6)):  # additions
            texts[next_id], next_id = _text(rng), next_id + 1
        folder, how = _update(tmp_path, folder, texts, n)
        seen.add(how)
        loaded = Lexical.load(folder)
        assert len(loaded.segments) <= 1 + bm25.MAX_DELTAS
        ids = sorted(texts)
        _assert_same(loaded, Lexical.build(ids, [texts[i] for i in ids]))
    assert {"delta", "merge"} <= seen


def test_a_delta_links_the_segments_it_keeps(tmp_path: Path) -> None:
    rng = random.Random(3)
    texts = {i: _text(rng) for i in range(1, 51)}
    original = dict(texts)
    first, _ = _update(tmp_path, None, texts, 0)
    del texts[7]
    texts[51] = "harvest moon over the farm"
    second, how = _update(tmp_path, first, texts, 1)
    assert how == "delta"
    for file in (first / "seg-000001").iterdir():
        assert (second / "seg-000001" / file.name).samefile(file)
    assert (second / "seg-000002").is_dir()
    assert not (first / "seg-000001.deleted.npy").exists()  # the old version is untouched
    _assert_same(Lexical.load(first), Lexical.build(range(1, 51), original.values()))


def test_nothing_changed_keeps_every_segment(tmp_path: Path) -> None:
    texts = {1: "treaty signed", 2: "farm prices"}
    first, _ = _update(tmp_path, None, texts, 0)
    second, how = _update(tmp_path, first, texts, 1)
    assert how == "same"
    _assert_same(Lexical.load(second), Lexical.load(first))


def test_removing_every_passage_of_a_term_forgets_it(tmp_path: Path) -> None:
    texts = {1: "treaty signed in moscow", 2: "farm prices", 3: "moscow winter"}
    first, _ = _update(tmp_path, None, texts, 0)
    del texts[1]
    second, _ = _update(tmp_path, first, texts, 1)
    lx = Lexical.load(second)
    assert lx.scores("treaty") is None
    assert lx.doc_freqs(["moscow"]) == {"moscow": 1}
    assert lx.search("moscow", 5)[1].tolist() == [3]


def test_builds_add_and_remove_articles_as_a_full_rebuild_would(corpus: Path,
                                                                 settings: Settings,
                                                                 fake, tmp_path: Path) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    (corpus / "extra.txt").write_text("Lighthouse keeper retires\n\nThe last keeper of the "
                                      "Fair Isle lighthouse retired on Monday after 41 years.\n")
    victim = sorted(p for p in corpus.iterdir() if p.name != "extra.txt")[0]
    victim.unlink()
    build_index(corpus, settings=settings, embedder=fake)
    bm25 = Retriever.load(settings=settings, embedder=fake).snapshot.version.path / "bm25"
    assert len(list(bm25.glob("seg-*/"))) == 2  # base and one delta
    full = Settings(index_dir=tmp_path / "full", corpus_dir=corpus)
    build_index(corpus, settings=full, embedder=fake, full=True)
    a = Retriever.load(settings=settings, embedder=fake).snapshot.lexical
    b = Retriever.load(settings=full, embedder=fake).snapshot.lexical
    assert len(a.segments) == 2 and len(b.segments) == 1
    for q in ("lighthouse keeper", "company news", "minister said the economy"):
        # A full rebuild numbers passages afresh: compare the scores as a multiset...
        np.testing.assert_allclose(np.sort(a.scores(q)), np.sort(b.scores(q)), rtol=1e-6)
        # ...and the rankings by article.
        bm25 = Filters(mode="bm25")
        assert ([h.article_id for h in Retriever.load(settings=settings, embedder=fake)
                 .search(q, k=5, filters=bm25)]
                == [h.article_id for h in Retriever.load(settings=full, embedder=fake)
                    .search(q, k=5, filters=bm25)])
    hits = Retriever.load(settings=settings, embedder=fake).search(
        "Fair Isle lighthouse keeper", k=3, filters=Filters(mode="bm25"))
    assert hits and hits[0].article_id == "extra.txt"


def test_a_build_failing_in_the_keyword_update_leaves_the_previous_version(
        corpus: Path, settings: Settings, fake, monkeypatch) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    before = Retriever.load(settings=settings, embedder=fake)
    old_ids = before.snapshot.lexical.ids.copy()
    (corpus / "extra.txt").write_text("Lighthouse keeper retires\n\nThe keeper retired.\n")

    def broken(self, folder):
        folder.mkdir(parents=True)
        (folder / "ids.npy").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(bm25.Segment, "save", broken)
    with pytest.raises(IndexWriteFailed, match="disk full"):
        build_index(corpus, settings=settings, embedder=fake)
    monkeypatch.undo()
    after = Retriever.load(settings=settings, embedder=fake)
    assert after.snapshot.name == before.snapshot.name
    np.testing.assert_array_equal(after.snapshot.lexical.ids, old_ids)
    build_index(corpus, settings=settings, embedder=fake)
    assert Retriever.load(settings=settings, embedder=fake).search(
        "lighthouse keeper", k=1, filters=Filters(mode="bm25"))[0].article_id == "extra.txt"
    shutil.rmtree(settings.index_dir)
