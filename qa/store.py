"""The index on disk: versioned directories switched atomically, one writer at a time.

    index/
      CURRENT                  "<version> <sha256 of its manifest.json>"
      .lock                    held by the one writer
      versions/<version>/      manifest.json, vectors.faiss, passages.sqlite, bm25/

A build writes a complete new version directory, fsyncs it, renames it into place and
only then replaces CURRENT (``os.replace`` is atomic), so a reader sees the old index or
the new one, never half of one. A crash leaves at worst a ``.tmp-*`` folder that the next
build deletes. Loading checks every file against the manifest's sha256 sums.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from filelock import FileLock, Timeout

from . import vectors
from .embed import sha256_file
from .errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexNotFound
from .ingest import Article
from .lexical import Lexical
from .split import Passage

log = logging.getLogger(__name__)

FORMAT = 1
POINTER = "CURRENT"
VECTORS = "vectors.faiss"
TABLE = "passages.sqlite"
BM25 = "bm25"

SCHEMA = """
CREATE TABLE articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, date TEXT,
    source TEXT, url TEXT, author TEXT, content_hash TEXT NOT NULL, body_hash TEXT NOT NULL);
CREATE TABLE passages (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL, seq INTEGER NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    text_hash TEXT NOT NULL, embedded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX passages_article ON passages(article_id);
CREATE INDEX articles_date ON articles(date);
"""


@dataclass(frozen=True)
class Version:
    """One complete, verified index version."""

    path: Path
    manifest: dict

    @property
    def name(self) -> str:
        return self.path.name


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_pointer(index_dir: Path) -> tuple[str, str]:
    pointer = index_dir / POINTER
    try:
        name, digest = pointer.read_text().split()
    except FileNotFoundError:
        raise IndexNotFound(index_dir) from None
    except (ValueError, UnicodeDecodeError):
        raise IndexCorrupt(index_dir, f"{POINTER} is unreadable") from None
    return name, digest


def current_name(index_dir: Path) -> str | None:
    """Name of the version CURRENT points to (cheap: for noticing a rebuild)."""
    try:
        return _read_pointer(index_dir)[0]
    except (IndexNotFound, IndexCorrupt):
        return None


def open_current(index_dir: Path, *, verify: bool = True) -> Version:
    """The current version, with its manifest and (by default) every file checked."""
    name, digest = _read_pointer(index_dir)
    path = index_dir / "versions" / name
    try:
        raw = (path / "manifest.json").read_bytes()
    except FileNotFoundError:
        raise IndexCorrupt(index_dir, f"version {name} is missing") from None
    if _sha256_bytes(raw) != digest:
        raise IndexCorrupt(index_dir, "manifest.json fails its checksum")
    manifest = json.loads(raw)
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(
            f"the index at {index_dir}/ has format {manifest.get('format')}, this version of qa "
            f"reads format {FORMAT} - rebuild it with `qa index --full`"
        )
    if verify:
        for rel, expected in manifest["files"].items():
            file = path / rel
            if not file.is_file():
                raise IndexCorrupt(index_dir, f"{rel} is missing")
            if sha256_file(file) != expected:
                raise IndexCorrupt(index_dir, f"{rel} fails its checksum")
    return Version(path, manifest)


def connect_readonly(version: Version) -> sqlite3.Connection:
    # immutable=1: the file never changes after commit, so SQLite needs no locks or journal.
    uri = f"file:{(version.path / TABLE).as_posix()}?mode=ro&immutable=1"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexWriter:
    """A transaction that produces the next index version.

    Use as a context manager; nothing is visible to readers until :meth:`commit`.
    Leaving the block without committing (an error, an empty corpus) discards the work
    and the previous version keeps serving.
    """

    def __init__(
        self, index_dir: Path, *, identity: dict, lock_timeout: float = 0.0, full: bool = False
    ) -> None:
        self.index_dir = index_dir
        self.identity = identity  # model and splitter settings the stored vectors depend on
        self.full = full
        self.lock = FileLock(str(index_dir / ".lock"), timeout=lock_timeout)
        self.previous: Version | None = None
        self.restart_reason: str | None = None
        self._committed = False

    # -- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> IndexWriter:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.lock.acquire()
        except Timeout:
            raise IndexBusy(self.index_dir) from None
        try:
            self._start()
        except BaseException:
            self.lock.release()
            raise
        return self

    def _start(self) -> None:
        versions = self.index_dir / "versions"
        versions.mkdir(exist_ok=True)
        for leftover in versions.glob(".tmp-*"):  # from a build that crashed
            shutil.rmtree(leftover, ignore_errors=True)
        self.tmp = versions / f".tmp-{uuid.uuid4().hex}"
        self.tmp.mkdir()
        try:
            previous: Version | None = open_current(self.index_dir)
        except IndexNotFound:
            previous = None
        except (IndexCorrupt, IndexMismatch) as exc:
            previous, self.restart_reason = None, f"previous index unusable: {exc}"
        if previous and self.full:
            self.restart_reason = "full rebuild requested"
        elif previous and previous.manifest["identity"] != self.identity:
            self.restart_reason = "model or splitter settings changed"
        if previous and not self.restart_reason:
            self.previous = previous
            shutil.copyfile(previous.path / TABLE, self.tmp / TABLE)
            self.vectors = vectors.read(previous.path / VECTORS)
        self.db = sqlite3.connect(self.tmp / TABLE)
        if not self.previous:
            self.db.executescript(SCHEMA)
            self.vectors = vectors.new_flat(int(self.identity["dim"]))
        self._next_id = (self.db.execute("SELECT max(id) FROM passages").fetchone()[0] or 0) + 1

    def __exit__(self, *exc: object) -> None:
        try:
            if not self._committed:
                self.db.close()
                shutil.rmtree(self.tmp, ignore_errors=True)
        finally:
            self.lock.release()

    # -- reading what is stored ---------------------------------------------------------
    def article_hashes(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT id, content_hash FROM articles"))

    def passages_of(self, article_id: str) -> list[tuple[int, str]]:
        rows = self.db.execute(
            "SELECT id, text_hash FROM passages WHERE article_id = ? ORDER BY seq", (article_id,)
        )
        return [(int(i), h) for i, h in rows]

    def pending(self) -> list[tuple[int, int]]:
        """``(id, length)`` of passages still waiting for a vector."""
        rows = self.db.execute("SELECT id, length(text) FROM passages WHERE embedded = 0")
        return [(int(i), int(n)) for i, n in rows]

    def texts(self, ids: Iterable[int]) -> list[str]:
        ids = list(ids)
        marks = ",".join("?" * len(ids))
        found = dict(self.db.execute(f"SELECT id, text FROM passages WHERE id IN ({marks})", ids))
        return [found[i] for i in ids]

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- changing it --------------------------------------------------------------------
    def put_article(self, article: Article) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
            (article.id, article.title, article.text, article.date, article.source,
             article.url, article.author, article.content_hash, article.body_hash),
        )

    def delete_passages(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM passages WHERE id = ?", [(i,) for i in ids])
        vectors.remove(self.vectors, ids)

    def delete_article(self, article_id: str) -> None:
        self.delete_passages([i for i, _ in self.passages_of(article_id)])
        self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))

    def move_passage(self, passage_id: int, passage: Passage) -> None:
        """Keep a stored passage (and its vector) at its place in a changed article."""
        self.db.execute(
            'UPDATE passages SET seq = ?, start = ?, "end" = ? WHERE id = ?',
            (passage.seq, passage.start, passage.end, passage_id),
        )

    def add_passage(self, passage: Passage) -> int:
        passage_id = self._next_id
        self._next_id += 1
        self.db.execute(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,0)",
            (passage_id, passage.article_id, passage.seq, passage.start, passage.end,
             passage.text, passage.text_hash),
        )
        return passage_id

    def add_vectors(self, ids: list[int], embeddings: np.ndarray) -> None:
        self.vectors.add_with_ids(embeddings, np.asarray(ids, dtype=np.int64))
        self.db.executemany("UPDATE passages SET embedded = 1 WHERE id = ?", [(i,) for i in ids])

    # -- publishing ---------------------------------------------------------------------
    def commit(self, *, ann_min_passages: int, keep_versions: int, extra: dict) -> Version:
        self.vectors = vectors.fit_to_size(self.vectors, ann_min_passages)
        ids, texts = [], []
        for pid, text in self.db.execute("SELECT id, text FROM passages ORDER BY id"):
            ids.append(int(pid))
            texts.append(text)
        Lexical.build(ids, texts).save(self.tmp / BM25)
        del texts
        counts = {"articles": self.count("articles"), "passages": self.count("passages")}
        if counts["passages"] != self.vectors.ntotal:
            raise IndexCorrupt(self.index_dir, "passage table and vectors disagree")
        self.db.commit()
        self.db.close()
        vectors.write(self.vectors, self.tmp / VECTORS)
        files = {
            p.relative_to(self.tmp).as_posix(): sha256_file(p)
            for p in sorted(self.tmp.rglob("*"))
            if p.is_file()
        }
        manifest = {
            "format": FORMAT,
            "identity": self.identity,
            "index_type": vectors.kind(self.vectors),
            "counts": counts,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": files,
            **extra,
        }
        raw = json.dumps(manifest, indent=2).encode()
        (self.tmp / "manifest.json").write_bytes(raw)
        _fsync_tree(self.tmp)
        name = f"v{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        final = self.tmp.parent / name
        os.rename(self.tmp, final)
        _fsync_dir(final.parent)
        pointer_tmp = self.index_dir / f"{POINTER}.tmp"
        with pointer_tmp.open("w") as fh:
            fh.write(f"{name} {_sha256_bytes(raw)}\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, self.index_dir / POINTER)
        _fsync_dir(self.index_dir)
        self._committed = True
        self._collect(name, keep_versions)
        return Version(final, manifest)

    def _collect(self, current: str, keep: int) -> None:
        """Delete old versions, keeping ``keep`` besides the current one for readers."""
        older = sorted(
            (p for p in (self.index_dir / "versions").iterdir()
             if p.is_dir() and not p.name.startswith(".") and p.name != current),
            key=lambda p: p.stat().st_mtime,
        )
        for path in older[: max(0, len(older) - keep)]:
            shutil.rmtree(path, ignore_errors=True)


def load_vectors(version: Version) -> faiss.Index:
    return vectors.read(version.path / VECTORS)


def load_lexical(version: Version) -> Lexical:
    return Lexical.load(version.path / BM25)


def _column(version: Version, sql: str, params: tuple = ()) -> list:
    db = connect_readonly(version)
    try:
        return [row[0] for row in db.execute(sql, params)]
    finally:
        db.close()


def distinct_sources(version: Version) -> list[str]:
    """The article sources in a version, for filter menus."""
    return _column(version, "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL "
                            "ORDER BY source COLLATE NOCASE")


def recent_titles(version: Version, *, limit: int, max_length: int) -> list[str]:
    """Headlines of the newest articles (short ones), for example questions."""
    return _column(version, "SELECT title FROM articles WHERE length(title) < ? "
                            "ORDER BY date DESC LIMIT ?", (max_length, limit))
