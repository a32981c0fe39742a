"""Read a corpus folder into articles, skipping (with a reason) what cannot be read safely."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from qa.settings import Settings

from .decode import clean, decode, derive_title
from .formats import SUPPORTED, BadRecord, Record, parse

__all__ = ["Article", "Read", "Skipped", "Unchanged", "clean", "decode", "derive_title",
           "read_file", "scan"]

log = logging.getLogger(__name__)

_WORDS = re.compile(r"[^\W_]")
_PATH_MAX = os.pathconf("/", "PC_PATH_MAX") if hasattr(os, "pathconf") else 4096
_TOO_LONG = "path is too long for the system (over PATH_MAX) - move it nearer the corpus folder"


@dataclass(frozen=True)
class Article:
    """One news article. ``id`` is its file path relative to the corpus (``/``-separated),
    with ``#key`` appended for records inside a JSON/JSONL file."""

    id: str
    title: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None

    @property
    def content_hash(self) -> str:
        fields = [self.title, self.text, self.date, self.source, self.url, self.author]
        return hashlib.sha256(json.dumps(fields).encode()).hexdigest()

    @property
    def body_hash(self) -> str:
        """Hash of the text alone, case- and space-folded: equal for exact duplicates."""
        folded = " ".join(self.text.lower().split())
        return hashlib.sha256(folded.encode()).hexdigest()


@dataclass(frozen=True)
class Skipped:
    """A file (or one record of it) left out of the index, and why.

    ``keep``: the file or folder exists but cannot be read now, so whatever the index
    holds of it (the id itself, its ``#records`` or everything under a folder) stays.
    """

    id: str
    reason: str
    keep: bool = False


@dataclass(frozen=True)
class Unchanged:
    """A file whose stamp (:func:`stamp`) is the one the index recorded: its articles
    are the indexed ones, and it was not read (only from ``scan(..., known=...)``)."""

    rel: str


@dataclass(frozen=True)
class Read:
    """Follows the items of a file that was read (only from ``scan(..., known=...)``):
    its stamp, or None when the file changed too recently for the stamp to be trusted."""

    rel: str
    stamp: str | None


SETTLE_NS = 2_000_000_000  # a file changed this recently may change again within one tick


def stamp(st: os.stat_result, settings: Settings) -> str:
    """What shows a file is the one read before: any write or replacement changes its
    change time (which nothing can set back, unlike the modification time) or inode;
    the size limit is part of it because it decides what a read yields."""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{settings.max_file_bytes}"


def _article(rel: str, record: Record) -> Article | Skipped:
    text = clean(record.text)
    article_id = f"{rel}#{record.key}" if record.key else rel
    if not text:
        return Skipped(article_id, "no text (empty or only whitespace)")
    if not _WORDS.search(text):  # nothing a reader or the keyword index could use
        return Skipped(article_id, "no words (only punctuation or symbols)")
    title = " ".join(clean(record.title).split())
    return Article(
        id=article_id,
        title=title or derive_title(text),
        text=text,
        date=record.date,
        source=record.source,
        url=record.url,
        author=record.author,
    )


def _read_settled(fh: BinaryIO, size: int, limit: int) -> bytes | None:
    """The whole file, or None while it keeps changing. Reads one byte past the size
    from the stat: more bytes (or fewer) mean it is being written, so stat and read it
    once more; a file read mid-write would be indexed truncated."""
    for attempt in range(2):
        if attempt:
            size = min(os.fstat(fh.fileno()).st_size, limit + 1)  # grown past the cap?
            fh.seek(0)
        data = fh.read(size + 1)
        if len(data) == size:
            return data
    return None


def read_file(path: Path, rel: str, settings: Settings) -> Iterator[Article | Skipped]:
    """Articles in one file, or the reason it was skipped."""
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        mb = settings.max_file_bytes / 2**20
        yield Skipped(rel, f"file is {size / 2**20:.1f} MB, over the {mb:g} MB limit")
        return
    with path.open("rb") as fh:
        data = _read_settled(fh, size, settings.max_file_bytes)
    if data is None:
        yield Skipped(rel, "file changed while being read - it will be indexed on the next build")
        return
    if len(data) > settings.max_file_bytes:
        mb = settings.max_file_bytes / 2**20
        yield Skipped(rel, f"file is {len(data) / 2**20:.1f} MB, over the {mb:g} MB limit")
        return
    if not data.strip():
        yield Skipped(rel, "empty file")
        return
    text = decode(data)
    if text is None:
        yield Skipped(rel, "binary data, not text")
        return
    seen: set[str] = set()
    for item in parse(rel, text):
        if isinstance(item, BadRecord):
            yield Skipped(f"{rel}#{item.key}" if item.key else rel, item.reason)
            continue
        article = _article(rel, item)
        if isinstance(article, Article) and article.id in seen:
            # The first wins, every build alike: a later twin would replace it and flip back.
            yield Skipped(article.id, f"duplicate record id {item.key}")
            continue
        seen.add(article.id)
        yield article


def scan(corpus_dir: Path, settings: Settings,
         known: Mapping[str, str] | None = None) -> Iterator[Article | Skipped | Unchanged | Read]:
    """Every article under ``corpus_dir`` (nested folders included), in a stable order,
    and a skip line for everything else: nothing under the folder is left out silently.

    Symbolic links are followed only while they stay inside the corpus folder. Hidden
    files and folders (``.git``, editor backups) are skipped, and said to be.

    With ``known`` (``{file: stamp}`` of files read by an earlier build), a file whose
    stamp is unchanged is not read but yields :class:`Unchanged`, and every file read
    is followed by :class:`Read`: at 100k files, reading and hashing them all took
    most of a build that adds one article.
    """
    root = corpus_dir.resolve()
    unlisted: list[OSError] = []  # folders os.walk could not list, reported in order
    for folder, dirs, files in os.walk(root, onerror=unlisted.append):
        yield from _unlisted(unlisted, root)
        base = Path(folder)
        kept = []
        for name in sorted(dirs):
            rel = (base / name).relative_to(root).as_posix()
            if not _is_utf8(rel):
                yield Skipped(_printable(rel), "folder name is not valid UTF-8")
            elif name.startswith("."):
                yield Skipped(rel, "hidden folder")
            else:
                kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            yield from _file(base / name, root, settings, known)
    yield from _unlisted(unlisted, root)


def _unlisted(errors: list[OSError], root: Path) -> Iterator[Skipped]:
    while errors:
        exc = errors.pop(0)
        where = Path(os.fsdecode(exc.filename or root))
        rel = where.relative_to(root).as_posix() if where != root else "."
        if exc.errno == errno.ENAMETOOLONG:
            yield Skipped(rel, _TOO_LONG)
        else:
            yield Skipped(rel, f"folder could not be read ({exc.strerror or exc}) - "
                               "keeping the indexed version", keep=True)


def _file(path: Path, root: Path, settings: Settings,
          known: Mapping[str, str] | None) -> Iterator[Article | Skipped | Unchanged | Read]:
    rel = path.relative_to(root).as_posix()
    if not _is_utf8(rel):  # SQLite and the reports could not hold the id
        yield Skipped(_printable(rel), "file name is not valid UTF-8")
    elif path.name.startswith("."):
        yield Skipped(rel, "hidden file")
    elif path.suffix.lower() not in SUPPORTED:
        yield Skipped(rel, f"unsupported file type {path.suffix or '(none)'}")
    elif (link := _link_problem(path, root)) is not None:
        yield Skipped(rel, link)
    elif len(os.fsencode(path)) >= _PATH_MAX:
        yield Skipped(rel, _TOO_LONG)
    elif not path.is_file():
        yield Skipped(rel, "not a regular file")
    elif known is None:
        yield from _read_safely(path, rel, settings)
    else:
        try:
            st = path.stat()
        except OSError:
            yield from _read_safely(path, rel, settings)  # says what went wrong
            return
        now = stamp(st, settings)
        if known.get(rel) == now:
            yield Unchanged(rel)
            return
        yield from _read_safely(path, rel, settings)
        settled = st.st_ctime_ns < time.time_ns() - SETTLE_NS
        yield Read(rel, now if settled else None)


def _link_problem(path: Path, root: Path) -> str | None:
    """Why the symbolic link ``path`` is not read, or None (not a link, or one that stays
    inside the corpus folder)."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError: a loop (OSError from 3.13)
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
            return "symbolic link loop (it leads back to itself) - remove or fix the link"
        return f"symbolic link could not be followed ({getattr(exc, 'strerror', None) or exc})"
    if not target.is_relative_to(root):
        return "symbolic link pointing outside the corpus folder"
    return None


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes arrive as lone surrogates
        return False
    return True


def _printable(name: str) -> str:
    """``name`` with its undecodable bytes shown as ``\\xe9``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _read_safely(path: Path, rel: str, settings: Settings) -> list[Article | Skipped]:
    """``read_file`` of one file, all of it or a skip: whatever goes wrong with one file
    (a parser bug, a missing optional library) is that file's problem, not the build's."""
    try:
        return list(read_file(path, rel, settings))
    except FileNotFoundError:
        return [Skipped(rel, "disappeared while the index was being built")]
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return [Skipped(rel, _TOO_LONG)]
        # Unreadable for now (permissions, a flaky disk): losing its article would be worse.
        return [Skipped(rel, f"could not be read ({exc.strerror or exc}) - keeping the indexed "
                             "version", keep=True)]
    except Exception as exc:  # noqa: BLE001 - deliberately broad, see the docstring
        log.warning("skipping %s: %s", rel, exc, exc_info=True)
        return [Skipped(rel, f"could not be parsed ({type(exc).__name__}: {exc})")]
