"""Saving articles uploaded through the web app into the corpus folder, safely.

Names are reduced to a plain file name (no folders, no dot files, no ``..``) that keeps
letters and digits of any script (``报告.txt``, ``Über.txt``). A file is only saved if it
would be indexed: a binary or empty upload is refused up front. An upload never replaces
a different file: a name already taken gets ``-2``, ``-3``... unless the bytes are the same.
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.corpus import Article, Skipped, read_file
from qa.ingest.formats import SUPPORTED
from qa.settings import Settings

UPLOAD_FOLDER = "uploads"
_DASHES = re.compile(r"-{2,}")
_NAME_BYTES = 180  # of the stem: the whole name, "-NN" and ".part" stay under 255 bytes
_MAX_COPIES = 1000
NO_LETTERS = "the file name has no letters or digits - rename it and upload again"


@dataclass(frozen=True)
class UploadResult:
    saved: tuple[str, ...]  # corpus-relative paths written
    refused: tuple[Skipped, ...]  # by original file name, with the reason


def _kept(ch: str) -> bool:
    # Letters, digits and combining marks of any script; every other character (path
    # separators, controls, bidi overrides, shell and Markdown punctuation) becomes "-".
    return ch in "._-" or unicodedata.category(ch)[0] in "LNM"


def _split(name: str) -> tuple[str, str]:
    """``(stem, suffix)`` of the plain file name in ``name``, NFC-normalised."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    return (stem, suffix.lower()) if dot else (base, "")


def safe_name(name: str) -> str | None:
    """A harmless file name for ``name`` keeping its extension, or None if nothing is left."""
    stem, suffix = _split(name)
    if f".{suffix}" not in SUPPORTED:
        return None
    stem = _DASHES.sub("-", "".join(ch if _kept(ch) else "-" for ch in stem)).strip(".-_")
    stem = stem.encode()[:_NAME_BYTES].decode("utf-8", "ignore")  # never half a character
    if not any(ch.isalnum() for ch in stem):
        return None
    return f"{stem}.{suffix}"


def _refusal(name: str) -> str:
    """Why ``safe_name(name)`` gave nothing."""
    suffix = _split(name)[1]
    if f".{suffix}" in SUPPORTED:
        return NO_LETTERS
    kinds = ", ".join(sorted(SUPPORTED))
    return f"unsupported file type {'.' + suffix if suffix else '(none)'} - upload one of {kinds}"


def _place(tmp: Path, folder: Path, name: str) -> str:
    """Move ``tmp`` into ``folder`` as ``name``, or ``name-2``... if another file has it.

    ``os.link`` fails when the name exists, so two uploads at once cannot both take it.
    """
    stem, _, suffix = name.rpartition(".")
    for n in range(1, _MAX_COPIES + 1):
        candidate = name if n == 1 else f"{stem}-{n}.{suffix}"
        destination = folder / candidate
        if destination.is_file() and filecmp.cmp(destination, tmp, shallow=False):
            tmp.unlink()  # the same bytes again: nothing to change
            return candidate
        try:
            os.link(tmp, destination)
        except FileExistsError:
            continue
        tmp.unlink()
        return candidate
    tmp.unlink()
    raise FileExistsError(f"{_MAX_COPIES} uploads are already called {name}")


def save_uploads(files: list[tuple[Path, str]], settings: Settings) -> UploadResult:
    """Copy each ``(temporary path, original name)`` into ``corpus/uploads/``.

    An upload never replaces a different file: a taken name gets a ``-2``... suffix.
    """
    target_dir = settings.corpus_dir / UPLOAD_FOLDER
    saved: list[str] = []
    refused: list[Skipped] = []
    for path, original in files:
        display = original.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
        name = safe_name(original)
        if name is None:
            refused.append(Skipped(display, _refusal(original)))
            continue
        size = path.stat().st_size
        if size > settings.max_upload_bytes:
            limit = settings.max_upload_bytes / 2**20
            refused.append(Skipped(display, f"file is {size / 2**20:.1f} MB, over the "
                                            f"{limit:g} MB upload limit"))
            continue
        items = list(read_file(path, name, settings))
        if not any(isinstance(item, Article) for item in items):
            reason = items[0].reason if items else "no article found"  # type: ignore[union-attr]
            refused.append(Skipped(display, reason))
            continue
        target_dir.mkdir(parents=True, exist_ok=True)
        tmp = target_dir / f".{name}.{os.getpid()}.part"
        shutil.copyfile(path, tmp)  # the corpus never holds a half-copied file
        try:
            saved.append(f"{UPLOAD_FOLDER}/{_place(tmp, target_dir, name)}")
        except FileExistsError as exc:
            refused.append(Skipped(display, f"{exc} - rename it and upload again"))
    return UploadResult(tuple(saved), tuple(refused))
