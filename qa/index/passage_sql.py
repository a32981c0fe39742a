"""The passage table: articles and passages in one SQLite file per index version.

Everything that speaks SQL lives here: the schema, the writer's changes (:class:`Table`)
and the readers' look-ups (functions over a read-only connection).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from qa.ingest.corpus import Article
from qa.ingest.split import Passage
from qa.news.annotate import Annotations

from . import annotation_sql

FILE = "passages.sqlite"

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
# Each article's MinHash signature (qa.ingest.near_duplicates), kept so a build compares only
# what is new.
# Created on open: tables written before it existed gain it, filled as they are next used.
SIGNATURES = """
CREATE TABLE IF NOT EXISTS signatures (article_id TEXT PRIMARY KEY, minhash BLOB NOT NULL);
"""
# What a build compares the corpus with, readable without the article texts stored beside
# it (at 100k articles, reading the rows means reading 600 MB of pages).
HASHES = "CREATE INDEX IF NOT EXISTS articles_hash ON articles(id, content_hash, body_hash);"
# The stamp (qa.ingest.corpus.stamp) of each corpus file as it was read: unchanged files are not
# read again. Only files all of whose articles are indexed, so skips are always reported.
FILES = "CREATE TABLE IF NOT EXISTS files (rel TEXT PRIMARY KEY, stamp TEXT NOT NULL);"


def connect_readonly(folder: Path) -> sqlite3.Connection:
    """A read-only connection to the table in a published version ``folder``."""
    # immutable=1: the file never changes after commit, so SQLite needs no locks or journal.
    uri = f"file:{(folder / FILE).as_posix()}?mode=ro&immutable=1"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db


class Table:
    """The writable table of a version being built."""

    def __init__(self, path: Path, *, new: bool) -> None:
        self.db = sqlite3.connect(path)
        # No journal on disk and no fsync: the file is in an unpublished version folder,
        # which is fsynced whole before it is switched to, and thrown away if the build fails.
        self.db.execute("PRAGMA journal_mode=MEMORY")
        self.db.execute("PRAGMA synchronous=OFF")
        if new:
            self.db.executescript(SCHEMA + annotation_sql.SCHEMA)
        self.db.executescript(SIGNATURES + HASHES + FILES)
        self._next_id = (self.db.execute("SELECT max(id) FROM passages").fetchone()[0] or 0) + 1

    def article_hashes(self) -> dict[str, str]:
        return article_hashes(self.db)

    def set_file_stamps(self, stamps: dict[str, str], previous: dict[str, str]) -> None:
        """Record ``stamps`` (``{file: stamp}``) in place of ``previous``, writing only
        the difference."""
        self.db.executemany("DELETE FROM files WHERE rel = ?",
                            [(rel,) for rel in previous.keys() - stamps.keys()])
        self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?)",
                            [(r, s) for r, s in stamps.items() if previous.get(r) != s])

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

    def all_texts(self) -> Iterator[tuple[int, str]]:
        """``(id, text)`` of every passage, by id."""
        yield from self.db.execute("SELECT id, text FROM passages ORDER BY id")

    def ids(self) -> np.ndarray:
        """Every passage id, ascending."""
        rows = self.db.execute("SELECT id FROM passages ORDER BY id")
        return np.fromiter((i for (i,) in rows), np.int64)

    def texts_in_order(self, ids: np.ndarray) -> Iterator[str]:
        """The texts of the passages ``ids`` (ascending), in that order."""
        for start in range(0, len(ids), 10_000):
            chunk = [int(i) for i in ids[start : start + 10_000]]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT id, text FROM passages WHERE id IN ({marks}) ORDER BY id", chunk
            ).fetchall()
            if [pid for pid, _ in rows] != chunk:
                raise KeyError("a passage to index is not in the table")
            yield from (text for _, text in rows)

    def article_text(self, article_id: str) -> str:
        row = self.db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        return row[0]

    def signatures(self, compute: Callable[[str], np.ndarray]) -> tuple[list[str], np.ndarray]:
        """``(article ids in order, their signatures as rows)``; ``compute(text)`` makes the
        missing ones (new and changed articles), which are stored."""
        missing = self.db.execute(  # ids alone: from an index, not the rows with the texts
            "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM signatures)"
        ).fetchall()
        self.db.executemany("INSERT INTO signatures VALUES (?, ?)", [
            (i, compute(self.article_text(i)).astype(np.uint64).tobytes()) for (i,) in missing])
        rows = self.db.execute("SELECT article_id, minhash FROM signatures ORDER BY article_id")
        ids, blobs = [], []
        for article_id, blob in rows:
            ids.append(article_id)
            blobs.append(blob)
        return ids, np.frombuffer(b"".join(blobs), np.uint64).reshape(len(ids), -1)

    def count(self, table: str) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def put_article(self, article: Article) -> None:
        self.db.execute("DELETE FROM signatures WHERE article_id = ?", (article.id,))
        self.db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?)",
            (article.id, article.title, article.text, article.date, article.source,
             article.url, article.author, article.content_hash, article.body_hash),
        )

    def delete_passages(self, ids: list[int]) -> None:
        self.db.executemany("DELETE FROM passages WHERE id = ?", [(i,) for i in ids])

    def delete_article(self, article_id: str) -> None:
        self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
        self.db.execute("DELETE FROM signatures WHERE article_id = ?", (article_id,))
        annotation_sql.delete(self.db, article_id)

    def put_annotations(self, article_id: str, annotations: Annotations) -> None:
        annotation_sql.put(self.db, article_id, annotations)

    def move_passage(self, passage_id: int, passage: Passage) -> None:
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

    def mark_embedded(self, ids: list[int]) -> None:
        self.db.executemany("UPDATE passages SET embedded = 1 WHERE id = ?", [(i,) for i in ids])

    def close(self, *, commit: bool) -> None:
        if commit:
            self.db.commit()
        self.db.close()


# -- look-ups for readers -------------------------------------------------------------------
def passage_layout(db: sqlite3.Connection) -> tuple[np.ndarray, ...]:
    """Every passage in article order, as arrays: ``(ids, article codes, dates as
    YYYYMMDD integers (0: undated), source codes)``, and the lower-cased sources the
    codes index (-1: no source). The per-version neighbour and filter arrays come from it."""
    cursor = db.cursor()
    cursor.row_factory = None  # plain tuples: this reads every passage
    rows = cursor.execute(
        "SELECT p.id, a.rowid, coalesce(CAST(replace(substr(a.date, 1, 10), '-', '') "
        "AS INTEGER), 0), lower(a.source) FROM passages p JOIN articles a "
        "ON a.id = p.article_id ORDER BY p.article_id, p.seq"
    ).fetchall()
    ids, articles, days, sources = zip(*rows) if rows else ((), (), (), ())
    names = sorted({s for s in sources if s is not None})
    code = {name: i for i, name in enumerate(names)}
    return (np.asarray(ids, np.int64), np.asarray(articles, np.int64),
            np.asarray(days, np.int64),
            np.asarray([code.get(s, -1) for s in sources], np.int64), tuple(names))


def passage_rows(db: sqlite3.Connection, ids: list[int]) -> dict[int, sqlite3.Row]:
    """Text and article metadata of the passages ``ids``, by id."""
    marks = ",".join("?" * len(ids))
    rows = db.execute(
        'SELECT p.id, p.text, p.article_id, p.start, p."end", a.title, a.date, a.source, a.url '
        f"FROM passages p JOIN articles a ON a.id = p.article_id WHERE p.id IN ({marks})",
        ids,
    ).fetchall()
    return {row["id"]: row for row in rows}


def passage_containing(db: sqlite3.Connection, article_id: str, offset: int) -> int | None:
    """The first passage of ``article_id`` whose text holds character ``offset``."""
    row = db.execute('SELECT id FROM passages WHERE article_id = ? AND start <= ? AND ? < "end" '
                     "ORDER BY seq LIMIT 1", (article_id, offset, offset)).fetchone()
    return int(row[0]) if row else None


def article_hashes(db: sqlite3.Connection) -> dict[str, str]:
    """``{article id: content hash}``: what a build compares the corpus with."""
    return dict(db.execute("SELECT id, content_hash FROM articles"))


def body_hashes(db: sqlite3.Connection) -> dict[str, str]:
    """``{article id: body hash}``: for duplicates among files that are not read again."""
    return dict(db.execute("SELECT id, body_hash FROM articles"))


def file_stamps(db: sqlite3.Connection) -> dict[str, str]:
    """``{corpus file: stamp}`` of the files read by earlier builds (none for a table
    written before they were kept)."""
    try:
        return dict(db.execute("SELECT rel, stamp FROM files"))
    except sqlite3.OperationalError:  # no such table
        return {}


def article_ids(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT id FROM articles")]


def article_dates(db: sqlite3.Connection, ids: list[str]) -> dict[str, str | None]:
    """``{article id: date}`` of the articles ``ids``."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    return dict(db.execute(f"SELECT id, date FROM articles WHERE id IN ({marks})", ids))


def distinct_sources(db: sqlite3.Connection) -> list[str]:
    """The article sources, for filter menus."""
    return [row[0] for row in db.execute(
        "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL "
        "ORDER BY source COLLATE NOCASE")]


def recent_titles(db: sqlite3.Connection, *, limit: int, max_length: int) -> list[str]:
    """Headlines of the newest articles (short ones), for example questions."""
    return [row[0] for row in db.execute(
        "SELECT title FROM articles WHERE length(title) < ? ORDER BY date DESC LIMIT ?",
        (max_length, limit))]
