"""Replicas: two app processes serving one index folder, as behind a load balancer. A
rebuild by `qa index` switches both to the new version without a restart, and no request
to either fails while they switch (real servers, real model)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from test_web import GOR, start_app, stop_app

from helpers.data import ROOT, SEED

# Added one per rebuild: (file, text, a question only it answers).
STORIES = [
    ("ferry.txt", "Ferry runs aground off Stromness\n\nThe Orkney ferry Hamnavoe ran aground "
     "on a sandbank off Stromness on Tuesday; all 212 passengers were taken ashore by "
     "lifeboat.", "Which ferry ran aground off Stromness?"),
    ("glacier.txt", "Glacier museum opens in Fjaerland\n\nA museum of glaciers opened in "
     "Fjaerland, Norway, on Saturday, with a tunnel carved through 40 metres of blue ice.",
     "Where did the glacier museum open?"),
]


def _qa_index(corpus: Path, index: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_INDEX": str(index)}
    subprocess.run([sys.executable, "-m", "qa", "index", str(corpus), "--quiet"], env=env,
                   check=True, capture_output=True, timeout=300)


def _current(index: Path) -> str:
    return (index / "CURRENT").read_text().split()[0]


def test_two_app_processes_on_one_index_both_switch_to_a_rebuild_without_errors(
        tmp_path: Path) -> None:
    from gradio_client import Client

    home, index = tmp_path, tmp_path / "index"
    (home / "corpus").mkdir()
    shutil.copy(SEED, home / "corpus" / SEED.name)
    apps = [start_app(home, index)]
    apps.append(start_app(home, index))  # the second finds the index the first built
    urls = [url for _, url in apps]
    errors: list[str] = []
    seen: list[set[str]] = [set(), set()]  # versions each app answered from
    stop = threading.Event()

    def keep_asking(n: int) -> None:
        client = Client(urls[n], verbose=False)
        while not stop.is_set():
            try:
                hits = client.predict(GOR, 3, "hybrid", "", "", "", api_name="/search")
                assert len(hits) == 3 and len({h["version"] for h in hits}) == 1
                seen[n].add(hits[0]["version"])
            except Exception as exc:  # noqa: BLE001 - any failure during a switch counts
                errors.append(f"app {n}: {exc!r}")

    askers = [threading.Thread(target=keep_asking, args=(n,)) for n in (0, 1)]
    for thread in askers:
        thread.start()
    try:
        for name, text, question in STORIES:
            (home / "corpus" / name).write_text(text)
            _qa_index(home / "corpus", index)
            current = _current(index)
            deadline = time.time() + 60
            while time.time() < deadline and not all(current in v for v in seen):
                time.sleep(0.5)
            assert all(current in v for v in seen), (current, seen)
            # Both answer from the new version: the article just added is found by each.
            for url in urls:
                hits = Client(url, verbose=False).predict(question, 3, "hybrid", "", "", "",
                                                          api_name="/search")
                assert hits[0]["article_id"] == name
                assert hits[0]["version"] == current
    finally:
        stop.set()
        for thread in askers:
            thread.join()
        for proc, _ in apps:
            stop_app(proc)
    assert errors == []
    assert all(len(v) == 3 for v in seen)  # the first version and two rebuilds
    for log in home.glob("server-*.log"):
        assert "Traceback" not in log.read_text()


def test_a_version_copied_to_another_machine_serves_the_same_answers(
        corpus: Path, settings, fake, tmp_path: Path) -> None:
    """Versions are immutable: copying the version folder, then CURRENT last, is a
    complete replica, and a running reader there follows the next copy."""
    from qa import Retriever, build_index

    build_index(corpus, settings=settings, embedder=fake)
    source, replica = settings.index_dir, tmp_path / "replica"

    def copy_current() -> None:
        name = _current(source)
        shutil.copytree(source / "versions" / name, replica / "versions" / name)
        shutil.copy(source / "CURRENT", replica / "CURRENT.tmp")
        os.replace(replica / "CURRENT.tmp", replica / "CURRENT")  # the switch, atomic

    copy_current()
    here = Retriever.load(settings=settings, embedder=fake)
    there = Retriever.load(replica, settings=settings, embedder=fake)  # checksums verified
    question = "which company made the pocket hard drive?"
    assert [h.to_dict() for h in there.search(question)] == [
        h.to_dict() for h in here.search(question)]
    name, text, question = STORIES[0]
    (corpus / name).write_text(text)
    build_index(corpus, settings=settings, embedder=fake)
    assert there.refresh() is False  # nothing new there until the copy arrives
    copy_current()
    assert there.refresh() is True
    assert there.search(question)[0].article_id == name
