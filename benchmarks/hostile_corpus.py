"""A corpus of hostile and careless files (issue 12), built with the real product.

Writes every bad-file kind the build must survive - parser bombs, undecodable names,
names that forge report lines, wide encodings, twins, partial dates, paths past
PATH_MAX, a FIFO, a file still being written, a sparse 50 MB file, thousands of similar
short records - beside good files, then runs ``build_index`` three times: the first build,
an unchanged rebuild (nothing may flip), and a rebuild with a file and a folder made
unreadable (their articles must stay). Prints one line per file: indexed or skipped and
why. Fails (exit 1) on any aborted build or any file neither indexed nor reported.

Run: ``python benchmarks/hostile_corpus.py [--real] [--keep DIR]``. By default passages
are embedded with the fast fake embedder from ``tests/fakes.py`` (the model is not the
point here); ``--real`` uses the bundled all-MiniLM-L6-v2.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from qa import Settings, build_index  # noqa: E402
from qa.ingest.shown_names import shown  # noqa: E402

GOOD = "Harbour reopens\n\nThe harbour reopened on {day} after the storm, officials said.\n"


def write_corpus(corpus: Path) -> None:
    """Every kind of file, good and bad, under ``corpus``."""
    corpus.mkdir(parents=True)
    w = lambda name, data: (corpus / name).write_bytes(  # noqa: E731
        data if isinstance(data, bytes) else data.encode())
    w("good.txt", GOOD.format(day="Monday"))
    w("good.md", "# Storm hits coast\n\nWinds of 100mph were recorded on Tuesday.\n")
    w("good.html", "<html><head><title>Hero</title></head><body><article><h1>Hero saves city"
                   "</h1><p>A caped hero saved the city on Tuesday, officials said.</p>"
                   "<p>The mayor thanked him.</p></article></body></html>")
    w("good.json", json.dumps([{"id": "a", "title": "Rates held", "text": "The bank held rates."},
                               {"id": "b", "text": "Rovers won the cup final on Saturday."}]))
    w("empty.txt", "")
    w("blank.txt", "  \n\t\n")
    w("binary.txt", bytes(range(256)) * 64)
    w("png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(4000))
    w("nul-and-controls.txt", b"Vote held\n\nThe vote\x00 was held\x07 on Monday.\x1b And it "
                              b"passed with a large majority after a long debate.\r\nNext line.")
    w("invalid.json", '{"title": "x", "text": ')
    w("deep.json", "[" * 100_000 + "]" * 100_000)
    w("deep.jsonl", '{"id": "ok", "text": "A fine record about a bridge."}\n'
                    + "[" * 100_000 + "]" * 100_000 + "\n")
    w("bigint.json", '{"text": "Story", "views": ' + "9" * 5000 + "}")
    w("punctuation.txt", "!!! ... ???\n--- *** ;;; ...\n")
    w("utf16.txt", "Café reopens\n\nThe café in São Paulo reopened.".encode("utf-16"))
    w("utf32.txt", "Museum opens\n\nThe museum in Zürich opened its doors.".encode("utf-32"))
    w("entities.txt", "Rates &amp; prices\n\nPrices in S&#227;o Paulo rose &#x2014; said AT&T.\n")
    w("partial-date.jsonl", '{"id": "1", "text": "Story at half past ten.", "time": "10:30"}\n')
    w("twin-ids.json", json.dumps([{"id": "7", "text": "The first twin is kept."},
                                   {"id": "7", "text": "The second twin is reported."}]))
    w("evil\nadded    forged.txt", GOOD.format(day="Wednesday"))
    w("\u202etxt.exe.txt", GOOD.format(day="Thursday"))
    w(".hidden.txt", GOOD.format(day="Friday"))
    w("notes.docx", b"PK\x03\x04")
    w("run-on.txt", " ".join(random.Random(1).choice(
        "supercalifragilistic 9.4bn £5m Zürich 日本 minister said trade , ;".split())
        for _ in range(100_000)))
    w("duplicate-of-good.txt", GOOD.format(day="Monday"))
    with (corpus / "huge.txt").open("wb") as fh:
        fh.truncate(50 * 2**20)  # sparse: 50 MB on paper
    fd = os.open(os.path.join(os.fsencode(corpus), b"caf\xe9.txt"), os.O_WRONLY | os.O_CREAT)
    os.write(fd, GOOD.format(day="Saturday").encode())
    os.close(fd)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "folder.txt").mkdir()
    (corpus / ".git").mkdir()
    (corpus / ".git" / "config.txt").write_text(GOOD.format(day="Sunday"))
    outside = corpus.parent / "secret.txt"
    outside.write_text("Secret\n\nThe password is hunter2.")
    os.symlink(outside, corpus / "link-outside.txt")
    (corpus / "locked").mkdir()
    (corpus / "locked" / "inside.txt").write_text("Bridge shut\n\nThe old bridge shut.\n")
    w("locked-file.txt", "Bakery opens\n\nA bakery opened on Friday in town.\n")
    rng = random.Random(0)
    w("similar-blurbs.jsonl", "\n".join(json.dumps({
        "id": str(i), "text": f"Police in {rng.choice(['Leeds', 'York', 'Hull'])} said "
                              f"{rng.randint(1, 10**6)} people were hurt in a fire on Monday "
                              "evening near the old railway station."}) for i in range(3000)))
    fd = os.open(corpus, os.O_RDONLY)
    try:  # past PATH_MAX: built relative to open folders
        for _ in range(24):
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        deep = os.open("story.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(deep, GOOD.format(day="Sunday").encode())
        os.close(deep)
    finally:
        os.close(fd)


def _growing(path: Path, stop: threading.Event) -> None:
    """A live blog still being written during the build."""
    with path.open("a") as fh:
        fh.write("Live blog\n\nThe first update arrived at noon.")
        while not stop.is_set():
            fh.write(" Another update.")
            fh.flush()
            time.sleep(0.0005)


def _unreadable(corpus: Path) -> tuple[list[Path], object]:
    """Make ``locked-file.txt`` and ``locked/`` unreadable. ``chmod 000`` when not root;
    as root (which reads anything) by refusing them in ``Path.open`` / ``os.scandir``."""
    targets = [corpus / "locked-file.txt", corpus / "locked"]
    if os.geteuid() != 0:
        for t in targets:
            t.chmod(0)
        return targets, lambda: [t.chmod(0o755) for t in targets]
    real_open, real_scandir = Path.open, os.scandir

    def open_(self: Path, *a, **k):
        if self in targets:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *a, **k)

    def scandir(path=".", *a):
        if not isinstance(path, int) and Path(os.fsdecode(path)) in targets:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real_scandir(path, *a)

    Path.open, os.scandir = open_, scandir  # type: ignore[method-assign]

    def undo() -> None:
        Path.open, os.scandir = real_open, real_scandir  # type: ignore[method-assign]

    return targets, undo


def _table(report, corpus: Path) -> tuple[int, int]:
    by_file: dict[str, list[str]] = defaultdict(list)
    indexed: dict[str, int] = defaultdict(int)
    for article_id in (*report.added, *report.updated):
        indexed[article_id.split("#")[0]] += 1
    for skip in report.skipped:
        by_file[skip.id.split("#")[0]].append(
            f"skipped: {shown(skip.reason)}" + (f"  [{shown(skip.id)}]" if "#" in skip.id else ""))
    names = sorted(set(indexed) | set(by_file))
    width = min(max(len(shown(n)) for n in names), 48)
    print(f"{'file':<{width}}  outcome")
    for name in names:
        label = shown(name) if len(shown(name)) <= width else shown(name)[: width - 1] + "…"
        lines = [f"indexed ({indexed[name]} article{'s' if indexed[name] > 1 else ''})"] \
            if indexed[name] else []
        lines += by_file[name][:3] + ([f"... {len(by_file[name]) - 3} more skip lines"]
                                      if len(by_file[name]) > 3 else [])
        for i, line in enumerate(lines):
            print(f"{label if i == 0 else '':<{width}}  {line}")
    return len([n for n in names if indexed[n]]), len([n for n in names if not indexed[n]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--real", action="store_true", help="embed with the real model")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    corpus, settings = base / "corpus", Settings(index_dir=base / "index",
                                                 corpus_dir=base / "corpus")
    write_corpus(corpus)
    if args.real:
        from qa import SentenceTransformerEmbedder
        embedder = SentenceTransformerEmbedder(settings)
    else:
        from fakes import FakeEmbedder
        embedder = FakeEmbedder()
    print(f"corpus: {corpus}  embedder: {embedder.name}")
    aborted = 0
    stop = threading.Event()
    writer = threading.Thread(target=_growing, args=(corpus / "live-blog.txt", stop))
    writer.start()
    try:
        started = time.perf_counter()
        first = build_index(corpus, settings=settings, embedder=embedder)
        print(f"\nbuild 1: {first.summary()} ({time.perf_counter() - started:.1f}s)\n")
        files_indexed, files_skipped = _table(first, corpus)
    except Exception as exc:  # noqa: BLE001 - counting aborted builds is the point
        aborted += 1
        print(f"build 1 ABORTED: {type(exc).__name__}: {exc}")
        files_indexed = files_skipped = 0
    finally:
        stop.set()
        writer.join()
    (corpus / "live-blog.txt").unlink()  # finished writing: leave build 2 a settled corpus
    checks: list[tuple[str, bool]] = []
    try:
        second = build_index(corpus, settings=settings, embedder=embedder)
        checks.append(("build 2 (unchanged): nothing updated", not second.updated))
        targets, undo = _unreadable(corpus)
        try:
            third = build_index(corpus, settings=settings, embedder=embedder)
        finally:
            undo()  # type: ignore[operator]
        kept = {s.id for s in third.skipped if s.keep}
        checks.append(("build 3 (unreadable file + folder): nothing removed", not third.removed))
        checks.append(("build 3: both reported as kept", kept >= {"locked-file.txt", "locked"}))
    except Exception as exc:  # noqa: BLE001
        aborted += 1
        print(f"rebuild ABORTED: {type(exc).__name__}: {exc}")
    print(f"\nfiles/folders indexed: {files_indexed}   skipped with a reason: {files_skipped}")
    for label, ok in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {label}")
    print(f"aborted builds: {aborted}")
    if not args.keep:
        shutil.rmtree(base)
    return 0 if aborted == 0 and all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
