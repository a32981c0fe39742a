"""What a chat user waits for: retrieval + reader, one user and 16 at once. Prints a table.

    .venv/bin/python benchmarks/answer_latency.py [--index DIR]

Indexes BBC news + the sample article with the real model into DIR (reused by later
runs, shared with benchmarks/fit_reader.py). One user: `qa.answer.compose.answer` in process for
every distinct question of the dev set and benchmarks/questions/answers.jsonl, each asked
once (cold: no cached query vector). Many users: the real app (`python app.py`) on that
index, and 16 `gradio_client` users calling `/answer` at once, 3 rounds, distinct
questions.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from common import BBC, DEV_QUESTIONS, loadavg, require  # noqa: E402
from fit_reader import QUESTIONS, index  # noqa: E402

from qa.answer.compose import answer  # noqa: E402


def _questions() -> list[str]:
    rows = [json.loads(line) for path in (DEV_QUESTIONS, QUESTIONS / "answers.jsonl")
            for line in path.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(r["question"] for r in rows))


def _ms(values: list[float]) -> str:
    a = np.asarray(values) * 1000
    return f"{np.percentile(a, 50):.0f} / {np.percentile(a, 95):.0f}"


def _serve(index_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QA_INDEX": str(index_dir), "PYTHONPATH": str(HERE.parent)}
    proc = subprocess.Popen([sys.executable, str(HERE.parent / "app.py"), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(240):
        try:
            urllib.request.urlopen(url, timeout=5)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-reader-bbc"))
    args = parser.parse_args()
    require(BBC, DEV_QUESTIONS)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    retriever = index(args.index)
    questions = _questions()
    answer(retriever, "warm up the model")  # the first call pays for lazy set-up
    single = []
    for q in questions:
        started = time.perf_counter()
        answer(retriever, q)
        single.append(time.perf_counter() - started)
    rows = [("one user, `answer()` in process, cold queries (target p50 <= 250 ms)",
             f"{_ms(single)} ms over {len(single)} questions")]
    from gradio_client import Client

    proc, url = _serve(args.index / "index")
    try:
        def one(question: str) -> float:
            client = Client(url, verbose=False)
            started = time.perf_counter()
            client.predict(question, 5, "hybrid", "", "", "", api_name="/answer")
            return time.perf_counter() - started

        waits: list[float] = []
        for round_ in range(3):
            batch = questions[16 * round_ : 16 * round_ + 16]  # 48 distinct questions
            with ThreadPoolExecutor(16) as pool:
                waits += list(pool.map(one, batch))
        rows.append(("16 users at once over HTTP (`/answer`), 3 rounds (target p95 <= 1.5 s)",
                     f"{_ms(waits)} ms over {len(waits)} calls"))
    finally:
        proc.terminate()
        proc.wait(20)
    print(f"\nChat answer latency (load average {loadavg()})\n")
    print("| measure | p50 / p95 |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
