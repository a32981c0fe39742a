"""`qa watch`: the index follows the corpus folder, one build per burst of changes.
Runs the real command (real model) in a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from qa.index import passage_sql
from qa.index.passage_sql import article_ids
from qa.index.versions import open_current

from helpers.data import BBC, SEED


class Watcher:
    def __init__(self, corpus: Path, index: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa", "watch", str(corpus), "--index", str(index)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.index = index
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line.rstrip("\n"))

    def builds(self) -> int:
        return sum("added," in line and "embedded" in line for line in self.lines)

    def wait_for(self, condition, timeout: float, what: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if condition():
                return time.monotonic() - started
            assert self.proc.poll() is None, "\n".join(self.lines)
            time.sleep(0.05)
        raise AssertionError(f"{what} not within {timeout} s:\n" + "\n".join(self.lines))

    def articles(self) -> set[str]:
        try:
            version = open_current(self.index, check_files=False)
        except Exception:  # noqa: BLE001 - not built yet
            return set()
        import sqlite3

        with sqlite3.connect(version.path / passage_sql.FILE) as db:
            return set(article_ids(db))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture
def watcher(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    w = Watcher(corpus, tmp_path / "index")
    w.wait_for(lambda: any(line.startswith("watching") for line in w.lines), 120,
               "the first build")
    yield w, corpus
    w.stop()


def test_adding_editing_and_deleting_files_updates_the_index_within_5_s(watcher) -> None:
    w, corpus = watcher
    assert w.articles() == {SEED.name}
    story = BBC / "tech" / sorted(os.listdir(BBC / "tech"))[0]
    shutil.copy(story, corpus / "new.txt")
    took = [w.wait_for(lambda: "new.txt" in w.articles(), 5, "an added file indexed")]
    # The report is printed just after the new version is switched to: wait for the line.
    w.wait_for(lambda: "added    new.txt" in w.lines, 5, "the report of the added file")
    assert "added    new.txt" in w.lines

    builds = w.builds()
    with (corpus / "new.txt").open("a") as fh:
        fh.write("\nA late paragraph about the watched folder arrived.\n")
    took.append(w.wait_for(lambda: w.builds() > builds and "updated  new.txt" in w.lines, 5,
                           "an edited file re-indexed"))

    (corpus / "new.txt").unlink()
    took.append(w.wait_for(lambda: "new.txt" not in w.articles(), 5, "a deleted file removed"))
    w.wait_for(lambda: "removed  new.txt" in w.lines, 5, "the report of the deleted file")
    assert "removed  new.txt" in w.lines
    print("seconds from change to index (add, edit, delete):", [round(t, 2) for t in took])


def test_a_burst_of_100_files_is_one_or_two_builds(watcher) -> None:
    w, corpus = watcher
    before = w.builds()
    stories = sorted(BBC.rglob("*.txt"))[:100]
    assert len(stories) == 100
    for n, story in enumerate(stories):
        shutil.copy(story, corpus / f"burst-{n:03}.txt")
    w.wait_for(lambda: len(w.articles()) >= 100, 120, "the burst indexed")
    time.sleep(2)  # a third build would start within the debounce window
    assert 1 <= w.builds() - before <= 2, "\n".join(w.lines)
