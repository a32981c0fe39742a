"""The annotation tables: what the build read from each article besides its passages
(quotes, dated mentions, entities), written with the article and read by queries.
Like :mod:`qa.index.passage_sql`, the only place that speaks their SQL."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np

from qa.errors import bounded
from qa.news.annotate import Annotations
from qa.news.names import same_person, words
from qa.settings import Settings

SCHEMA = """
CREATE TABLE quotes (
    article_id TEXT NOT NULL, speaker TEXT NOT NULL, quote TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX quotes_article ON quotes(article_id);
CREATE TABLE mentions (
    article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL, display TEXT NOT NULL);
CREATE INDEX mentions_article ON mentions(article_id);
CREATE TABLE entities (
    article_id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, count INTEGER NOT NULL);
CREATE INDEX entities_article ON entities(article_id);
"""
TABLES = ("quotes", "mentions", "entities")


@dataclass(frozen=True)
class StoredQuote:
    """A quotation as stored: who, what, and where in which article."""

    article_id: str
    speaker: str
    quote: str
    start: int
    end: int
    kind: str


# -- the writer's side ----------------------------------------------------------------------
def delete(db: sqlite3.Connection, article_id: str) -> None:
    for table in TABLES:
        db.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))


def put(db: sqlite3.Connection, article_id: str, notes: Annotations) -> None:
    """Replace what is stored of one article."""
    delete(db, article_id)
    db.executemany("INSERT INTO quotes VALUES (?,?,?,?,?,?)", [
        (article_id, q.speaker, q.quote, q.start, q.end, q.kind) for q in notes.quotes])
    db.executemany("INSERT INTO mentions VALUES (?,?,?,?,?,?,?)", [
        (article_id, m.start, m.end, m.text, m.since.isoformat(), m.until.isoformat(),
         m.display) for m in notes.mentions])
    db.executemany("INSERT INTO entities VALUES (?,?,?,?)", [
        (article_id, e.name, e.kind, e.count) for e in notes.entities])


# -- look-ups for readers -------------------------------------------------------------------
def _day(value: str) -> int:
    return int(value.replace("-", ""))


def mention_layout(db: sqlite3.Connection) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(passage ids, first days, last days)`` (days as YYYYMMDD) of every date a
    passage's text names; a passage naming several dates appears once for each."""
    cursor = db.cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        "SELECT p.id, m.since, m.until FROM mentions m JOIN passages p "
        'ON p.article_id = m.article_id AND p.start <= m.start AND m.start < p."end"'
    ).fetchall()
    return (np.asarray([r[0] for r in rows], np.int64),
            np.asarray([_day(r[1]) for r in rows], np.int64),
            np.asarray([_day(r[2]) for r in rows], np.int64))


def mentions_in(db: sqlite3.Connection, article_id: str, start: int, end: int) -> list[tuple]:
    """``(start, end, text, display)`` of the dates named in ``article_id[start:end]``."""
    return [tuple(r) for r in db.execute(
        'SELECT start, "end", text, display FROM mentions WHERE article_id = ? '
        'AND start >= ? AND "end" <= ? ORDER BY start', (article_id, start, end))]


def quotes_by(db: sqlite3.Connection, name: str, limit: int = 200) -> list[StoredQuote]:
    """Quotations whose speaker ``name`` names ("Gor", "Sergio Gor", "Ambassador Gor"),
    newest article first."""
    surname = (words(bounded("name", name, Settings.max_field_chars) or "") or [""])[-1]
    speakers = [row[0] for row in db.execute(
        "SELECT DISTINCT speaker FROM quotes WHERE speaker LIKE ?", (f"%{surname}",))]
    wanted = [s for s in speakers if same_person(s, name)]
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f'SELECT q.article_id, q.speaker, q.quote, q.start, q."end", q.kind FROM quotes q '
        f"JOIN articles a ON a.id = q.article_id WHERE q.speaker IN ({marks}) "
        "ORDER BY a.date DESC, q.article_id, q.start LIMIT ?", (*wanted, limit))
    return [StoredQuote(*row) for row in rows]


def top_entities(db: sqlite3.Connection, kind: str, limit: int = 50) -> list[str]:
    """The ``kind`` entities named in most articles, for filter menus."""
    return [row[0] for row in db.execute(
        "SELECT name FROM entities WHERE kind = ? GROUP BY name "
        "ORDER BY count(*) DESC, name LIMIT ?", (kind, limit))]


def articles_naming(db: sqlite3.Connection, name: str) -> list[int]:
    """Row ids of the articles whose entities include ``name`` (a person by surname or
    full name, anything else by its name, case-insensitively)."""
    surname = (words(name) or [""])[-1]
    rows = db.execute(
        "SELECT DISTINCT a.rowid, e.name, e.kind FROM entities e JOIN articles a "
        "ON a.id = e.article_id WHERE e.name LIKE ?", (f"%{surname}%",)).fetchall()
    return sorted({r[0] for r in rows if (same_person(r[1], name) if r[2] == "person"
                                         else r[1].lower() == name.lower())})
