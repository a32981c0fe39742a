"""`qa watch`: the index follows the corpus folder, one build per burst of changes.
Runs the real command (real model) in a subprocess, as a user would.

The tests wait for what the watcher says (its report after each build, printed once the
new version is current) and then check the index; they assert no timings.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.index import passage_sql
from qa.index.versions import open_current

from helpers.data import BBC, SEED

HUNG = 600  # seconds without the awaited line: the watcher is stuck (not a speed limit)


class Watcher:
    def __init__(self, corpus: Path, index: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa", "watch", str(corpus), "--index", str(index)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.index = index
        self._said = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:  # type: ignore[union-attr]
            with self._said:
                self.lines.append(line.rstrip("\n"))
                self._said.notify_all()
        with self._said:  # the process ended: wake whoever waits
            self._said.notify_all()

    def summaries(self, since: int = 0) -> list[int]:
        """Positions of the build summaries ("N added, ... embedded ...") from ``since``."""
        return [i for i, line in enumerate(self.lines) if i >= since
                and "added," in line and "embedded" in line]

    def wait_until(self, said: Callable[[list[str]], bool], what: str) -> None:
        """Wait for the watcher to print what ``said`` looks for."""
        with self._said:
            if not self._said.wait_for(lambda: said(self.lines) or self.proc.poll() is not None,
                                       timeout=HUNG):
                raise AssertionError(f"the watcher never said {what}:\n" + "\n".join(self.lines))
            assert said(self.lines), f"the watcher exited before {what}:\n" + "\n".join(
                self.lines)

    def wait_for_line(self, line: str, since: int = 0) -> int:
        """Wait for ``line`` printed at or after position ``since``; its position."""
        self.wait_until(lambda lines: line in lines[since:], repr(line))
        return self.lines.index(line, since)

    def articles(self) -> set[str]:
        version = open_current(self.index, check_files=False)
        with sqlite3.connect(version.path / passage_sql.FILE) as db:
            return set(passage_sql.article_ids(db))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


@pytest.fixture
def watcher(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    w = Watcher(corpus, tmp_path / "index")
    w.wait_until(lambda lines: any(line.startswith("watching") for line in lines),
                 "that it watches (after the first build)")
    yield w, corpus
    w.stop()


def test_adding_editing_and_deleting_files_updates_the_index(watcher) -> None:
    w, corpus = watcher
    assert w.articles() == {SEED.name}
    story = BBC / "tech" / sorted(os.listdir(BBC / "tech"))[0]
    shutil.copy(story, corpus / "new.txt")
    at = w.wait_for_line("added    new.txt")  # printed once the new version is current
    assert w.articles() == {SEED.name, "new.txt"}

    with (corpus / "new.txt").open("a") as fh:
        fh.write("\nA late paragraph about the watched folder arrived.\n")
    at = w.wait_for_line("updated  new.txt", at)
    assert w.articles() == {SEED.name, "new.txt"}

    (corpus / "new.txt").unlink()
    w.wait_for_line("removed  new.txt", at)
    assert w.articles() == {SEED.name}


def test_a_burst_of_100_files_is_one_or_two_builds(watcher) -> None:
    w, corpus = watcher
    start = len(w.lines)
    stories = sorted(BBC.rglob("*.txt"))[:100]
    assert len(stories) == 100
    for n, story in enumerate(stories):
        shutil.copy(story, corpus / f"burst-{n:03}.txt")
    w.wait_until(lambda lines: w.summaries(start) and len(w.articles()) == 101,
                 "a report after which all 100 files are indexed")
    # One more file after the burst is indexed: every build the burst caused is reported
    # before this one's (a build still pending from the burst would come first).
    (corpus / "after.txt").write_text("Harbour reopens\n\nThe harbour reopened on Monday.")
    after = w.wait_for_line("added    after.txt", start)
    w.wait_until(lambda lines: w.summaries(after), "the summary of the build adding after.txt")
    burst = [i for i in w.summaries(start) if i < after]
    assert 1 <= len(burst) <= 2, "\n".join(w.lines[start:])
    assert "burst-000.txt" in w.articles() and "after.txt" in w.articles()
