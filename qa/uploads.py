"""Saving articles uploaded through the web app into the corpus folder, safely.

Names are reduced to a plain file name (no folders, no dot files, no ``..``), and a file
is only saved if it would be indexed: a binary or empty upload is refused up front.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .formats import SUPPORTED
from .ingest import Article, Skipped, read_file
from .settings import Settings

UPLOAD_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._]+(?:-[^A-Za-z0-9._]*)*|-{2,}")


@dataclass(frozen=True)
class UploadResult:
    saved: tuple[str, ...]  # corpus-relative paths written
    refused: tuple[Skipped, ...]  # by original file name, with the reason


def safe_name(name: str) -> str | None:
    """A harmless file name for ``name`` keeping its extension, or None if nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        return None
    stem = _UNSAFE.sub("-", stem).strip(".-_")[:80]
    suffix = suffix.lower()
    return f"{stem}.{suffix}" if stem and f".{suffix}" in SUPPORTED else None


def save_uploads(files: list[tuple[Path, str]], settings: Settings) -> UploadResult:
    """Copy each ``(temporary path, original name)`` into ``corpus/uploads/``.

    An upload with the name of an earlier one replaces it (the article is then updated).
    """
    target_dir = settings.corpus_dir / UPLOAD_FOLDER
    saved: list[str] = []
    refused: list[Skipped] = []
    for path, original in files:
        display = original.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
        name = safe_name(original)
        if name is None:
            kinds = ", ".join(sorted(SUPPORTED))
            refused.append(Skipped(display, f"unsupported file type - upload one of {kinds}"))
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
        destination = target_dir / name
        tmp = destination.with_name(f".{name}.part")
        shutil.copyfile(path, tmp)
        tmp.replace(destination)  # the corpus never holds a half-copied file
        saved.append(f"{UPLOAD_FOLDER}/{name}")
    return UploadResult(tuple(saved), tuple(refused))
