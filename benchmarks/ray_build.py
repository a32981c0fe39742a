"""Build throughput on a local Ray cluster of 1 and 2 workers against a local build
(issue 10), on BBC news + the sample article.

    python benchmarks/ray_build.py [--sections business tech ...]

Each build is a full build into a fresh folder with the real model; the table gives
wall time, embedded passages per second, and whether the Ray index holds the same
passages as the local one. Needs the cluster extra (pip install -e '.[cluster]').
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import BBC, require  # noqa: E402

from qa import SentenceTransformerEmbedder, Settings, build_index  # noqa: E402
from qa.index.versions import open_current  # noqa: E402

SAMPLE = HERE.parent / "corpus" / "2026-01-30-jaishankar-gor.txt"


def passages(index: Path) -> list[tuple]:
    db = sqlite3.connect(open_current(index).path / "passages.sqlite")
    rows = db.execute('SELECT id, article_id, start, "end", text FROM passages ORDER BY id')
    out = rows.fetchall()
    db.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="*", help="BBC sections (default: all five)")
    args = parser.parse_args()
    require(BBC)
    import ray

    logging.getLogger("ray").setLevel(logging.ERROR)
    work = Path(tempfile.mkdtemp(prefix="qa-ray-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    for part in BBC.iterdir():
        if part.is_dir() and (not args.sections or part.name in args.sections):
            shutil.copytree(part, corpus / part.name)
    shutil.copy(SAMPLE, corpus)
    embedder = SentenceTransformerEmbedder()
    rows = []
    reference = None
    for workers in (0, 1, 2):  # 0: a local build
        settings = Settings(index_dir=work / f"index-{workers}")
        if workers:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR)
        started = time.perf_counter()
        report = build_index(corpus, settings=settings, embedder=embedder,
                             ray="local" if workers else None)
        wall = time.perf_counter() - started
        if workers:
            ray.shutdown()
        got = passages(settings.index_dir)
        reference = reference or got
        rows.append((f"Ray, {workers} worker{'s' * (workers > 1)}" if workers else "local",
                     report.embedded, wall, got == reference))
        print(f"  {rows[-1][0]}: {wall:.0f} s", flush=True)
    print("\n| build | passages | wall | passages/s | same passages as local |")
    print("|---|---|---|---|---|")
    for name, n, wall, same in rows:
        print(f"| {name} | {n:,} | {wall:.0f} s | {n / wall:.1f} | {'yes' if same else 'NO'} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
