"""qa/fresh/watch.py on its own: which file events count, and the watcher's loop with a
fake Updater on a real folder (watchfiles events, no model). The fake signals each build,
so the tests wait on events; the end-to-end command is tests/cli/test_watch_command.py."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from qa import Settings
from qa.errors import QAError
from qa.fresh.watch import _interesting, watch
from qa.index.report import BuildReport

HUNG = 60  # seconds without the awaited build: the watcher is stuck (not a speed limit)


class FakeUpdater:
    """Each ``update()`` records the corpus files present, then returns the next of
    ``outcomes`` (a report, or an exception to raise; a report once they run out).
    ``hold()`` keeps the next update waiting until ``release()``."""

    def __init__(self, settings: Settings, outcomes: list | None = None) -> None:
        self.settings = settings
        self.outcomes = list(outcomes or [])
        self.seen: list[set[str]] = []
        self.built = threading.Condition()
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def hold(self) -> None:
        self.entered.clear()
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def update(self) -> BuildReport:
        files = {p.name for p in self.settings.corpus_dir.iterdir()}
        self.entered.set()
        assert self.gate.wait(HUNG)
        outcome = self.outcomes.pop(0) if self.outcomes else BuildReport(added=("x",))
        with self.built:
            self.seen.append(files)
            self.built.notify_all()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def wait_for_builds(self, n: int) -> None:
        with self.built:
            assert self.built.wait_for(lambda: len(self.seen) >= n, HUNG), (
                f"{n} builds expected, {len(self.seen)} seen")


class Reported:
    """What the watcher passed to ``on_build``, as it arrives."""

    def __init__(self) -> None:
        self.items: list[tuple] = []
        self.arrived = threading.Condition()

    def __call__(self, report, error) -> None:
        with self.arrived:
            self.items.append((report, error))
            self.arrived.notify_all()

    def wait_for(self, n: int) -> list[tuple]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.items) >= n, HUNG), (
                f"{n} reports expected, {len(self.items)} seen")
            return list(self.items)


@pytest.fixture
def running(settings: Settings):
    """Start ``watch`` on a thread: ``start(updater)`` gives what it reports."""
    settings.corpus_dir.mkdir(parents=True)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(updater: FakeUpdater) -> Reported:
        reported = Reported()
        thread = threading.Thread(target=watch, args=(updater, reported),
                                  kwargs=dict(stop=stop, quiet_ms=50, debounce_ms=500),
                                  daemon=True)
        thread.start()
        threads.append(thread)
        return reported

    yield start
    stop.set()
    for thread in threads:
        thread.join(HUNG)
        assert not thread.is_alive(), "the watcher did not stop"


@pytest.mark.parametrize(("name", "counts"), [
    ("story.txt", True), ("story.MD", True), ("feed.jsonl", True), ("new-folder", True),
    (".story.txt", False), ("story.txt.part", False), ("story.tmp", False), ("story.txt~", False),
    ("photo.png", False), ("notes.docx", False),
])
def test_which_files_count(tmp_path: Path, name: str, counts: bool) -> None:
    assert _interesting(str(tmp_path / "corpus" / name), tmp_path / "index") is counts


def test_the_index_inside_the_corpus_never_counts(tmp_path: Path) -> None:
    index = tmp_path / "corpus" / "index"
    assert not _interesting(str(index / "versions" / "v1" / "manifest.json"), index)
    assert not _interesting(str(index / "passages.txt"), index)


def test_a_build_first_then_one_per_change_each_outcome_reported(settings: Settings,
                                                                 running) -> None:
    report = BuildReport(added=("a.txt",))
    updater = FakeUpdater(settings, [BuildReport(), report, QAError("disk full - free space"),
                                     RuntimeError("boom")])
    reported = running(updater)
    updater.wait_for_builds(1)  # the first build, before any change
    for n, name in enumerate(("a.txt", "b.txt", "c.txt"), start=2):
        (settings.corpus_dir / name).write_text("A story.\n\nIt happened.")
        updater.wait_for_builds(n)
        assert name in updater.seen[-1]
    assert reported.wait_for(4)[1:4] == [(report, None), (None, "disk full - free space"),
                                         (None, "RuntimeError: boom")]
    (settings.corpus_dir / "d.txt").write_text("Still watching.")  # it outlived the failures
    updater.wait_for_builds(5)
    assert "d.txt" in updater.seen[-1]


def test_changes_made_during_a_build_make_one_next_build(settings: Settings, running) -> None:
    updater = FakeUpdater(settings)
    running(updater)
    updater.wait_for_builds(1)
    updater.hold()
    (settings.corpus_dir / "first.txt").write_text("The first story.")
    assert updater.entered.wait(HUNG)  # a build runs, held...
    for n in range(20):  # ...while 20 more files arrive
        (settings.corpus_dir / f"burst-{n:02}.txt").write_text(f"Story {n}.")
    updater.release()
    updater.wait_for_builds(3)
    assert {f"burst-{n:02}.txt" for n in range(20)} <= updater.seen[2]  # all in the next one
    # One more file: its build comes next, so the burst caused no build in between.
    (settings.corpus_dir / "after.txt").write_text("After the burst.")
    updater.wait_for_builds(4)
    assert "after.txt" in updater.seen[3]


def test_a_change_made_during_the_first_build_is_not_lost(settings: Settings,
                                                          running) -> None:
    """The folder is watched before the first build starts: a file arriving while it runs
    (after its scan) gets a build of its own, even if nothing changes after it."""
    updater = FakeUpdater(settings)
    updater.hold()
    running(updater)
    assert updater.entered.wait(HUNG)  # the first build has looked at the folder...
    (settings.corpus_dir / "early.txt").write_text("Written during the first build.")
    updater.release()  # ...and ends without it
    updater.wait_for_builds(2)
    assert "early.txt" not in updater.seen[0] and "early.txt" in updater.seen[1]
