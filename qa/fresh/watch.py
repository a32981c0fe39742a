"""Keeping the index in step with a corpus folder: one incremental build when files appear,
change or disappear, with the events of a burst gathered into that one build.

``watchfiles`` (Rust ``notify``) delivers the events: it waits until the folder has been
quiet for ``quiet_ms`` (at most ``debounce_ms`` after the first change) and hands over the
whole batch; changes made while a build runs (the first one included: the folder is
watched before it starts) make up the next batch. Builds therefore never overlap, and 100
files copied at once cause one build, or two if the copy outlasts a build.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from qa.errors import QAError
from qa.index.report import BuildReport
from qa.index.updater import Updater
from qa.ingest.formats import SUPPORTED

log = logging.getLogger(__name__)


def _interesting(path: str, index_dir: Path) -> bool:
    """Files the build reads (hidden and temporary files are written by uploads and saves
    in two steps: their final rename is the event that counts) and folders; never the
    index's own files, should the index live inside the corpus."""
    if Path(path).is_relative_to(index_dir):
        return False
    name = Path(path).name
    if name.startswith(".") or name.endswith((".part", ".tmp", "~")):
        return False
    suffix = Path(name).suffix.lower()
    return suffix in SUPPORTED or not suffix  # a folder moved in or out has no suffix


def watch(updater: Updater, on_build: Callable[[BuildReport | None, str | None], None],
          *, stop: threading.Event | None = None, quiet_ms: int = 300,
          debounce_ms: int = 2000, initial: bool = True) -> None:
    """Update ``updater``'s index whenever its corpus folder changes, until ``stop`` is set.

    ``on_build(report, error)`` is called after every build: with its report, or with
    the reason it failed (the previous index keeps serving; the next change tries again).
    ``initial``: build once first, so changes made while nobody watched are picked up.
    Each build waits for its turn on ``updater`` (another update may be running).
    """
    from watchfiles import watch as watch_folder

    corpus = updater.settings.corpus_dir
    corpus.mkdir(parents=True, exist_ok=True)
    index_dir = updater.settings.index_dir.resolve()

    def run() -> None:
        try:
            on_build(updater.update(), None)
        except QAError as exc:
            on_build(None, str(exc))
        except Exception as exc:  # noqa: BLE001 - a watcher must outlive one bad build
            log.exception("watched build failed")
            on_build(None, f"{type(exc).__name__}: {exc}")

    def wanted(_change: object, path: str) -> bool:
        return _interesting(path, index_dir)

    # The folder is watched before the first build starts, so nothing written while it
    # runs is missed: the first (possibly empty) batch comes after ``quiet_ms`` and starts
    # it; after that, empty batches (timeouts with nothing new) are passed over.
    pending_first = initial
    for changes in watch_folder(corpus, watch_filter=wanted, debounce=debounce_ms,
                                step=quiet_ms, stop_event=stop, raise_interrupt=False,
                                ignore_permission_denied=True, rust_timeout=max(quiet_ms, 50),
                                yield_on_timeout=True):
        if changes or pending_first:
            pending_first = False
            run()
