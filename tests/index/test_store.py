"""The index on disk: incremental updates, crash safety, locking, corruption."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.errors import EmptyCorpus, IndexBusy, IndexCorrupt, IndexMismatch, IndexNotFound
from qa.index.versions import open_current

from helpers.data import BBC
from helpers.killing import PHASES, WORKER, kill_rounds


def _articles(settings: Settings) -> int:
    return open_current(settings.index_dir).manifest["counts"]["articles"]


def test_build_then_search_round_trip(corpus: Path, settings: Settings, fake) -> None:
    report = build_index(corpus, settings=settings, embedder=fake)
    assert len(report.added) == 13 and report.embedded == report.passages > 13
    retriever = Retriever.load(settings=settings, embedder=fake)
    hits = retriever.search("Jaishankar Gor critical minerals", k=3)
    assert hits[0].article_id == "2026-01-30-jaishankar-gor.txt"
    assert (hits[0].date, hits[0].source) == ("2026-01-30", "ANI")
    seed_text = (corpus / "2026-01-30-jaishankar-gor.txt").read_text()
    assert " ".join(hits[0].text.split()) in " ".join(seed_text.split())
    assert len({h.passage_id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_incremental_rebuild_embeds_only_what_changed(corpus: Path, settings: Settings,
                                                      fake) -> None:
    first = build_index(corpus, settings=settings, embedder=fake)
    ids_before = {h.passage_id for h in Retriever.load(settings=settings, embedder=fake)
                  .search("gadget", k=50, filters=Filters(mode="bm25"))}

    again = build_index(corpus, settings=settings, embedder=fake)
    assert (again.embedded, again.unchanged, again.added) == (0, 13, ())

    # One new article: only its passages are embedded.
    new = corpus / "new-story.txt"
    new.write_text("Volcano erupts\n\nA volcano erupted in Iceland on Sunday, closing airports.")
    added = build_index(corpus, settings=settings, embedder=fake)
    assert added.added == ("new-story.txt",) and added.embedded == 1

    # Editing the end of a long article re-embeds only the passages whose text changed.
    story = sorted((corpus / "tech").glob("*.txt"))[0]
    story.write_text(story.read_text() + "\n\nA late paragraph added by an editor.\n")
    changed = build_index(corpus, settings=settings, embedder=fake)
    assert changed.updated == (f"tech/{story.name}",)
    assert 1 <= changed.embedded <= 2

    # Deleting files removes their articles and passages.
    new.unlink()
    removed = build_index(corpus, settings=settings, embedder=fake)
    assert removed.removed == ("new-story.txt",)
    retriever = Retriever.load(settings=settings, embedder=fake)
    found = retriever.search("volcano Iceland", k=50)
    assert not [h for h in found if h.article_id == "new-story.txt"]
    # Passages of untouched articles kept their ids across all these rebuilds.
    ids_after = {h.passage_id
                 for h in retriever.search("gadget", k=50, filters=Filters(mode="bm25"))}
    assert len(ids_before & ids_after) >= len(ids_before) - 2
    assert removed.passages == first.passages + changed.passages - added.passages


def test_unchanged_passages_keep_their_ids(corpus: Path, settings: Settings, fake) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    r = Retriever.load(settings=settings, embedder=fake)
    dense = Filters(mode="dense")
    before = {(h.article_id, h.text): h.passage_id for h in r.search("news", k=100, filters=dense)}
    (corpus / "extra.txt").write_text("Extra\n\nSomething else entirely happened.")
    build_index(corpus, settings=settings, embedder=fake)
    r.refresh()
    after = {(h.article_id, h.text): h.passage_id for h in r.search("news", k=100, filters=dense)}
    assert before and all(after[key] == pid for key, pid in before.items())


def test_duplicates_are_indexed_once_and_reported(corpus: Path, settings: Settings, fake) -> None:
    shutil.copy(corpus / "2026-01-30-jaishankar-gor.txt", corpus / "copy-of-seed.txt")
    report = build_index(corpus, settings=settings, embedder=fake)
    skipped = {s.id: s.reason for s in report.skipped}
    assert skipped["copy-of-seed.txt"] == "duplicate of 2026-01-30-jaishankar-gor.txt"
    hits = Retriever.load(settings=settings, embedder=fake).search("Jaishankar", k=20)
    assert "copy-of-seed.txt" not in {h.article_id for h in hits}


def test_empty_corpus_is_an_error_and_keeps_the_previous_index(corpus: Path, settings: Settings,
                                                               fake, tmp_path: Path) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.txt").write_text("   \n")
    with pytest.raises(EmptyCorpus, match="no article could be indexed"):
        build_index(empty, settings=settings, embedder=fake)
    assert _articles(settings) == 13
    assert Retriever.load(settings=settings, embedder=fake).search("Jaishankar")


def test_missing_index_says_how_to_build_it(settings: Settings, fake) -> None:
    with pytest.raises(IndexNotFound, match="run `qa index"):
        Retriever.load(settings=settings, embedder=fake)


def test_other_model_is_refused(corpus: Path, settings: Settings, fake) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    with pytest.raises(IndexMismatch, match="was built with model 'fake-hashing-embedder'"):
        Retriever.load(settings=settings)  # configured: the bundled model


@pytest.mark.parametrize("damage", ["truncate", "flip"])
@pytest.mark.parametrize("victim", ["vectors.faiss", "passages.sqlite", "manifest.json",
                                    "bm25/seg-000001/ids.npy"])
def test_corruption_is_detected_on_load(corpus: Path, settings: Settings, fake, damage: str,
                                        victim: str) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    path = open_current(settings.index_dir).path / victim
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="qa index --full"):
        Retriever.load(settings=settings, embedder=fake)
    # A rebuild recovers from a damaged index.
    assert build_index(corpus, settings=settings, embedder=fake).note.startswith("previous index")
    assert Retriever.load(settings=settings, embedder=fake).search("Jaishankar")


def test_one_writer_at_a_time(corpus: Path, settings: Settings, fake) -> None:
    slow = subprocess.Popen(
        [sys.executable, str(WORKER), str(corpus), str(settings.index_dir), "0.5"],
        stdout=subprocess.PIPE, text=True,
    )
    lock = settings.index_dir / ".lock"
    deadline = time.time() + 30
    while time.time() < deadline and not (settings.index_dir / "versions").exists():
        time.sleep(0.05)
    with pytest.raises(IndexBusy, match="another build"):
        build_index(corpus, settings=settings, embedder=fake)
    assert slow.wait(60) == 0
    assert lock.exists()
    assert build_index(corpus, settings=settings, embedder=fake).embedded == 0


def bbc_sample(folder: Path, start: int, count: int) -> frozenset[str]:
    """Copy BBC articles number ``start`` to ``start + count`` into ``folder``; their ids."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(BBC.rglob("*.txt"))[start : start + count]:
        shutil.copy(path, folder / path.name)
    return frozenset(p.name for p in folder.iterdir())


def test_sigkill_in_every_phase_of_a_build_leaves_the_old_or_the_new_index(tmp_path: Path,
                                                                           fake) -> None:
    index = tmp_path / "index"
    old, new = tmp_path / "old", tmp_path / "new"
    expected = (bbc_sample(old, 0, 12), bbc_sample(new, 6, 12))
    build_index(old, settings=Settings(index_dir=index), embedder=fake)
    report = kill_rounds(index, (old, new), expected, fake, kills=16, finish_every=6)
    print(report.table())
    assert report.problems == []
    assert (report.damaged, report.mixed) == (0, 0)
    # Every phase was really hit, as the worker's own phase lines show.
    assert all(report.landed[phase] >= 2 for phase in PHASES), report.landed
    assert report.finished == 3
    # Leftovers (unfinished folders, versions never switched to) go with the next build.
    (new / "one-more.txt").write_text("One more story\n\nA new company opened today.")
    build_index(new, settings=Settings(index_dir=index), embedder=fake)
    left = [p.name for p in (index / "versions").iterdir()]
    assert not [name for name in left if name.startswith(".tmp")]
    assert len(left) <= 2


def test_an_update_takes_the_passage_ids_from_the_indexes_not_the_table(
        corpus: Path, settings: Settings, fake, monkeypatch) -> None:
    """Reading every passage id from the table costs most of a second at 1M passages: an
    update derives them from the previous keyword index and its own changes."""
    from qa.index import passage_sql

    build_index(corpus, settings=settings, embedder=fake)

    def scanned(self):
        raise AssertionError("the passage table was scanned for ids")

    monkeypatch.setattr(passage_sql.Table, "ids", scanned)
    new = corpus / "new-story.txt"
    new.write_text("Volcano erupts\n\nA volcano erupted in Iceland on Sunday, closing airports.")
    story = sorted((corpus / "tech").glob("*.txt"))[0]
    story.write_text(story.read_text() + "\n\nA late paragraph added by an editor.\n")
    assert build_index(corpus, settings=settings, embedder=fake).added == ("new-story.txt",)
    new.unlink()
    assert build_index(corpus, settings=settings, embedder=fake).removed == ("new-story.txt",)
    assert Retriever.load(settings=settings, embedder=fake).search("gadget", k=3)
