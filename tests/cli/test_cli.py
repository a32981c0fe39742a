"""The `qa` command as a user runs it: real processes, real model, one-line errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers.data import SEED
from helpers.webserver import Site


def qa(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def indexing(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """``(folder, the `qa index corpus` run)``: the folder holds corpus/ and index/."""
    root = tmp_path_factory.mktemp("cli")
    (root / "corpus").mkdir()
    (root / "corpus" / SEED.name).write_bytes(SEED.read_bytes())
    (root / "corpus" / "empty.txt").write_text("")
    result = qa("index", "corpus", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "1 added" in result.stdout
    assert "skipped  empty.txt: empty file" in result.stdout
    return root, result


@pytest.fixture(scope="module")
def workdir(indexing: tuple[Path, subprocess.CompletedProcess]) -> Path:
    return indexing[0]


def test_index_on_a_pipe_says_each_stage_from_the_first_file(
        indexing: tuple[Path, subprocess.CompletedProcess]) -> None:
    """stderr is a pipe here: no bar, but a line per stage (and every few seconds)."""
    lines = indexing[1].stderr.splitlines()
    assert lines[0] == "loading the model"
    assert lines[1].startswith("scanning: 1 article read; splitting: 0 ")  # the first file
    assert "scanning: 1 article read; splitting: 1 new or changed article split into " \
           "passages" in lines
    assert any(line.startswith("embedding: 6/6 passages (100%)") for line in lines)
    assert lines[-1].startswith("saving the index")


def test_ask_prints_ranked_readable_hits(workdir: Path) -> None:
    result = qa("ask", "what did Gor and Jaishankar discuss?", "-k", "2", cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "\n1. [" in result.stdout
    assert "2026-01-30 · ANI · 2026-01-30-jaishankar-gor.txt" in result.stdout
    assert "2. [" in result.stdout and "3. [" not in result.stdout


def test_ask_json(workdir: Path) -> None:
    result = qa("ask", "critical minerals ministerial", "--json", "-k", "3", cwd=workdir)
    hits = json.loads(result.stdout)["hits"]
    assert len(hits) == 3
    assert {"text", "score", "article_id", "title", "date", "source", "url", "start",
            "end"} <= set(hits[0])
    assert hits[0]["article_id"] == "2026-01-30-jaishankar-gor.txt"


def test_ask_prints_the_answer_words_first(workdir: Path) -> None:
    result = qa("ask", "When is the critical minerals ministerial?", cwd=workdir)
    assert result.returncode == 0, result.stderr
    first, sentence = result.stdout.splitlines()[:2]
    assert first == "Answer: Wednesday (4 February 2026)"  # the date, with its day and year
    assert "4 February" in sentence and "Critical Minerals Ministerial" in sentence
    answer = json.loads(qa("ask", "When is the critical minerals ministerial?", "--json",
                           cwd=workdir).stdout)
    lead = answer["lead"]
    text = answer["hits"][lead["hit"]]["text"]
    assert text[lead["answer_start"] : lead["answer_end"]] == lead["answer"] == "4 February"
    assert text[lead["start"] : lead["end"]] == lead["sentence"]


def test_info_and_reindex(workdir: Path) -> None:
    info = qa("info", cwd=workdir)
    assert "1 articles" in info.stdout and "all-MiniLM-L6-v2" in info.stdout
    again = qa("index", "--json", cwd=workdir)
    assert json.loads(again.stdout)["embedded"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "the question is empty"),
        (("ask", "x", "--index", "nowhere"), "no index at nowhere/ - run `qa index"),
        (("index", "missing-folder"), "no folder at missing-folder/"),
        (("ask", "x", "--since", "last tuesday-ish"), "not a date"),
    ],
)
def test_errors_are_one_line_without_traceback(workdir: Path, args: tuple[str, ...],
                                               message: str) -> None:
    result = qa(*args, cwd=workdir)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_serve_without_gradio_says_which_extra_to_install(tmp_path: Path) -> None:
    """The library and the CLI install without Gradio (it is the ``web`` extra)."""
    code = ("import sys; sys.modules['gradio'] = None  # as if not installed\n"
            "from qa.cli import main; main(['serve'], prog_name='qa')")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert "pip install 'qa-news[web]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_and_watch_import_no_gradio() -> None:
    code = ("import sys, qa.cli.commands, qa.fresh.watch, qa.index.updater\n"
            "assert 'gradio' not in sys.modules, 'gradio imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


# -- `qa ask` through a running `qa serve` ---------------------------------------------------
QUESTION = "When is the critical minerals ministerial?"
HEAVY = {"torch", "sentence_transformers", "transformers", "faiss", "gradio", "bm25s", "sklearn"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(workdir: Path):
    """`qa serve` on a free loopback port, serving the folder's index/ (as a user runs it)."""
    port = _free_port()
    log = workdir / f"serve-{port}.log"
    proc = subprocess.Popen([sys.executable, "-m", "qa", "serve", "--port", str(port)],
                            cwd=workdir, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 600  # a hung start, not a speed limit
        while True:
            if proc.poll() is not None:
                pytest.fail(f"qa serve exited: {log.read_text()}")
            try:
                urllib.request.urlopen(url, timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"qa serve did not start: {log.read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.mark.parametrize("extra", [(), ("--json", "-k", "3")], ids=["text", "json"])
def test_ask_through_a_running_server_prints_what_it_prints_alone(
        workdir: Path, server: str, extra: tuple[str, ...]) -> None:
    served = qa("ask", QUESTION, *extra, "--server", server, cwd=workdir)
    alone = qa("ask", QUESTION, *extra, "--local", cwd=workdir)
    assert served.returncode == 0 and alone.returncode == 0, served.stderr + alone.stderr
    assert f"(answered by the running server at {server}; --local answers here)" in (
        served.stderr.splitlines())
    assert "answered by" not in alone.stderr
    assert served.stdout == alone.stdout
    assert "4 February" in served.stdout


def test_qa_server_in_the_environment_names_the_server(workdir: Path, server: str) -> None:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "QA_SERVER": server}
    result = subprocess.run([sys.executable, "-m", "qa", "ask", QUESTION, "--json"],
                            cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"answered by the running server at {server}" in result.stderr
    assert json.loads(result.stdout)["lead"]["answer"] == "4 February"


class Stub:
    """A stand-in for `qa serve`'s answer API (Gradio's /call/answer and its event stream)
    that answers every question with ``answer``; ``refuse`` sends an error event."""

    def __init__(self, answer: dict, refuse: bool = False, hang: bool = False) -> None:
        stub = self
        self.asked: list[list] = []

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                stub.asked.append(json.loads(body)["data"])
                self._send(b'{"event_id": "e1"}', "application/json")

            def do_GET(self) -> None:  # noqa: N802
                if hang:  # heartbeats, never an answer
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.end_headers()
                    try:
                        while not stub.stopping.is_set():
                            self.wfile.write(b"event: heartbeat\ndata: null\n\n")
                            self.wfile.flush()
                            stub.stopping.wait(0.05)
                    except OSError:  # the client gave up
                        pass
                    return
                if refuse:
                    events = 'event: error\ndata: "the question is empty"\n\n'
                else:
                    events = ("event: heartbeat\ndata: null\n\n"
                              f"event: complete\ndata: {json.dumps([answer])}\n\n")
                self._send(events.encode(), "text/event-stream")

        self.stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self) -> Stub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def _canned(version: str) -> dict:
    text = "The canned passage says the ministerial is on a canned day. Nothing else."
    hit = {"text": text, "score": 0.5, "article_id": "canned.txt", "title": "Canned",
           "date": "2026-02-01", "source": "Stub", "url": None, "start": 0, "end": len(text),
           "passage_id": 1, "also_in": [], "version": version}
    lead = {"hit": 0, "sentence": text[:59], "start": 0, "end": 59, "score": 0.9,
            "kind": "when", "answer": "a canned day", "answer_start": 46, "answer_end": 58,
            "resolved": None}
    return {"question": QUESTION, "query": QUESTION, "relevant": True, "relevance": 0.6,
            "understood": None, "speaker": None, "lead": lead, "hits": [hit], "people": [],
            "timeline": []}


def test_an_answer_of_this_index_version_comes_without_loading_the_stack(workdir: Path) -> None:
    from qa.index.versions import current_name

    with Stub(_canned(current_name(workdir / "index"))) as stub:
        code = ("import sys\nfrom qa.cli import main\n"
                "try:\n"
                f"    main(['ask', {QUESTION!r}, '-k', '2', '--since', '2026-01', '--server', "
                f"{stub.url!r}], prog_name='qa')\n"
                "except SystemExit as exc:\n"
                "    assert not exc.code, exc.code\n"
                f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}), "
                "file=sys.stderr)\n")
        result = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True,
                                text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == [
        "Answer: a canned day",
        "The canned passage says the ministerial is on a canned day.",
        "   (Canned, 2026-02-01 · Stub)"]
    assert "1. [0.50] Canned" in result.stdout  # Hit.score, two decimals as in the chat
    assert f"answered by the running server at {stub.url}" in result.stderr
    assert result.stderr.splitlines()[-1] == "[]"  # none of the heavy stack imported
    # The options travel as the chat's API takes them ("" for not given).
    assert stub.asked == [[QUESTION, 2, "", "2026-01", "", "", "", ""]]


def test_a_server_of_another_index_is_not_used(workdir: Path) -> None:
    with Stub(_canned("v00000001-20260101T000000Z-elsewhere")) as stub:
        result = qa("ask", QUESTION, "--server", stub.url, cwd=workdir)
    assert result.returncode == 0, result.stderr
    assert "Canned" not in result.stdout
    assert result.stdout.startswith("Answer: Wednesday (4 February 2026)")  # answered here
    assert "serves another index or version - answering here" in result.stderr


def test_what_the_server_cannot_answer_is_unanswered() -> None:
    from qa.cli import remote

    with Stub(_canned("v1"), refuse=True) as stub, pytest.raises(remote.Unanswered,
                                                                 match="question is empty"):
        remote.ask(stub.url, "  ", k=5)
    with Stub(_canned("v1"), hang=True) as stub, pytest.raises(remote.Unanswered):
        remote.ask(stub.url, QUESTION, k=5, answer_seconds=0.5)  # heartbeats do not hold it
    with pytest.raises(remote.Unanswered):  # nobody listens there
        remote.ask(f"http://127.0.0.1:{_free_port()}/", QUESTION, k=5)
    with Site() as site, pytest.raises(remote.Unanswered, match="HTTP 501|HTTP 404"):
        remote.ask(site.url("/"), QUESTION, k=5)  # a web server, but not the chat
