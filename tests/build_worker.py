"""Run one build with the fake embedder in its own process (for kill and lock tests).

usage: python build_worker.py CORPUS INDEX [SLEEP_PER_CHUNK]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder  # noqa: E402

from qa import Settings, build_index  # noqa: E402
from qa.errors import QAError  # noqa: E402


class SlowFake(FakeEmbedder):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def embed_documents(self, texts):
        time.sleep(self.delay)
        return super().embed_documents(texts)


if __name__ == "__main__":
    corpus, index = Path(sys.argv[1]), Path(sys.argv[2])
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    print("ready", flush=True)
    try:
        report = build_index(corpus, settings=Settings(index_dir=index), embedder=SlowFake(delay))
    except QAError as exc:
        print(f"error: {exc}", flush=True)
        sys.exit(3)
    print(report.summary(), flush=True)
