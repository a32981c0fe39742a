"""What reading quotes, dates and entities at ingest costs (issue 11): the BBC corpus
built twice with the real model, once as shipped and once with that stage switched off.

    python benchmarks/ingest_cost.py

Prints both build times, the annotation stage's own time, and the rows it stored.
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BBC, require  # noqa: E402

from qa import SentenceTransformerEmbedder, Settings, build_index  # noqa: E402
from qa.index import build
from qa.index.versions import open_current  # noqa: E402
from qa.news.annotate import Annotations, annotate  # noqa: E402


def timed_build(corpus: Path, embedder, on: bool) -> tuple[float, float, dict]:
    spent = [0.0]

    def measured(article):
        started = time.perf_counter()
        notes = annotate(article) if on else Annotations((), (), ())
        spent[0] += time.perf_counter() - started
        return notes

    build.annotate = measured  # the build's own reference to the stage
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        started = time.perf_counter()
        build_index(corpus, settings=settings, embedder=embedder)
        seconds = time.perf_counter() - started
        version = open_current(settings.index_dir)
        with sqlite3.connect(version.path / "passages.sqlite") as db:
            rows = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("quotes", "mentions", "entities")}
    return seconds, spent[0], rows


def main() -> None:
    require(BBC)
    embedder = SentenceTransformerEmbedder()
    embedder.embed_documents(["warm up"])
    off, _, _ = timed_build(BBC, embedder, on=False)
    on, stage, rows = timed_build(BBC, embedder, on=True)
    print(f"{'build of BBC news (2,095 files)':34}{'seconds':>9}")
    print(f"{'without quotes/dates/entities':34}{off:>9.1f}")
    print(f"{'with them (as shipped)':34}{on:>9.1f}   {100 * (on - off) / off:+.1f}%")
    print(f"{'  of which the stage itself':34}{stage:>9.1f}   {100 * stage / off:+.1f}% "
          f"of the plain build")
    print(f"stored: {rows['quotes']} quotes, {rows['mentions']} dated mentions, "
          f"{rows['entities']} entity rows")


if __name__ == "__main__":
    main()
