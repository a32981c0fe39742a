"""How a build's progress shows: bars on a terminal; on a file or a pipe, a line as each
stage starts and then one every few seconds. Both start with the first file read, not
with the first passage embedded (a BBC build once said nothing for 7 minutes).

The library calls ``progress(done, total)`` with the passages embedded and
``progress.stage(name, done)`` at the stages around that (see
:class:`qa.index.build.StageProgress`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

# What each stage of the library is called here; stages without a count are one line.
READING = ("scanning", "splitting")  # interleaved: one article read, then split
SAID = {
    "model": "loading the model",
    "cluster": "connecting to the Ray cluster",
    "near-duplicates": "finding near-duplicate stories",
    "saving": "saving the index (vectors, keyword index, checksums)",
}


class Reporter(Protocol):
    def __call__(self, done: int, total: int) -> None: ...

    def stage(self, name: str, done: int) -> None: ...

    def close(self) -> None: ...


def _phase(name: str) -> str:
    return "reading" if name in READING else name


class LineProgress:
    """Progress as lines (for stderr that is not a terminal): one when a stage starts
    (after the last count of the stage before), then at most one every ``every``
    seconds, and the last count when closed. ``clock`` and ``write`` are injectable."""

    def __init__(self, write: Callable[[str], None], *, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.write, self.every, self.clock = write, every, clock
        self.counts: dict[str, int] = {}
        self.total = 0
        self.phase: str | None = None
        self.said_at = 0.0
        self.unsaid = False  # counts changed since the last line
        self.embedding_from: tuple[float, int] | None = None  # (time, done) of the first call

    def stage(self, name: str, done: int) -> None:
        self.counts[name] = done
        self._note(_phase(name))

    def __call__(self, done: int, total: int) -> None:
        if self.embedding_from is None:
            self.embedding_from = (self.clock(), done)
        self.counts["embedding"], self.total = done, total
        self._note("embedding")

    def close(self) -> None:
        if self.unsaid:
            self._say()

    def _note(self, phase: str) -> None:
        if phase != self.phase:
            if self.unsaid:
                self._say()  # the stage before, as it ended
            self.phase = phase
            self._say()
        elif self.clock() - self.said_at >= self.every:
            self._say()
        else:
            self.unsaid = True

    def _say(self) -> None:
        self.said_at, self.unsaid = self.clock(), False
        self.write(self.line())

    def line(self) -> str:
        """The state of the current stage, as one line."""
        if self.phase == "reading":
            return (f"scanning: {_articles(self.counts.get('scanning', 0))} read; splitting: "
                    f"{_articles(self.counts.get('splitting', 0), 'new or changed ')} split "
                    "into passages")
        if self.phase == "embedding":
            done, total = self.counts["embedding"], self.total
            line = f"embedding: {done:,}/{total:,} passages"
            if total:
                line += f" ({done / total:.0%})"
            return line + self._pace(done, total)
        return SAID.get(self.phase or "", self.phase or "")

    def _pace(self, done: int, total: int) -> str:
        if self.embedding_from is None:
            return ""
        since, first = self.embedding_from
        seconds, count = self.clock() - since, done - first
        if seconds <= 0 or count <= 0 or done >= total:
            return ""
        rate = count / seconds
        left = (total - done) / rate
        return f", {rate:.0f} passages/s, about {_duration(left)} left"


def _articles(n: int, kind: str = "") -> str:
    return f"{n:,} {kind}article{'' if n == 1 else 's'}"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class BarProgress:
    """Progress as tqdm bars on a terminal: the articles read (with how many were split),
    then the passages embedded; stages without a count are one line each."""

    def __init__(self) -> None:
        self.bar = None
        self.phase: str | None = None

    def _open(self, phase: str, **options: object):
        if phase != self.phase:
            from tqdm import tqdm

            self.close()
            self.phase = phase
            self.bar = tqdm(file=sys.stderr, **options)
        return self.bar

    def stage(self, name: str, done: int) -> None:
        if name in READING:
            bar = self._open("reading", desc="scanning", unit=" articles")
            if name == "splitting":
                bar.set_postfix_str(f"{done:,} split", refresh=False)
            else:
                bar.update(done - bar.n)
        else:
            self._open(name, desc=SAID.get(name, name), bar_format="{desc}")

    def __call__(self, done: int, total: int) -> None:
        bar = self._open("embedding", desc="embedding", unit=" passages", total=total)
        bar.update(done - bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def reporter(quiet: bool, *, terminal: bool | None = None) -> Reporter | None:
    """Bars when stderr is a terminal, lines when it is a file or a pipe, None if quiet."""
    if quiet:
        return None
    if terminal is None:
        terminal = sys.stderr.isatty()
    if terminal:
        return BarProgress()
    return LineProgress(lambda line: print(line, file=sys.stderr, flush=True))


@contextmanager
def progress_bar(quiet: bool) -> Iterator[Reporter | None]:
    """The reporter for one build (None if quiet), closed when it ends."""
    shown = reporter(quiet)
    try:
        yield shown
    finally:
        if shown is not None:
            shown.close()
