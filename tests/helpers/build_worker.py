"""Run one build with the fake embedder in its own process (for kill and lock tests).

usage: python build_worker.py CORPUS INDEX [PAUSE]

Prints ``phase NAME`` as the build enters each phase, then pauses ``PAUSE`` seconds
there, so a test can aim a SIGKILL at a phase and tell afterwards where it landed:
``embedding`` (vectors being computed), ``writing`` (commit: BM25, vectors and table
being written; the pause comes after the vector file is written), ``renamed`` (the
version folder renamed into place, CURRENT not yet switched) and ``switched`` (CURRENT
replaced; old versions being deleted). The hooks wrap the library's own calls in this
process only; nothing in the library knows about them.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for helpers

from qa import Settings, build_index  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.index import writer

from helpers.fakes import FakeEmbedder  # noqa: E402

PAUSE = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0


def phase(name: str) -> None:
    print(f"phase {name}", flush=True)
    time.sleep(PAUSE)


class SlowFake(FakeEmbedder):
    def embed_documents(self, texts):
        phase("embedding")
        return super().embed_documents(texts)


def _hook() -> None:
    commit, write = writer.IndexWriter.commit, writer.vector_store.update
    rename, replace = os.rename, os.replace

    def commit_(self, **kwargs):
        print("phase writing", flush=True)
        return commit(self, **kwargs)

    def write_(*args, **kwargs):
        done = write(*args, **kwargs)
        time.sleep(PAUSE)  # files partly written: the vectors, not yet BM25 or the manifest
        return done

    def rename_(src, dst, *args, **kwargs):
        rename(src, dst, *args, **kwargs)
        if Path(src).name.startswith(".tmp-"):
            phase("renamed")

    def replace_(src, dst, *args, **kwargs):
        replace(src, dst, *args, **kwargs)
        if Path(dst).name == "CURRENT":
            phase("switched")

    writer.IndexWriter.commit = commit_
    writer.vector_store.update = write_
    os.rename, os.replace = rename_, replace_


if __name__ == "__main__":
    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    _hook()
    print("ready", flush=True)
    try:
        report = build_index(corpus, settings=Settings(index_dir=index), embedder=SlowFake())
    except QAError as exc:
        print(f"error: {exc}", flush=True)
        sys.exit(3)
    print(f"done {report.summary()}", flush=True)
