"""Read a corpus folder into articles, skipping (with a reason) what cannot be read safely."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from .formats import SUPPORTED, BadRecord, Record, parse
from .settings import Settings

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANKS = re.compile(r"\n\s*\n\s*")
_SPACES = re.compile(r"[ \t\u00a0]+")
_WORDS = re.compile(r"[^\W_]")


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
    """A file (or one record of it) left out of the index, and why."""

    id: str
    reason: str


def clean(text: str) -> str:
    """Normalise line ends and spacing, drop control characters, fold runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = _CONTROL.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if not sample:
        return False
    controls = len(_CONTROL.findall(sample.decode("latin-1")))
    return b"\x00" in sample and controls / len(sample) > 0.05 or controls / len(sample) > 0.3


def decode(data: bytes) -> str | None:
    """Text of ``data``: UTF-8 when it is, else the encoding charset-normalizer finds.
    None for binary data."""
    if _looks_binary(data):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.chaos > 0.3:
        return None
    return data.decode(best.encoding, errors="replace")


def derive_title(text: str, limit: int = 90) -> str:
    """A headline for an article without one: its first sentence, shortened at a word."""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first.rstrip(".")
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


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


def read_file(path: Path, rel: str, settings: Settings) -> Iterator[Article | Skipped]:
    """Articles in one file, or the reason it was skipped."""
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        mb = settings.max_file_bytes / 2**20
        yield Skipped(rel, f"file is {size / 2**20:.1f} MB, over the {mb:g} MB limit")
        return
    with path.open("rb") as fh:  # bounded read: the file may grow after the stat
        data = fh.read(settings.max_file_bytes + 1)
    if not data.strip():
        yield Skipped(rel, "empty file")
        return
    text = decode(data)
    if text is None:
        yield Skipped(rel, "binary data, not text")
        return
    for item in parse(rel, text):
        if isinstance(item, BadRecord):
            yield Skipped(f"{rel}#{item.key}" if item.key else rel, item.reason)
        else:
            yield _article(rel, item)


def scan(corpus_dir: Path, settings: Settings) -> Iterator[Article | Skipped]:
    """Every article under ``corpus_dir`` (nested folders included), in a stable order.

    Symbolic links are followed only while they stay inside the corpus folder.
    """
    root = corpus_dir.resolve()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(folder)
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = base / name
            rel = path.relative_to(root).as_posix()
            if not _is_utf8(rel):  # SQLite and the reports could not hold the id
                yield Skipped(_printable(rel), "file name is not valid UTF-8")
                continue
            if path.suffix.lower() not in SUPPORTED:
                yield Skipped(rel, f"unsupported file type {path.suffix or '(none)'}")
                continue
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                yield Skipped(rel, "symbolic link pointing outside the corpus folder")
                continue
            if not path.is_file():
                yield Skipped(rel, "not a regular file")
                continue
            yield from _read_safely(path, rel, settings)


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
    except OSError as exc:
        return [Skipped(rel, f"could not be read ({exc.strerror or exc})")]
    except Exception as exc:  # noqa: BLE001 - deliberately broad, see the docstring
        log.warning("skipping %s: %s", rel, exc, exc_info=True)
        return [Skipped(rel, f"could not be parsed ({type(exc).__name__}: {exc})")]
