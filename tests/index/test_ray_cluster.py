"""Builds on a local Ray cluster of 2 worker processes (the ``cluster`` extra), with the
real model: the same index as a local build, only changed articles sent to the
workers, and a worker killed mid-build retried by Ray."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from qa import Settings, build_index
from qa.index.vectors import faiss_index
from qa.index.vectors import store as vector_store
from qa.index.versions import open_current

from helpers.data import BBC, SEED


def test_the_product_never_imports_ray() -> None:
    """A plain install has no Ray: the app, CLI, builds and search must not need it."""
    code = ("import importlib, pkgutil, sys, qa\n"
            "for m in pkgutil.walk_packages(qa.__path__, 'qa.'):\n"
            "    if m.name not in ('qa.__main__', 'qa.index.ray_cluster'):\n"
            "        importlib.import_module(m.name)\n"
            "assert 'ray' not in sys.modules, 'ray imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture(scope="module")
def cluster():
    """One local cluster of 2 CPUs for the module: builds join it instead of starting
    their own (startup costs seconds)."""
    ray = pytest.importorskip("ray", reason="the cluster extra: pip install -e '.[cluster]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _corpus(folder: Path, sections: tuple[str, ...] = ("tech",)) -> Path:
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    for section in sections:
        shutil.copytree(BBC / section, folder / section)
    return folder


def _contents(index_dir: Path) -> tuple[dict[int, tuple], dict[int, np.ndarray]]:
    """Every passage (id -> article, place, offsets, text) and its vector."""
    version = open_current(index_dir)
    db = sqlite3.connect(version.path / "passages.sqlite")
    rows = {pid: rest for pid, *rest in db.execute(
        'SELECT id, article_id, seq, start, "end", text FROM passages ORDER BY id')}
    db.close()
    ids, vecs = faiss_index.all_vectors(vector_store.load(version.path))
    return rows, dict(zip(ids.tolist(), vecs))


def _same_index(a: Path, b: Path) -> None:
    rows_a, vecs_a = _contents(a)
    rows_b, vecs_b = _contents(b)
    assert rows_a == rows_b  # same passages under the same ids
    assert vecs_a.keys() == vecs_b.keys() == rows_a.keys()
    cos = [float(vecs_a[i] @ vecs_b[i]) for i in rows_a]
    assert min(cos) > 0.999  # bf16 batches of other sizes round a little differently


def test_ray_build_is_the_local_build_and_sends_only_what_changed(
        tmp_path: Path, cluster, real_embedder) -> None:
    """BBC + sample: the in-repo BBC subset (all five sections) and the sample article."""
    sections = tuple(sorted(p.name for p in BBC.iterdir() if p.is_dir()))
    corpus = _corpus(tmp_path / "corpus", sections)
    local, remote = Settings(index_dir=tmp_path / "local"), Settings(index_dir=tmp_path / "ray")
    build_index(corpus, settings=local, embedder=real_embedder)
    report = build_index(corpus, settings=remote, embedder=real_embedder, ray="local")
    assert len(sections) == 5 and len(report.added) == len(list(corpus.rglob("*.txt")))
    assert report.embedded > 400
    _same_index(local.index_dir, remote.index_dir)

    # An edit and a new article: only their new passages go to the workers.
    edited = sorted((corpus / "tech").glob("*.txt"))[0]
    edited.write_text(edited.read_text() + "\n\nA late paragraph about quantum batteries.\n")
    (corpus / "new-story.txt").write_text(
        "Harbour reopens\n\nThe harbour at Stromness reopened on Monday after storm repairs.")
    first = build_index(corpus, settings=local, embedder=real_embedder)
    again = build_index(corpus, settings=remote, embedder=real_embedder, ray="local")
    assert (again.added, again.updated) == (first.added, first.updated) == (
        ("new-story.txt",), (f"tech/{edited.name}",))
    assert again.embedded == first.embedded < 10
    _same_index(local.index_dir, remote.index_dir)


def _embed_workers() -> dict[int, str]:
    """``{pid: process title}`` of the Ray actors embedding (``MapWorker(MapBatches(_Embed))``).
    Ray titles an actor ``ray::MapWorker(...)`` while idle and adds the method it runs
    (``ray::MapWorker(...).submit``) while it works on a batch."""
    found = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if cmd.startswith("ray::") and "_Embed" in cmd:
                found[int(pid)] = cmd.strip("\0 ")
    return found


def _busy(title: str) -> bool:
    """An embedding actor running a batch (not idle, not loading the model)."""
    method = title.rpartition(")")[2]
    return method.startswith(".") and method != ".__init__"


class _Watch(threading.Thread):
    """Notes every embedding actor seen running a batch, until ``stop`` is set."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.busy: set[int] = set()

    def run(self) -> None:
        while not self.stop.is_set():
            self.busy.update(pid for pid, title in _embed_workers().items() if _busy(title))
            self.stop.wait(0.02)


def test_a_worker_killed_mid_build_is_retried(tmp_path: Path, cluster, real_embedder) -> None:
    """SIGKILL an embedding actor while it works on a batch: Ray restarts it, the lost
    batch is done again, and the index is the one a local build makes."""
    corpus = _corpus(tmp_path / "corpus", ("tech", "business"))
    local, remote = Settings(index_dir=tmp_path / "local"), Settings(index_dir=tmp_path / "ray")
    build_index(corpus, settings=local, embedder=real_embedder)
    done: list = []
    build = threading.Thread(target=lambda: done.append(build_index(
        corpus, settings=remote, embedder=real_embedder, ray="local")))
    build.start()
    victim = None
    while victim is None and build.is_alive():  # until an actor works on a batch
        victim = next((pid for pid, title in _embed_workers().items() if _busy(title)), None)
        time.sleep(0.01)
    assert victim is not None, "the build ended before any worker was seen embedding"
    before = set(_embed_workers())
    os.kill(victim, signal.SIGKILL)  # mid-batch: its vectors of that batch are lost
    watch = _Watch()
    watch.start()
    build.join()
    watch.stop.set()
    assert done, "the build did not finish"
    # Retried: a restarted actor (a process that did not exist at the kill) took work...
    assert watch.busy - before, "no restarted worker embedded anything"
    assert victim not in _embed_workers()
    # ...and every passage has its vector, as in a local build: the lost batch was redone.
    assert done[0].embedded == len(_contents(local.index_dir)[0])
    _same_index(local.index_dir, remote.index_dir)


def test_an_unreachable_cluster_is_a_clear_error_and_builds_nothing(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the cluster extra: pip install -e '.[cluster]'")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    qa = Path(sys.executable).with_name("qa")
    run = subprocess.run([str(qa), "index", str(corpus), "--index", str(tmp_path / "index"),
                          "--ray", "127.0.0.1:1", "-q"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode != 0
    assert "cannot reach the Ray cluster at 127.0.0.1:1" in run.stderr + run.stdout
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "index" / "CURRENT").exists()
