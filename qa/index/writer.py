"""Writing the next index version: one writer at a time, nothing visible until commit.

The writer starts from the current version without copying anything: a build that
changes nothing reads only the article hashes. The first change copies the passage table.
The vectors and the keyword index are stored as a base plus what changed since
(:mod:`qa.index.vectors.store`, :mod:`qa.index.keyword.bm25`): a version links the previous
version's base
files and writes only the new vectors, the removed ids and the new passages' postings,
until the changes outgrow a share of the base. Linked files keep the checksums the
previous manifest gave them.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from qa.embed.model import sha256_file
from qa.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexNotFound, QAError
from qa.index.keyword import bm25
from qa.index.vectors import faiss_index
from qa.index.vectors import store as vector_store

from . import passage_sql, versions

log = logging.getLogger(__name__)


class IndexWriter:
    """A transaction that produces the next index version.

    Use as a context manager. Leaving the block without :meth:`commit` (an error, an
    empty corpus, nothing changed) discards the work; the previous version keeps serving.
    """

    def __init__(
        self, index_dir: Path, *, identity: dict, lock_timeout: float = 0.0, full: bool = False
    ) -> None:
        self.index_dir = index_dir
        self.identity = identity  # model and splitter settings the stored vectors depend on
        self.full = full
        self.lock = FileLock(str(index_dir / ".lock"), timeout=lock_timeout)
        self.previous: versions.Version | None = None
        self.restart_reason: str | None = None
        self._table: passage_sql.Table | None = None
        self._removed: list[int] = []
        self._committed = False

    # -- lifecycle ----------------------------------------------------------------------
    def __enter__(self) -> IndexWriter:
        try:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except Timeout:
            raise IndexBusy(self.index_dir) from None
        except OSError as exc:
            raise QAError(f"cannot lock {self.index_dir}/ ({exc.strerror or exc}) - check that "
                          "the folder is writable and .lock is a plain file") from None
        try:
            self._start()
        except BaseException:
            self.lock.release()
            raise
        return self

    def _start(self) -> None:
        folder = self.index_dir / "versions"
        folder.mkdir(exist_ok=True)
        versions.remove_orphans(self.index_dir)
        self.tmp = folder / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir()
        self.previous, self.restart_reason = _base(self.index_dir, self.identity, self.full)
        self._stored, self._bodies, self._stamps = {}, {}, {}
        self._owners: dict[str, str] | None = None
        if self.previous:
            db = passage_sql.connect_readonly(self.previous.path)
            try:
                self._stored = passage_sql.article_hashes(db)
                self._stamps = passage_sql.file_stamps(db)
                if self._stamps:  # only needed for the articles of files not read again
                    self._bodies = passage_sql.body_hashes(db)
            finally:
                db.close()

    def __exit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                if self._table is not None:
                    self._table.close(commit=False)
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self.lock.release()

    @property
    def table(self) -> passage_sql.Table:
        """The table of the new version, copied from the previous one on first use."""
        if self._table is None:
            path = self.tmp / passage_sql.FILE
            if self.previous:
                shutil.copyfile(self.previous.path / passage_sql.FILE, path)
            self._added = faiss_index.new_flat(int(self.identity["dim"]))
            self._table = passage_sql.Table(path, new=self.previous is None)
        return self._table

    # -- reading what is stored -----------------------------------------------------------
    def article_hashes(self) -> dict[str, str]:
        """``{article id: content hash}`` of the previous version."""
        return dict(self._stored)

    def body_hashes(self) -> dict[str, str]:
        """``{article id: body hash}`` of the previous version (when it has file stamps)."""
        return self._bodies

    def body_owners(self) -> dict[str, str]:
        """``{body hash: article id}`` of the previous version, read on first use (only a
        build meeting a new copy of some text needs it)."""
        if self._owners is None:
            bodies = self._bodies
            if not bodies and self.previous:
                db = passage_sql.connect_readonly(self.previous.path)
                try:
                    bodies = passage_sql.body_hashes(db)
                finally:
                    db.close()
            self._owners = {body: article_id for article_id, body in bodies.items()}
        return self._owners

    def file_stamps(self) -> dict[str, str]:
        """``{corpus file: stamp}`` of the files the previous version's builds read."""
        return dict(self._stamps)

    # -- changing it (articles and passages: through ``table``) ---------------------------
    def delete_passages(self, ids: list[int]) -> None:
        self.table.delete_passages(ids)
        self._removed.extend(ids)

    def delete_article(self, article_id: str) -> None:
        self.delete_passages([i for i, _ in self.table.passages_of(article_id)])
        self.table.delete_article(article_id)

    def add_vectors(self, ids: list[int], embeddings: np.ndarray) -> None:
        self._added.add_with_ids(embeddings, np.asarray(ids, dtype=np.int64))
        self.table.mark_embedded(ids)

    # -- publishing -----------------------------------------------------------------------
    def commit(self, *, ann_min_passages: int, keep_versions: int, extra: dict) -> versions.Version:
        table = self.table
        removed = np.asarray(self._removed, np.int64)
        added = faiss_index.ids_of(self._added)  # read now: the update below empties the index
        mine = np.isin(removed, added)  # added, then removed, in this build
        faiss_index.remove(self._added, removed[mine].tolist())
        added = added[~np.isin(added, removed[mine])]
        previous = self.previous.path if self.previous else None
        how, index_type, total = vector_store.update(
            previous, self.tmp, vector_store.Changes(self._added, removed[~mine]),
            dim=int(self.identity["dim"]), ann_min=ann_min_passages)
        log.info("vectors: %s", how)
        counts = {"articles": table.count("articles"), "passages": table.count("passages")}
        if counts["passages"] != total:
            raise IndexCorrupt(self.index_dir, "passage table and vectors disagree")
        previous_bm25 = previous / versions.BM25 if previous else None
        how = bm25.update(previous_bm25, self.tmp / versions.BM25,
                             self._live_ids(previous_bm25, removed[~mine], added,
                                            counts["passages"]),
                             table.texts_in_order)
        log.info("keyword index: %s", how)
        table.close(commit=True)
        written = sorted(p for p in self.tmp.rglob("*") if p.is_file())
        files = {p.relative_to(self.tmp).as_posix(): self._checksum(p) for p in written}
        stats = {p.relative_to(self.tmp).as_posix(): versions.stamp(p) for p in written}
        manifest = {"format": versions.FORMAT, "identity": self.identity,
                    "index_type": index_type, "counts": counts,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "files": files, "stats": stats, **extra}
        version = versions.publish(self.index_dir, self.tmp, manifest)
        self._committed = True
        versions.collect(self.index_dir, version.name, keep_versions)
        return version

    def _live_ids(self, previous_bm25: Path | None, removed: np.ndarray, added: np.ndarray,
                  count: int) -> np.ndarray:
        """Every passage id of the new version, ascending: the previous version's, less the
        removed, plus those given vectors in this build (reading 1M ids from the table
        takes most of a second); from the table when that does not add up."""
        before = bm25.live_ids(previous_bm25) if previous_bm25 else None
        if before is not None:
            kept = before[~bm25.present(np.sort(removed), before)]
            ids = np.sort(np.concatenate([kept, added]))
            if len(ids) == count:
                return ids
            log.warning("keyword index ids disagree with the table: reading them from it")
        return self.table.ids()

    def _checksum(self, path: Path) -> str:
        """The file's sha256; for a file hard-linked from the previous version (keyword
        segments), the one its manifest recorded: the same file, verified when opened."""
        rel = path.relative_to(self.tmp).as_posix()
        if self.previous and rel in self.previous.manifest["files"]:
            try:
                if os.path.samefile(path, self.previous.path / rel):
                    return self.previous.manifest["files"][rel]
            except OSError:
                pass
        return sha256_file(path)


def _base(index_dir: Path, identity: dict,
          full: bool) -> tuple[versions.Version | None, str | None]:
    """The version a build starts from, or None and why it starts from nothing."""
    try:
        previous = versions.open_current(index_dir, trust_unchanged=True)
    except IndexNotFound:
        return None, None
    except (IndexCorrupt, IndexMismatch) as exc:
        return None, f"previous index unusable: {exc}"
    if full:
        return None, "full rebuild requested"
    before = previous.manifest["identity"]
    if before != identity:
        changed = ", ".join(
            f"{k} {str(before.get(k, 'not recorded'))[:16]} -> {str(identity.get(k))[:16]}"
            for k in sorted(set(before) | set(identity)) if before.get(k) != identity.get(k))
        return None, f"model, encoder or splitter settings changed ({changed})"
    return previous, None
