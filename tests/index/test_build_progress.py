"""What a build tells its progress callback: the stages from the first file read, and the
passages embedded a slice at a time, so a bar moves from the start."""

from __future__ import annotations

import shutil
from pathlib import Path

from qa import Settings, build_index
from qa.index.build import PROGRESS_SLICE

from helpers.data import BBC


class Recorder:
    """A progress that follows stages, recording every call in order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append(("embedding", done, total))

    def stage(self, name: str, done: int) -> None:
        self.calls.append((name, done))


def _order(calls: list[tuple]) -> list[str]:
    return list(dict.fromkeys(c[0] for c in calls))


def test_every_stage_is_told_in_order_from_the_first_article(corpus: Path, settings: Settings,
                                                              fake) -> None:
    seen = Recorder()
    report = build_index(corpus, settings=settings, embedder=fake, progress=seen)
    assert _order(seen.calls) == ["scanning", "splitting", "near-duplicates", "embedding",
                                  "saving"]
    assert seen.calls[0] == ("scanning", 1)  # the first file read, before any splitting
    scanned = [c[1] for c in seen.calls if c[0] == "scanning"]
    assert scanned == sorted(scanned) and scanned[-1] == len(report.added) == 13
    assert [c[1] for c in seen.calls if c[0] == "splitting"] == list(range(1, 14))
    embedded = [c[1:] for c in seen.calls if c[0] == "embedding"]
    assert embedded[0] == (0, report.embedded) and embedded[-1] == (report.embedded,) * 2


def test_embedding_progress_moves_a_slice_at_a_time(tmp_path: Path, fake) -> None:
    """Even within one chunk of stored passages (512), so the first call after 0 comes
    after a few seconds of the model, not after a whole chunk."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted((BBC / "business").glob("*.txt"))[:40]:
        shutil.copy(path, corpus / path.name)
    seen = Recorder()
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus, passage_tokens=64)
    report = build_index(corpus, settings=settings, embedder=fake, progress=seen)
    assert report.embedded > 2 * PROGRESS_SLICE
    done = [c[1] for c in seen.calls if c[0] == "embedding"]
    assert done[0] == 0 and done[-1] == report.embedded
    assert all(0 < b - a <= PROGRESS_SLICE for a, b in zip(done, done[1:]))


def test_a_plain_callback_hears_the_embedding_only(corpus: Path, settings: Settings,
                                                   fake) -> None:
    """As the web app's ``(done, total)`` callback, which has no ``stage``."""
    calls: list[tuple[int, int]] = []
    report = build_index(corpus, settings=settings, embedder=fake,
                         progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, report.embedded) and calls[-1] == (report.embedded,) * 2
