"""One index version opened for reading: everything a query needs, as one immutable value.

A query takes the retriever's current :class:`Snapshot` once and passes it down, so its
vectors, BM25 index, passage table and the arrays derived from them always belong to the
same version, however often the retriever switches versions meanwhile (as Lucene's
``IndexSearcher`` reads one point-in-time ``DirectoryReader``). A snapshot nobody holds
any more is freed with its SQLite handle.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

import faiss
import numpy as np

from qa.errors import IndexChanged, IndexCorrupt, IndexMismatch
from qa.index import annotation_sql, passage_sql, versions
from qa.index.keyword.bm25 import Lexical
from qa.index.vectors import store as vector_store

from .filters import Filters

_ATTEMPTS = 3  # a version deleted while being opened: read the pointer again


@dataclass(frozen=True, eq=False)
class Snapshot:
    """An open index version. Positions ``0..n-1`` follow ``ids`` (every passage id,
    ascending, as in the BM25 index) and index the per-passage arrays."""

    version: versions.Version
    vectors: faiss.Index
    lexical: Lexical
    db: sqlite3.Connection
    ids: np.ndarray
    prev: np.ndarray  # position of the passage before, in the same article (or itself)
    next: np.ndarray  # position of the passage after (or itself)
    days: np.ndarray  # the article's date as YYYYMMDD, 0 when undated
    source_codes: np.ndarray  # index into ``sources``, -1 without a source
    sources: tuple[str, ...]  # lower-cased
    article_codes: np.ndarray  # the article's row id in the table
    # Dates the passages' text names: position, first and last day (YYYYMMDD), per mention.
    named_at: np.ndarray
    named_first: np.ndarray
    named_last: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)  # SQLite handle is shared

    @property
    def name(self) -> str:
        return self.version.name

    @classmethod
    def read(cls, version: versions.Version) -> Snapshot:
        """Load ``version``'s files (checked against the manifest by the caller)."""
        lexical = Lexical.load(version.path / versions.BM25)
        vectors_ = vector_store.load(version.path)
        db = passage_sql.connect_readonly(version.path)
        order, articles, days, codes, sources = passage_sql.passage_layout(db)
        ids = lexical.ids
        if len(order) != len(ids) or vectors_.ntotal != len(ids):
            raise IndexCorrupt(version.path.parent.parent, "its files disagree on the passages")
        pos = np.searchsorted(ids, order)
        prev_, next_ = np.arange(len(ids)), np.arange(len(ids))
        same = articles[1:] == articles[:-1]  # rows are in article order, then passage order
        next_[pos[:-1][same]] = pos[1:][same]
        prev_[pos[1:][same]] = pos[:-1][same]
        at = np.empty(len(ids), np.int64)
        at[pos] = np.arange(len(ids))  # from position to row of the layout
        named, first, last = annotation_sql.mention_layout(db)
        return cls(version, vectors_, lexical, db, ids, prev_, next_, days[at], codes[at],
                   sources, articles[at], np.searchsorted(ids, named), first, last)

    @cached_property  # read by every answer; the version never changes
    def newest_day(self) -> date | None:
        """The date of the newest article, if any article is dated."""
        newest = int(self.days.max()) if len(self.days) else 0
        return date(newest // 10000, newest // 100 % 100, newest % 100) if newest else None

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """Boolean mask over positions of the passages ``filters`` admit; None for all."""
        if not filters.restricts:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.first_day:
            mask &= self.days >= int(filters.first_day.replace("-", ""))
        if filters.last_day:
            mask &= (self.days > 0) & (self.days <= int(filters.last_day.replace("-", "")))
        if filters.source:
            wanted = filters.source.lower()
            code = self.sources.index(wanted) if wanted in self.sources else -2
            mask &= self.source_codes == code
        if filters.about:
            mask &= self._about(*filters.about)
        if filters.person:
            with self.lock:
                naming = annotation_sql.articles_naming(self.db, filters.person)
            mask &= np.isin(self.article_codes, np.asarray(naming, np.int64))
        return mask

    def _about(self, first: str | None, last: str | None) -> np.ndarray:
        """Passages published in ``first..last``, naming a date that overlaps it, or of an
        undated article, which may be of the period (a question's time words are not the
        user's filter: the since/until filters stay strict; see ``published_first``)."""
        lo = int(first.replace("-", "")) if first else 0
        hi = int(last.replace("-", "")) if last else 99999999
        mask = ((self.days >= lo) & (self.days <= hi)) | (self.days == 0)
        overlapping = (self.named_last >= lo) & (self.named_first <= hi)
        mask[self.named_at[overlapping]] = True
        return mask

    # -- look-ups in the version's tables: each takes the lock (one SQLite handle is
    # shared by every thread answering on this version) and speaks no SQL itself.
    def rows(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """Text and article metadata of the passages ``ids``, by id."""
        with self.lock:
            return passage_sql.passage_rows(self.db, ids)

    def sources_shown(self) -> list[str]:
        with self.lock:
            return passage_sql.distinct_sources(self.db)

    def recent_titles(self, *, limit: int, max_length: int) -> list[str]:
        with self.lock:
            return passage_sql.recent_titles(self.db, limit=limit, max_length=max_length)

    def article_ids(self) -> list[str]:
        with self.lock:
            return passage_sql.article_ids(self.db)

    def article_dates(self, article_ids: list[str]) -> dict[str, str | None]:
        """``{article id: its date}`` of the articles ``article_ids``."""
        with self.lock:
            return passage_sql.article_dates(self.db, article_ids)

    def quotes_by(self, name: str, *, limit: int) -> list[annotation_sql.StoredQuote]:
        """Quotations of the speaker ``name`` names, newest article first."""
        with self.lock:
            return annotation_sql.quotes_by(self.db, name, limit=limit)

    def quote_passages(self, name: str, *, limit: int
                       ) -> list[tuple[annotation_sql.StoredQuote, int]]:
        """``name``'s quotations (as :meth:`quotes_by`), each with the id of the passage
        holding it; quotes in no passage are left out."""
        with self.lock:
            stored = annotation_sql.quotes_by(self.db, name, limit=limit)
            placed = [(q, passage_sql.passage_containing(self.db, q.article_id, q.start))
                      for q in stored]
        return [(q, pid) for q, pid in placed if pid is not None]

    def mentions_in(self, article_id: str, start: int, end: int) -> list[tuple]:
        """``(start, end, text, display)`` of the dates named in ``article_id[start:end]``."""
        with self.lock:
            return annotation_sql.mentions_in(self.db, article_id, start, end)

    def top_entities(self, kind: str, *, limit: int) -> list[str]:
        """The ``kind`` entities named in most articles, for filter menus."""
        with self.lock:
            return annotation_sql.top_entities(self.db, kind, limit=limit)


def check_model(index_dir: Path, version: versions.Version, fingerprint: str) -> None:
    """Refuse a version whose vectors came from other model weights than the query
    embedder's: their scores would be meaningless."""
    built_with = version.manifest["identity"]
    if fingerprint != built_with["weights_sha256"]:
        raise IndexMismatch(
            f"the index at {index_dir}/ was built with other model weights "
            f"({built_with['model']}) - rebuild it with `qa index --full`"
        )


def open_snapshot(index_dir: Path, fingerprint: str) -> Snapshot:
    """The current version of ``index_dir``, verified, model-checked and loaded.

    Old versions are deleted by builds; one deleted while being opened is retried from
    the pointer, and a clear :class:`IndexChanged` is raised if that keeps happening.
    """
    for _ in range(_ATTEMPTS):
        pointer = versions.current_name(index_dir)
        try:
            version = versions.open_current(index_dir)
            check_model(index_dir, version, fingerprint)
            return Snapshot.read(version)
        except (IndexCorrupt, OSError, sqlite3.Error, RuntimeError) as exc:
            if versions.current_name(index_dir) != pointer:
                continue  # a build switched versions (and deleted old ones) meanwhile
            if isinstance(exc, IndexCorrupt):
                raise
            # FAISS reports unreadable files as RuntimeError; SQLite as sqlite3.Error.
            raise IndexCorrupt(index_dir, f"a file could not be read: {exc}") from None
    raise IndexChanged(index_dir)
