"""Answering a question with passages from one index: :class:`Retriever`.

The retriever holds one :class:`~qa.search.snapshot.Snapshot` at a time; a query reads that
reference once and works on it throughout, and :meth:`Retriever.refresh` swaps in a new
one with a single assignment, so a query never mixes two versions. Near-duplicate
passages from different articles (the same wire copy) come back as one hit that names
the others in ``also_in`` (:mod:`qa.search.hits`).
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path

from qa.embed.model import SentenceTransformerEmbedder
from qa.embed.protocol import Embedder
from qa.errors import BadRequest, EmptyQuestion, IndexMismatch, QAError
from qa.index import versions
from qa.settings import Settings

from .filters import Filters
from .hits import Hit, collapse_hits, hits_of
from .news_order import newest_first
from .ranking import rank
from .snapshot import Snapshot, open_snapshot

log = logging.getLogger(__name__)


class Retriever:
    """Search one index folder. Load once, search many: the model, vectors and BM25 stay
    in memory, and :meth:`refresh` follows new versions built meanwhile.

    >>> retriever = Retriever.load("index")
    >>> hits = retriever.search("what did Gor and Jaishankar discuss?", k=3)
    """

    def __init__(self, snapshot: Snapshot, embedder: Embedder, settings: Settings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.snapshot = snapshot  # replaced whole by refresh(); read once per query
        self._refreshing = threading.Lock()
        self._refused: str | None = None  # a newer version that could not be opened

    @classmethod
    def load(cls, index_dir: Path | str | None = None, *, settings: Settings | None = None,
             embedder: Embedder | None = None) -> Retriever:
        """Open the current version of ``index_dir`` (default: ``settings.index_dir``, or
        ``$QA_INDEX``) and the model it was built with."""
        settings = settings or Settings.from_env()
        if index_dir is not None:
            settings = settings.with_(index_dir=Path(index_dir))
        if embedder is None:
            built_with = versions.open_current(settings.index_dir, check_files=False)
            model = built_with.manifest["identity"]["model"]
            if model != settings.model:
                raise IndexMismatch(
                    f"the index at {settings.index_dir}/ was built with model {model!r} but "
                    f"{settings.model!r} is configured - rebuild with `qa index --full` or "
                    "configure the same model"
                )
            embedder = SentenceTransformerEmbedder(settings)
        return cls(open_snapshot(settings.index_dir, embedder.fingerprint), embedder, settings)

    @property
    def version(self) -> versions.Version:
        return self.snapshot.version

    @property
    def manifest(self) -> dict:
        return self.snapshot.version.manifest

    def refresh(self) -> bool:
        """Switch to a newer version if a build published one; True if switched.

        A new version that cannot be opened (damaged, built with another model, deleted)
        is logged once and the loaded version keeps serving. Threads that find another
        refresh under way return at once rather than load a second copy.
        """
        if not self._refreshing.acquire(blocking=False):
            return False
        try:
            name = versions.current_name(self.settings.index_dir)
            if name is None or name in (self.snapshot.name, self._refused):
                return False
            try:
                snap = open_snapshot(self.settings.index_dir, self.embedder.fingerprint)
            except QAError as exc:
                self._refused = name
                log.warning("keeping index version %s: %s", self.snapshot.name, exc)
                return False
            self.snapshot, self._refused = snap, None
            return True
        finally:
            self._refreshing.release()

    def check(self, question: str, k: int | None) -> tuple[str, int]:
        """``question`` with spacing folded and ``k`` (default ``settings.k``), or a
        :class:`BadRequest` saying what is allowed."""
        if not isinstance(question, str):
            raise BadRequest("the question must be text")
        if len(question) > self.settings.max_question_chars:
            raise BadRequest(f"the question is {len(question):,} characters long - ask in at "
                             f"most {self.settings.max_question_chars:,}")
        question = " ".join(question.split())
        if not question:
            raise EmptyQuestion()
        k = self.settings.k if k is None else k
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= self.settings.max_k:
            raise BadRequest(f"k must be a whole number from 1 to {self.settings.max_k}, "
                             f"not {k!r}")
        return question, k

    def search(self, question: str, k: int | None = None, *, filters: Filters | None = None,
               collapse: bool = True, snapshot: Snapshot | None = None) -> list[Hit]:
        """The ``k`` passages that best answer ``question``, best first.

        ``filters`` picks the mode and restricts the search to matching articles before
        ranking. With ``collapse`` (the default) near-duplicate passages of other
        articles are folded into the better hit's ``also_in``. ``snapshot`` (default: the
        current one) lets a caller keep further reading on the version that answered.
        """
        question, k = self.check(question, k)
        filters = filters or Filters()
        snap = snapshot or self.snapshot  # one version for the whole query
        if filters.recent:  # the newest of the relevant hits
            pool = self.search(question, min(self.settings.max_k, 4 * k),
                               filters=filters.with_(recent=False), collapse=collapse,
                               snapshot=snap)
            return newest_first(pool, k, self.settings.prefer_share)
        if not collapse:
            return hits_of(snap, rank(snap, self.embedder, self.settings, question, k, filters))
        # Folding duplicates may leave fewer than k: look deeper until k or nothing left.
        want = 2 * k
        while True:
            ranked = rank(snap, self.embedder, self.settings, question, want, filters)
            hits = collapse_hits(hits_of(snap, ranked), k)
            if len(hits) >= k or len(ranked) < want:
                return hits
            want *= 4


@lru_cache(maxsize=4)
def _cached(index_dir: Path, settings: Settings) -> Retriever:
    return Retriever.load(index_dir, settings=settings)


def search(question: str, k: int = 5, *, index_dir: Path | str | None = None,
           filters: Filters | None = None, settings: Settings | None = None) -> list[Hit]:
    """One call: load (once per process) the index at ``index_dir`` and search it."""
    settings = settings or Settings.from_env()
    retriever = _cached(Path(index_dir) if index_dir else settings.index_dir, settings)
    retriever.refresh()
    return retriever.search(question, k, filters=filters)
