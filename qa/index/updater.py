"""One index update at a time, for everything in one process that updates an index: the
chat's "Add articles" panel, the app's background jobs (a watched folder, polled feeds)
and `qa watch`.

The index's own lock file (:class:`~qa.index.writer.IndexWriter`) keeps builds of
separate processes apart, but makes a second build fail at once. Within a process the
callers want more than that: the chat refuses a second update with a friendly line while
one runs, and the background jobs wait for their turn. Both go through an
:class:`Updater`, which also tells the readers (``after``) that a new version is there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from qa.embed.protocol import Embedder
from qa.settings import Settings

from .build import Progress, build_index
from .report import BuildReport


class Updater:
    """Updates ``settings.index_dir`` from ``settings.corpus_dir``, one build at a time.

    ``embedder``: the model to embed with (default: loaded by the first build, then kept);
    ``after()``: called after every build that published, e.g. a retriever's ``refresh``,
    so readers switch to the new version only once it is complete.
    """

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None,
                 after: Callable[[], object] | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.after = after
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        """Whether an update holds the turn now."""
        return self._lock.locked()

    @contextmanager
    def turn(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the one update turn for a block, which may save files into the corpus
        before calling :meth:`build`. With ``wait=False`` the block gets False at once
        when another update holds the turn (and must then change nothing)."""
        mine = self._lock.acquire(blocking=wait)
        try:
            yield mine
        finally:
            if mine:
                self._lock.release()

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Bring the index up to date with the corpus; call inside :meth:`turn`."""
        if not self._lock.locked():
            raise RuntimeError("Updater.build() runs inside `with updater.turn():`")
        if self.embedder is None:  # loaded once, kept for the next builds
            from qa.embed.model import SentenceTransformerEmbedder

            self.embedder = SentenceTransformerEmbedder(self.settings)
        report = build_index(self.settings.corpus_dir, settings=self.settings,
                             embedder=self.embedder, progress=progress)
        if self.after is not None:
            self.after()
        return report

    def update(self, progress: Progress | None = None) -> BuildReport:
        """Wait for the turn, then :meth:`build`."""
        with self.turn():
            return self.build(progress)
