"""Serving: the real app under many `gradio_client` users, one server and two replicas.

    .venv/bin/python benchmarks/serving.py [--index DIR] [--seconds 20] [--clients 16]
        [--concurrency N ...] [--skip-replicas]

Starts the app as a user would (`python app.py --index DIR --port P`) on the BBC news +
sample index (built into DIR first if it holds none; default /tmp/qa-reader-bbc/index,
shared with benchmarks/answer_latency.py), then measures over HTTP:

(a) sustained `/search` calls per second: ``--clients`` clients each asking back to back
    for ``--seconds``;
(b) 64 users x 3 questions: 64 clients ask at once, each its 3 questions one after
    another; p50 / p95 of each call and the errors;
(c) both again with 2 replicas: two app processes on the same index folder, on two
    ports, the clients split between them.

Every question is asked once (cold: no server has its query vector cached): the BBC dev
and benchmark questions, then the BBC headlines, then the headlines reworded. Clients
run in this process and share the machine's cores with the servers, as they would on a
load-testing laptop; the load average is printed with the table. With several
``--concurrency`` values (1 2 4 8 16) it measures (a) and (b) for each on one server:
the sweep behind ``Settings.concurrency``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from common import BBC, DEV_QUESTIONS, loadavg, require  # noqa: E402

SAMPLE = ROOT / "corpus" / "2026-01-30-jaishankar-gor.txt"
QUESTION_FILES = (DEV_QUESTIONS, HERE / "questions" / "answers.jsonl",
                  HERE / "questions" / "news.jsonl")
USERS, PER_USER = 64, 3


def ensure_index(index_dir: Path) -> None:
    """BBC news + the sample article, indexed with the real model, unless already there."""
    if (index_dir / "CURRENT").exists():
        return
    require(BBC, DEV_QUESTIONS)
    from qa import Settings, build_index

    corpus = index_dir.parent / "corpus"
    if not corpus.exists():
        shutil.copytree(BBC, corpus)
        shutil.copy(SAMPLE, corpus / SAMPLE.name)
    print(f"indexing {corpus} into {index_dir} (a few minutes) ...", flush=True)
    build_index(corpus, settings=Settings(index_dir=index_dir, corpus_dir=corpus))


def questions(index_dir: Path) -> Iterator[str]:
    """Distinct questions, never repeating: questions, headlines, reworded headlines."""
    asked = [json.loads(line)["question"] for path in QUESTION_FILES if path.exists()
             for line in path.read_text().splitlines() if line.strip()]
    current = (index_dir / "CURRENT").read_text().split()[0]
    db = sqlite3.connect(f"file:{index_dir / 'versions' / current / 'passages.sqlite'}?mode=ro",
                         uri=True)
    titles = [t for (t,) in db.execute("SELECT title FROM articles ORDER BY id") if t]
    db.close()
    templates = ("{}", "What happened: {}?", "Tell me about {}", "Why {}?", "Who is behind {}?")
    seen: set[str] = set()
    for text in itertools.chain(asked, (t.format(title) for t in templates for title in titles)):
        if text not in seen:
            seen.add(text)
            yield text


class Questions:
    """A thread-safe supply of distinct questions."""

    def __init__(self, index_dir: Path) -> None:
        self._it, self._lock = questions(index_dir), threading.Lock()

    def take(self, n: int = 1) -> list[str]:
        with self._lock:
            return list(itertools.islice(self._it, n))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python app.py` on ``index_dir`` and a free loopback port."""

    def __init__(self, index_dir: Path, logs: Path, concurrency: int | None) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}/"
        self.log = logs / f"server-{port}.log"
        extra = ["--concurrency", str(concurrency)] if concurrency else []
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "app.py"), "--index", str(index_dir),
                 "--corpus", str(index_dir.parent / "corpus"), "--port", str(port), *extra],
                cwd=logs, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the app exited:\n{self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.url, timeout=5)
                return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise SystemExit("the app did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _client(url: str):
    from gradio_client import Client

    return Client(url, verbose=False, analytics_enabled=False, download_files=False,
                  ssl_verify=False)  # plain http on loopback: no CA bundle per call


def _search(client, question: str) -> None:
    hits = client.predict(question, 5, "hybrid", "", "", "", api_name="/search")
    if not isinstance(hits, list):
        raise RuntimeError(f"unexpected answer {hits!r:.80}")


def _clients(urls: list[str], n: int) -> list:
    """``n`` connected clients, split over ``urls`` in turn."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(_client, [urls[i % len(urls)] for i in range(n)]))


def sustained(urls: list[str], supply: Questions, clients: int, seconds: float) -> dict:
    """(a) calls per second with ``clients`` asking back to back."""
    connected = _clients(urls, clients)
    done, errors = [0] * clients, [0] * clients
    _search(connected[0], supply.take()[0])  # the first call pays for lazy set-up
    started = time.perf_counter()
    stop_at = started + seconds

    def run(i: int) -> None:
        while time.perf_counter() < stop_at:
            (question,) = supply.take()
            try:
                _search(connected[i], question)
                done[i] += 1
            except Exception:  # noqa: BLE001 - counted, not raised
                errors[i] += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    elapsed = time.perf_counter() - started
    for client in connected:
        client.close()
    return {"per_s": sum(done) / elapsed, "calls": sum(done), "errors": sum(errors),
            "seconds": elapsed, "clients": clients}


def users(urls: list[str], supply: Questions) -> dict:
    """(b) 64 users at once, 3 distinct questions each, one after another."""
    connected = _clients(urls, USERS)
    asked = [supply.take(PER_USER) for _ in range(USERS)]
    waits: list[float] = []
    errors: list[str] = []
    gate = threading.Barrier(USERS)

    def run(i: int) -> None:
        gate.wait()
        for question in asked[i]:
            began = time.perf_counter()
            try:
                _search(connected[i], question)
                waits.append(time.perf_counter() - began)
            except Exception as exc:  # noqa: BLE001 - counted, not raised
                errors.append(repr(exc)[:200])

    started = time.perf_counter()
    with ThreadPoolExecutor(USERS) as pool:
        list(pool.map(run, range(USERS)))
    elapsed = time.perf_counter() - started
    for client in connected:
        client.close()
    ms = np.asarray(waits) * 1000 if waits else np.zeros(1)
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "errors": len(errors), "first_errors": errors[:3], "calls": len(waits),
            "seconds": elapsed}


def measure(urls: list[str], supply: Questions, args: argparse.Namespace) -> dict:
    return {"sustained": sustained(urls, supply, args.clients * len(urls), args.seconds),
            "users": users(urls, supply)}


def row(name: str, result: dict) -> str:
    s, u = result["sustained"], result["users"]
    return (f"| {name} | {s['per_s']:.1f} ({s['calls']} calls, {s['clients']} clients) "
            f"| {s['errors']} | {u['p50_ms'] / 1000:.2f} / {u['p95_ms'] / 1000:.2f} "
            f"| {u['errors']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-reader-bbc/index"),
                        help="index folder (holding CURRENT); built here if missing")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16,
                        help="clients per server for the sustained calls")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[],
                        help="measure one server at each of these concurrency limits")
    parser.add_argument("--skip-replicas", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("httpx", "gradio_client"):
        logging.getLogger(name).setLevel(logging.WARNING)
    index_dir = args.index.resolve()
    ensure_index(index_dir)
    supply = Questions(index_dir)
    logs = Path(tempfile.mkdtemp(prefix="qa-serving-"))
    start_load = loadavg()
    rows: list[tuple[str, dict]] = []
    try:
        for limit in args.concurrency:
            server = Server(index_dir, logs, limit)
            try:
                rows.append((f"1 server, concurrency {limit}", measure([server.url], supply, args)))
            finally:
                server.stop()
            print(row(*rows[-1]), flush=True)
        if not args.concurrency:
            first = Server(index_dir, logs, None)
            try:
                rows.append(("1 server", measure([first.url], supply, args)))
                print(row(*rows[-1]), flush=True)
                if not args.skip_replicas:
                    second = Server(index_dir, logs, None)
                    try:
                        rows.append(("2 replicas, clients split",
                                     measure([first.url, second.url], supply, args)))
                    finally:
                        second.stop()
            finally:
                first.stop()
        failed = [line for log in logs.glob("server-*.log")
                  for line in log.read_text().splitlines() if "Traceback" in line]
    finally:
        shutil.rmtree(logs, ignore_errors=True)
    print(f"\nServing `/search` on {index_dir} (k=5, hybrid, cold questions; load average "
          f"{start_load} at the start, {loadavg()} at the end)\n")
    print(f"| setup | (a) /search per second, {args.seconds:.0f} s | errors "
          f"| (b) {USERS} users x {PER_USER} questions, p50 / p95 s | errors |")
    print("|---|---|---|---|---|")
    for name, result in rows:
        print(row(name, result))
    for name, result in rows:
        if result["users"]["first_errors"]:
            print(f"\n{name}: first errors {result['users']['first_errors']}")
    if failed:
        print(f"\nserver logs hold {len(failed)} tracebacks")


if __name__ == "__main__":
    main()
