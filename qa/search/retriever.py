"""Answering a question with passages from one index: :class:`Retriever` and :class:`Hit`.

The retriever holds one :class:`~qa.search.snapshot.Snapshot` at a time; a query reads that
reference once and works on it throughout, and :meth:`Retriever.refresh` swaps in a new
one with a single assignment, so a query never mixes two versions. Near-duplicate
passages from different articles (the same wire copy) come back as one hit that names
the others in ``also_in``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

from qa.index import versions
from qa.ingest.near_duplicates import same_story
from qa.embed.model import Embedder, SentenceTransformerEmbedder
from qa.errors import BadRequest, EmptyQuestion, IndexMismatch, QAError
from .filters import Filters
from .ranking import Ranked, rank
from qa.settings import Settings
from .snapshot import Snapshot, open_snapshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage and where it came from. ``start``/``end`` are character
    offsets of ``text`` in the article body; ``version`` names the index version that
    answered."""

    text: str
    score: float
    article_id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    start: int
    end: int
    passage_id: int
    also_in: tuple[str, ...] = ()  # other articles carrying the same passage
    version: str = ""

    def to_dict(self) -> dict:
        out = asdict(self)
        out["also_in"] = list(self.also_in)
        return out


def collapse(hits: list[Hit], k: int) -> list[Hit]:
    """The first ``k`` hits with near-duplicates of a better hit (same story, another
    article) folded into that hit's ``also_in``."""
    kept: list[Hit] = []
    for hit in hits:
        for i, better in enumerate(kept):
            if better.article_id != hit.article_id and same_story(better.text, hit.text):
                if hit.article_id not in better.also_in:
                    kept[i] = replace(better, also_in=(*better.also_in, hit.article_id))
                break
        else:
            if len(kept) == k:
                break
            kept.append(hit)
    return kept


def hits_of(snap: Snapshot, ranked: Ranked) -> list[Hit]:
    """The ranked passages of ``snap`` with their text and article metadata."""
    if not ranked:
        return []
    rows = snap.rows([pid for pid, _ in ranked])
    return [
        Hit(text=r["text"], score=float(score), article_id=r["article_id"], title=r["title"],
            date=r["date"], source=r["source"], url=r["url"], start=r["start"], end=r["end"],
            passage_id=pid, version=snap.name)
        for pid, score in ranked
        if (r := rows.get(pid)) is not None
    ]


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


collapse_hits = collapse  # ``search`` has a parameter of that name


def prefer(hits: list[Hit], share: float, key, *, reverse: bool = False) -> list[Hit]:
    """The hits scoring at least ``share`` of the best, sorted by ``key`` (stable: ties
    keep their score order), then the others: a preference among the relevant, never
    over relevance."""
    if not hits:
        return []
    bar = hits[0].score * share
    relevant = sorted((h for h in hits if h.score >= bar), key=key, reverse=reverse)
    return relevant + [h for h in hits if h.score < bar]


def naming_all(hits: list[Hit], surnames: tuple[str, ...], share: float) -> list[Hit]:
    """With two names or more asked about: the relevant passages naming them all first."""
    if len(surnames) < 2:
        return hits
    return prefer(hits, share, lambda h: sum(n not in h.text.lower() for n in surnames))


def published_first(hits: list[Hit], first: str | None, last: str | None, *,
                    per_article: int | None = None) -> list[Hit]:
    """The hits published in ``first..last`` before those that only name a date in it
    (an article of July recalling "on 11 June"), each group in score order; with
    ``per_article``, at most that many passages of one article lead the published group
    (see :func:`spread`)."""
    def outside(hit: Hit) -> bool:
        day = (hit.date or "")[:10]
        return not day or (first is not None and day < first) or (last is not None and day > last)
    published = [h for h in hits if not outside(h)]
    if per_article is not None:
        published = spread(published, per_article)
    return published + [h for h in hits if outside(h)]


def spread(hits: list[Hit], per_article: int) -> list[Hit]:
    """The hits with each article's passages beyond its first ``per_article`` moved after
    the others (order otherwise kept), so that several reports come first rather than
    one long article's every passage."""
    seen: dict[str, int] = {}
    first, later = [], []
    for hit in hits:
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        (first if seen[hit.article_id] <= per_article else later).append(hit)
    return first + later


def newest_first(hits: list[Hit], k: int, share: float) -> list[Hit]:
    """The newest of the relevant hits first (dated before undated)."""
    return prefer(hits, share, lambda h: h.date or "", reverse=True)[:k]


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
