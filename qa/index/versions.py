"""The index folder's version protocol: version directories, the CURRENT pointer, the
manifest, publishing a new version atomically and deleting old ones.

    index/
      CURRENT                  "<version> <sha256 of its manifest.json>"
      .lock                    held by the one writer
      versions/<version>/      manifest.json and the files it lists with their sha256

Version names are ``v<8-digit sequence>-<UTC time>-<random>``: they sort in build order, so old
versions are found by name, not by directory times. Publishing renames a complete,
fsynced directory into ``versions/`` and only then replaces CURRENT (``os.replace`` is
atomic): a reader sees the old version or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from qa.embed.model import sha256_file
from qa.errors import IndexCorrupt, IndexMismatch, IndexNotFound

log = logging.getLogger(__name__)

FORMAT = 4  # 2: quotes, dated mentions and entities; 3: keyword segments; 4: vector changes
READABLE = (3, 4)  # a format-3 version is a format-4 one whose vectors have no changes
POINTER = "CURRENT"
MANIFEST = "manifest.json"
BM25 = "bm25"  # the keyword index folder (segments, see qa.index.keyword.bm25)
_NAME = re.compile(r"^v(\d{8})-")


@dataclass(frozen=True)
class Version:
    """One published index version: its folder and its manifest."""

    path: Path
    manifest: dict

    @property
    def name(self) -> str:
        return self.path.name


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_pointer(index_dir: Path) -> tuple[str, str]:
    """``(version name, manifest sha256)`` that CURRENT holds."""
    try:
        name, digest = (index_dir / POINTER).read_text().split()
    except FileNotFoundError:
        raise IndexNotFound(index_dir) from None
    except (ValueError, UnicodeDecodeError):
        raise IndexCorrupt(index_dir, f"{POINTER} is unreadable") from None
    return name, digest


def current_name(index_dir: Path) -> str | None:
    """Name of the version CURRENT points to (cheap: for noticing a rebuild)."""
    try:
        return read_pointer(index_dir)[0]
    except (IndexNotFound, IndexCorrupt):
        return None


def verify(index_dir: Path, version: Version, *, trust_unchanged: bool = False) -> None:
    """Check every file of ``version`` against the manifest's sha256 sums.

    ``trust_unchanged`` (for a writer building on the version) skips files whose size and
    modification time are still those the manifest recorded when they were written: a
    writer only links them, and re-reading gigabytes of them made adding one article cost
    as much as the archive. Readers, which load every byte, check every file.
    """
    stats = version.manifest.get("stats", {}) if trust_unchanged else {}
    for rel, expected in version.manifest["files"].items():
        file = version.path / rel
        try:
            if rel in stats and stamp(file) == stats[rel]:
                continue
            actual = sha256_file(file)
        except FileNotFoundError:
            raise IndexCorrupt(index_dir, f"{rel} is missing") from None
        if actual != expected:
            raise IndexCorrupt(index_dir, f"{rel} fails its checksum")


def stamp(file: Path) -> list[int]:
    """``[size, modification time in ns]``: what shows a file was written again. (Not the
    change time, as for corpus files: linking a file into the next version changes it.)"""
    st = file.stat()
    return [st.st_size, st.st_mtime_ns]


def open_current(index_dir: Path, *, check_files: bool = True,
                 trust_unchanged: bool = False) -> Version:
    """The version CURRENT points to, with its manifest checked against the pointer and
    (unless ``check_files`` is False) every file against the manifest (see :func:`verify`
    for ``trust_unchanged``)."""
    name, digest = read_pointer(index_dir)
    path = index_dir / "versions" / name
    try:
        raw = (path / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise IndexCorrupt(index_dir, f"version {name} is missing") from None
    if sha256_bytes(raw) != digest:
        raise IndexCorrupt(index_dir, f"{MANIFEST} fails its checksum")
    manifest = json.loads(raw)
    if manifest.get("format") not in READABLE:
        raise IndexMismatch(
            f"the index at {index_dir}/ has format {manifest.get('format')}, this version of qa "
            f"reads format {FORMAT} - rebuild it with `qa index --full`"
        )
    version = Version(path, manifest)
    if check_files:
        verify(index_dir, version, trust_unchanged=trust_unchanged)
    return version


def _sequence(name: str) -> int:
    """Build number of a version name; -1 for names of an older naming scheme."""
    match = _NAME.match(name)
    return int(match.group(1)) if match else -1


def published(index_dir: Path) -> list[str]:
    """Names of the complete version folders, oldest first."""
    folder = index_dir / "versions"
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(names, key=lambda n: (_sequence(n), n))


def next_name(index_dir: Path) -> str:
    """A name that sorts after every existing version (call under the writer lock)."""
    seq = max((_sequence(n) for n in published(index_dir)), default=0) + 1
    return f"v{seq:08d}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


def fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, tmp: Path, manifest: dict) -> Version:
    """Write ``manifest`` into the finished folder ``tmp``, fsync it, rename it into place
    and switch CURRENT to it. A crash before the switch leaves the old version current."""
    raw = json.dumps(manifest, indent=2).encode()
    (tmp / MANIFEST).write_bytes(raw)
    fsync_tree(tmp)
    final = tmp.parent / next_name(index_dir)
    os.rename(tmp, final)
    fsync_dir(final.parent)
    pointer_tmp = index_dir / f"{POINTER}.tmp"
    with pointer_tmp.open("w") as fh:
        fh.write(f"{final.name} {sha256_bytes(raw)}\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, index_dir / POINTER)
    fsync_dir(index_dir)
    return Version(final, manifest)


def remove_orphans(index_dir: Path) -> None:
    """Delete unfinished folders and versions published after CURRENT by a build that
    died before switching the pointer (never served; call under the writer lock)."""
    folder = index_dir / "versions"
    for leftover in folder.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    current = current_name(index_dir)
    if current is None:
        return
    for name in published(index_dir):
        if _sequence(name) > _sequence(current):
            log.info("removing version %s, published but never switched to", name)
            shutil.rmtree(folder / name, ignore_errors=True)


def collect(index_dir: Path, current: str, keep: int) -> None:
    """Delete old versions, keeping the ``keep`` newest before ``current`` for readers
    that may still be opening them."""
    older = [n for n in published(index_dir) if n != current
             and (_sequence(n), n) < (_sequence(current), current)]
    for name in older[: max(0, len(older) - keep)]:
        shutil.rmtree(index_dir / "versions" / name, ignore_errors=True)
