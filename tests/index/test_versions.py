"""Readers and versions: a query sees one version, refreshes are safe under load and
refuse what they cannot serve, old versions go in build order."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.errors import IndexChanged, IndexCorrupt
from qa.index import versions
from qa.search.snapshot import open_snapshot

from helpers.data import BBC
from helpers.fakes import FakeEmbedder

QUESTIONS = ("company profits rise", "new mobile phone", "election campaign", "film award")


def _corpus(folder: Path, count: int = 10) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for path in sorted(BBC.rglob("*.txt"))[:count]:
        files.append(folder / path.name)
        shutil.copy(path, files[-1])
    return files


@dataclass
class Small:
    """Four articles, built into an index, and a retriever on it."""

    settings: Settings
    corpus: Path
    files: list[Path]
    retriever: Retriever


@pytest.fixture
def small(tmp_path: Path, fake) -> Small:
    settings = Settings(index_dir=tmp_path / "index", keep_versions=1)
    corpus = tmp_path / "corpus"
    files = _corpus(corpus, 4)
    build_index(corpus, settings=settings, embedder=fake)
    return Small(settings, corpus, files, Retriever.load(settings=settings, embedder=fake))


def test_searches_racing_rebuilds_and_refreshes_each_see_one_version(tmp_path: Path,
                                                                      fake) -> None:
    settings = Settings(index_dir=tmp_path / "index", keep_versions=1000)
    corpus = tmp_path / "corpus"
    files = _corpus(corpus)
    build_index(corpus, settings=settings, embedder=fake)
    retriever = Retriever.load(settings=settings, embedder=fake)
    stop = threading.Event()
    errors: list[str] = []
    seen: set[tuple[str, int, str, str]] = set()
    searches = [0]

    def search_loop(worker: int) -> None:
        modes = ("hybrid", "dense", "bm25")
        i = worker
        while not stop.is_set():
            i += 1
            try:
                hits = retriever.search(QUESTIONS[i % len(QUESTIONS)], k=5,
                                        filters=Filters(mode=modes[i % 3]))
            except Exception as exc:  # noqa: BLE001 - any error at all fails the test
                errors.append(repr(exc))
                continue
            searches[0] += 1
            if len({h.version for h in hits}) > 1:
                errors.append(f"one answer from versions {sorted({h.version for h in hits})}")
            seen.update((h.version, h.passage_id, h.article_id, h.text) for h in hits)

    threads = [threading.Thread(target=search_loop, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    spare = sorted(BBC.rglob("*.txt"))[10:30]
    try:
        for round_ in range(200):
            # Add, change and remove articles, so passage ids come and go every round.
            extra = corpus / f"extra-{round_ % 7}.txt"
            if extra.exists():
                extra.unlink()
            else:
                shutil.copy(spare[round_ % len(spare)], extra)
            target = files[round_ % len(files)]
            target.write_text(target.read_text() + f"\nUpdate {round_}: more on this story.")
            build_index(corpus, settings=settings, embedder=fake)
            retriever.refresh()
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert searches[0] > 200
    # Every hit must be exactly what its version's own table says.
    by_version: dict[str, list[tuple[int, str, str]]] = {}
    for version, pid, article, text in seen:
        by_version.setdefault(version, []).append((pid, article, text))
    assert len(by_version) > 20  # searches really ran across many versions
    for version, rows in by_version.items():
        db = sqlite3.connect(settings.index_dir / "versions" / version / "passages.sqlite")
        stored = {pid: (a, t) for pid, a, t in db.execute("SELECT id, article_id, text "
                                                          "FROM passages")}
        db.close()
        assert all(stored.get(pid) == (article, text) for pid, article, text in rows), version


def test_refresh_refuses_a_version_built_with_another_model(small: Small, caplog) -> None:
    settings, corpus, retriever = small.settings, small.corpus, small.retriever
    before = retriever.snapshot.name

    class OtherModel(FakeEmbedder):
        name, fingerprint = "other-model", "other-weights"

    (corpus / "new.txt").write_text("Robot chef\n\nA robot chef opened a noodle bar.")
    build_index(corpus, settings=settings, embedder=OtherModel())
    with caplog.at_level(logging.WARNING):
        assert retriever.refresh() is False
        assert retriever.refresh() is False
    assert retriever.snapshot.name == before  # the loaded version keeps serving
    assert retriever.search("phone")
    warnings = [r for r in caplog.records if "other model weights" in r.getMessage()]
    assert len(warnings) == 1  # said once, not on every request


def test_a_pointer_to_a_missing_version_keeps_the_loaded_one_serving(small: Small, fake,
                                                                     caplog) -> None:
    settings, retriever = small.settings, small.retriever
    (settings.index_dir / "CURRENT").write_text("v99999999-gone 0123\n")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert retriever.refresh() is False
            assert retriever.search("phone")
    assert len([r for r in caplog.records if "keeping index version" in r.getMessage()]) == 1
    with pytest.raises(IndexCorrupt, match="v99999999-gone is missing"):
        Retriever.load(settings=settings, embedder=fake)


def test_old_versions_go_in_build_order_and_orphans_never_push_out_the_served_one(
        small: Small, fake) -> None:
    settings, corpus, files = small.settings, small.corpus, small.files
    served = versions.current_name(settings.index_dir)
    # A build that died between renaming its folder and switching the pointer leaves an
    # orphan, newer by name; make its folder time the oldest, as after a copy or restore.
    orphan = settings.index_dir / "versions" / versions.next_name(settings.index_dir)
    shutil.copytree(settings.index_dir / "versions" / served, orphan)
    os.utime(orphan, (1, 1))
    files[0].write_text(files[0].read_text() + "\nMore news.")
    build_index(corpus, settings=settings, embedder=fake)
    left = versions.published(settings.index_dir)
    assert orphan.name not in left  # never served: removed
    assert served in left  # the version readers were using is the one kept
    assert left[-1] == versions.current_name(settings.index_dir)


def test_a_version_deleted_while_being_opened_is_a_clear_error(small: Small, fake,
                                                               monkeypatch) -> None:
    from qa.search import snapshot

    def vanished(version):
        raise FileNotFoundError(version.path / "bm25")

    monkeypatch.setattr(snapshot.Snapshot, "read", staticmethod(vanished))
    names = iter(f"v0000000{i}-x" for i in range(1, 9))
    monkeypatch.setattr(snapshot.versions, "current_name", lambda _dir: next(names))
    with pytest.raises(IndexChanged, match="changed while it was being opened - try again"):
        open_snapshot(small.settings.index_dir, fake.fingerprint)


def test_an_answer_reads_the_version_it_searched_even_if_a_refresh_comes_between(
        small: Small, fake, monkeypatch) -> None:
    from qa.answer.compose import answer

    settings, corpus, files, retriever = small.settings, small.corpus, small.files, small.retriever
    searched = retriever.snapshot
    real = Retriever.search

    def switch_then_search(self, *args, **kwargs):
        files[0].unlink()  # a build removes articles and another thread switches meanwhile
        build_index(corpus, settings=settings, embedder=fake)
        assert self.refresh()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Retriever, "search", switch_then_search)
    result = answer(retriever, "company profits rise", k=5)
    assert retriever.snapshot is not searched
    assert {h.version for h in result.hits} == {searched.name}
    vectors = searched.vectors.reconstruct_batch(
        np.array([h.passage_id for h in result.hits]))
    expected = vectors @ fake.embed_query("company profits rise")
    assert np.allclose(result.similarities, expected)  # cosines from the version searched
