"""200 SIGKILLs aimed at every phase of a build: prints where each landed and how many
left a damaged or mixed index (the suite runs a shorter version of the same rounds).

    .venv/bin/python benchmarks/kill.py [--kills 200]

Uses the BBC articles kept in tests/data and the tests' fast fake embedder: what is
measured is the index on disk, not the model.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from fakes import FakeEmbedder  # noqa: E402
from killing import kill_rounds  # noqa: E402
from test_store import bbc_sample  # noqa: E402

from qa import Settings, build_index  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    args = parser.parse_args()
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="qa-kill-"))
    old, new, index = work / "old", work / "new", work / "index"
    expected = (bbc_sample(old, 0, 12), bbc_sample(new, 6, 12))
    fake = FakeEmbedder()
    build_index(old, settings=Settings(index_dir=index), embedder=fake)
    started = time.perf_counter()
    report = kill_rounds(index, (old, new), expected, fake, kills=args.kills,
                         finish_every=10)
    print(f"\n{args.kills} kills in {time.perf_counter() - started:.0f} s ({work})\n")
    print(report.table())
    for problem in report.problems:
        print("problem:", problem)
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
