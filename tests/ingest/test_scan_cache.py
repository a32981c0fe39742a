"""A build does not read again the corpus files it read before and that have not changed
since (their stamp: size, times, inode), and reports exactly what a build reading every
file would."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

import qa.ingest.corpus
from qa import Settings, build_index


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Files read by builds; stamps are trusted at once (not only 2 s after a change)."""
    monkeypatch.setattr(qa.ingest.corpus, "SETTLE_NS", 0)
    read: list[str] = []
    real = qa.ingest.corpus.read_file

    def counted(path, rel, settings):
        read.append(rel)
        return real(path, rel, settings)

    monkeypatch.setattr(qa.ingest.corpus, "read_file", counted)
    return read


def _records(folder: Path) -> None:
    lines = [{"id": f"r{i}", "title": f"Record {i}", "text": f"Record number {i} of the feed "
              f"says the council met on day {i}."} for i in range(3)]
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")


def test_only_new_and_changed_files_are_read(corpus: Path, settings: Settings, fake,
                                             reads: list[str]) -> None:
    _records(corpus)
    first = build_index(corpus, settings=settings, embedder=fake)
    files = len(reads)
    (corpus / "new.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.")
    edited = sorted((corpus / "tech").glob("*.txt"))[0]
    edited.write_text(edited.read_text() + "\nA late paragraph.\n")
    reads.clear()
    second = build_index(corpus, settings=settings, embedder=fake)
    assert sorted(reads) == sorted(["new.txt", f"tech/{edited.name}"])
    assert (second.added, second.updated) == (("new.txt",), (f"tech/{edited.name}",))
    assert second.unchanged == len(first.added) - 1 and second.articles == len(first.added) + 1
    # Records of a JSON-lines file that was not read are still indexed, one by one.
    (corpus / "new.txt").unlink()
    reads.clear()
    third = build_index(corpus, settings=settings, embedder=fake)
    assert reads == [] and third.removed == ("new.txt",)
    assert third.articles == len(first.added) and files == len(first.added) - 2


def test_an_edit_keeping_size_and_modification_time_is_still_seen(
        corpus: Path, settings: Settings, fake, reads: list[str]) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    victim = sorted((corpus / "tech").glob("*.txt"))[1]
    before = victim.stat()
    time.sleep(0.05)  # the change time moves on
    text = victim.read_text()
    victim.write_text(text.replace("the", "thE", 1))  # same size
    os.utime(victim, ns=(before.st_atime_ns, before.st_mtime_ns))  # same modification time
    reads.clear()
    report = build_index(corpus, settings=settings, embedder=fake)
    assert reads == [f"tech/{victim.name}"] and report.updated == (f"tech/{victim.name}",)


def test_a_new_earlier_copy_of_an_unread_file_is_its_duplicate(corpus: Path, settings: Settings,
                                                               fake, reads: list[str]) -> None:
    """The indexed copy stays the original, read again or not, even when the new copy
    comes first in scan order (issue 20): the new one is reported as its duplicate."""
    build_index(corpus, settings=settings, embedder=fake)
    original = sorted((corpus / "tech").glob("*.txt"))[2]
    (corpus / "aaa-copy.txt").write_text(original.read_text())
    report = build_index(corpus, settings=settings, embedder=fake)
    skipped = {s.id: s.reason for s in report.skipped}
    assert skipped == {"aaa-copy.txt": f"duplicate of tech/{original.name}"}
    assert report.added == () and report.removed == ()


def test_files_changed_lately_are_read_again(corpus: Path, settings: Settings, fake,
                                            reads: list[str], monkeypatch) -> None:
    """A file changed moments ago may change again within one tick of its change time,
    so its stamp is trusted only once it has settled (2 s; here: an hour)."""
    monkeypatch.setattr(qa.ingest.corpus, "SETTLE_NS", 3600 * 10**9)
    build_index(corpus, settings=settings, embedder=fake)
    (corpus / "new.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.")
    build_index(corpus, settings=settings, embedder=fake)
    (corpus / "other.txt").write_text("Fair returns\n\nThe summer fair returns to the park.")
    reads.clear()
    report = build_index(corpus, settings=settings, embedder=fake)
    assert report.added == ("other.txt",) and len(reads) == len(list(corpus.rglob("*.txt")))


def test_a_lower_size_limit_reads_every_file_again(corpus: Path, settings: Settings, fake,
                                                   reads: list[str]) -> None:
    build_index(corpus, settings=settings, embedder=fake)
    (corpus / "new.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.")
    build_index(corpus, settings=settings, embedder=fake)
    small = Settings(index_dir=settings.index_dir, corpus_dir=corpus, max_file_bytes=3000)
    report = build_index(corpus, settings=small, embedder=fake)
    assert any("over the" in s.reason for s in report.skipped)  # not served from stamps
