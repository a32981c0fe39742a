"""Turn the decoded text of one file into article records, by file type.

Plain text and Markdown carry optional header lines (``date 2026-01-30``, ``Title: ...``),
a headline line and possibly a trailing agency line (``ANI``). HTML goes through
trafilatura. JSON / JSONL hold one record per object with commonly named fields.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from qa.news.periods import iso_date

SUPPORTED = (".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl")

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "text": ("text", "body", "content", "article", "description"),
    "date": ("date", "published_at", "published", "pubdate", "pub_date", "datetime", "time"),
    "source": ("source", "outlet", "publisher", "site", "sitename", "agency"),
    "url": ("url", "link", "href"),
    "author": ("author", "byline", "authors"),
}
_HEADER = re.compile(
    r"^\s*(title|headline|date|published|source|url|link|author|byline)\s*(:|\s)\s*(\S.*)$", re.I
)
_AGENCY = re.compile(r"(\()?([A-Za-z][A-Za-z&.' -]{0,30})(?(1)\))")
_FILENAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


@dataclass(frozen=True)
class Record:
    """Fields of one article as found in a file, before it gets an id."""

    text: str
    title: str = ""
    date: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    key: str | None = None  # record id inside a multi-record file


class BadRecord(ValueError):
    """One record of a multi-record file is unusable; the others still count."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def parse(name: str, text: str) -> Iterator[Record | BadRecord]:
    """Records in the decoded ``text`` of a file called ``name``."""
    suffix = name[name.rfind(".") :].lower()
    if suffix in (".html", ".htm"):
        yield from _html(text)
    elif suffix == ".json":
        yield from _json(text)
    elif suffix == ".jsonl":
        yield from _jsonl(text)
    else:
        yield _plain(name, _unescape(text))


def _unescape(text: str) -> str:
    """Plain text saved from a web page keeps its entities (``S&#227;o Paulo``, ``&amp;``):
    decode complete ones only, so ``AT&T`` and ``R&D`` stay as they are."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def _plain(name: str, text: str) -> Record:
    lines = text.split("\n")
    fields: dict[str, str] = {}
    body_start = 0
    # Leading header lines ("date 2026-01-30", "Title: ...") until the first other line.
    for i, line in enumerate(lines):
        if not line.strip() or line.strip() == "---":
            continue
        m = _HEADER.match(line)
        if not m:
            body_start = i
            break
        key, sep, value = m.group(1).lower(), m.group(2), m.group(3).strip()
        if sep != ":" and not (key in ("date", "published") and iso_date(value)):
            body_start = i
            break
        key = {"headline": "title", "published": "date", "link": "url", "byline": "author"}.get(
            key, key
        )
        fields[key] = value
    else:
        body_start = len(lines)
    rest = lines[body_start:]
    title = fields.get("title", "")
    if not title and rest:
        first = rest[0].strip()
        heading = first.startswith("#")
        first = first.lstrip("#").strip()
        followed_by_gap = len(rest) == 1 or not rest[1].strip()
        if heading or (len(first) <= 150 and followed_by_gap and not first.endswith((".", ":"))):
            title, rest = first, rest[1:]
    # An agency line of its own at the end: "ANI", "PTI", "(Reuters)".
    while rest and not rest[-1].strip():
        rest.pop()
    if "source" not in fields and len(rest) > 2 and not rest[-2].strip():
        m = _AGENCY.fullmatch(rest[-1].strip())
        if m and (m.group(1) or m.group(2).isupper()):
            fields["source"], rest = m.group(2).strip(), rest[:-1]
    file_date = _FILENAME_DATE.search(name.rsplit("/", 1)[-1])
    return Record(
        text="\n".join(rest),
        title=title,
        date=iso_date(fields.get("date")) or (iso_date(file_date.group(1)) if file_date else None),
        source=fields.get("source"),
        url=fields.get("url"),
        author=fields.get("author"),
    )


def _html(text: str) -> Iterator[Record]:
    import trafilatura  # imported lazily: it is slow to import and only HTML needs it

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False)
    body = (getattr(doc, "text", None) or "") if doc is not None else ""
    title = (getattr(doc, "title", None) or "").strip()
    if title and body.startswith(title):
        body = body[len(title) :].lstrip("\n")
    yield Record(
        text=body,
        title=title,
        date=iso_date(getattr(doc, "date", None)),
        source=getattr(doc, "sitename", None) or None,
        url=getattr(doc, "url", None) or None,
        author=getattr(doc, "author", None) or None,
    )


def _pick(obj: dict, field: str) -> object:
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for name in FIELD_NAMES[field]:
        value = lowered.get(name)
        if value not in (None, "", []):
            return value
    if field == "date" and isinstance(lowered.get("metadata"), dict):
        return _pick(lowered["metadata"], "date")
    return None


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v not in (None, ""))
    if isinstance(value, dict):
        return _as_text(value.get("name") or value.get("title"))
    return str(value).strip() or None


def record_from_object(obj: object, key: str) -> Record | BadRecord:
    if not isinstance(obj, dict):
        return BadRecord(key, "not a JSON object")
    body = _pick(obj, "text")
    if not isinstance(body, str) or not body.strip():
        return BadRecord(key, "no text field (expected text, body or content)")
    ident = obj.get("_id", obj.get("id"))
    return Record(
        text=body,
        title=_as_text(_pick(obj, "title")) or "",
        date=iso_date(_pick(obj, "date")),
        source=_as_text(_pick(obj, "source")),
        url=_as_text(_pick(obj, "url")),
        author=_as_text(_pick(obj, "author")),
        key=str(ident) if ident not in (None, "") else key,
    )


def _load(text: str) -> object:
    """``json.loads`` with its resource errors turned into a reason (a JSON bomb is one bad
    file, not a failed build)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to read (JSON arrays/objects inside each other "
                         "thousands of levels deep)") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # int() refuses numbers of over 4,300 digits
        if "digits" not in str(exc):
            raise
        raise ValueError("holds a number too long to read (over 4,300 digits)") from None


def _json(text: str) -> Iterator[Record | BadRecord]:
    try:
        data = _load(text)
    except json.JSONDecodeError as exc:
        yield BadRecord("", f"not valid JSON ({exc.msg} at line {exc.lineno})")
        return
    except ValueError as exc:
        yield BadRecord("", str(exc))
        return
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, list):
        for i, obj in enumerate(data):
            yield record_from_object(obj, str(i))
    else:
        yield record_from_object(data, "")


def _jsonl(text: str) -> Iterator[Record | BadRecord]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = _load(line)
        except json.JSONDecodeError as exc:
            yield BadRecord(f"line {number}", f"not valid JSON ({exc.msg})")
            continue
        except ValueError as exc:
            yield BadRecord(f"line {number}", str(exc))
            continue
        yield record_from_object(obj, f"line {number}")
