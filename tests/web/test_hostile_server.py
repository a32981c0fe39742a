"""Hostile requests and a hostile machine: bounds on what a caller controls, uploads,
and writing an index onto a disk that fails."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest

from qa import Filters, Retriever, Settings, build_index
from qa.errors import BadRequest, QAError
from qa.index.vectors import faiss_index
from qa.web.add_panel import remove_uploaded
from qa.web.handlers import ChatApp

from helpers.data import SEED


@pytest.fixture
def retriever(tmp_path: Path, fake) -> Retriever:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    settings = Settings(index_dir=tmp_path / "index", corpus_dir=corpus)
    build_index(corpus, settings=settings, embedder=fake)
    return Retriever.load(settings=settings, embedder=fake)


@pytest.mark.parametrize("k", [10**9, 101, 0, -1, 2.5, "abc", True])
def test_k_outside_1_to_100_is_one_clear_error(retriever: Retriever, k) -> None:
    with pytest.raises(BadRequest, match="k must be a whole number from 1 to 100"):
        retriever.search("Gor", k)  # type: ignore[arg-type]


def test_vector_search_never_asks_faiss_for_more_than_it_holds() -> None:
    index = faiss_index.new_flat(4)
    index.add_with_ids(np.eye(4, dtype=np.float32), np.arange(4, dtype=np.int64))
    scores, ids = faiss_index.search(index, np.ones(4, np.float32), 10**12)  # would abort FAISS
    assert sorted(ids.tolist()) == [0, 1, 2, 3]


def test_question_length_is_bounded_in_the_library(retriever: Retriever) -> None:
    with pytest.raises(BadRequest, match="ask in at most 1,000"):
        retriever.search("news " * 20_000)


def test_a_huge_chat_message_is_refused_and_not_echoed_whole(retriever: Retriever) -> None:
    app = ChatApp(retriever, retriever.settings)
    history, *_ = app.respond("x" * 100_000, [], None, "hybrid", 5, "", "", None, None)
    asked, reply = history
    assert len(asked["content"]) <= 1000
    assert "ask in at most 1,000" in reply["content"]


@pytest.mark.parametrize("k", ["abc", "1e9", 10**9, -1])
def test_the_api_gives_one_clear_error_for_a_bad_k(retriever: Retriever, k) -> None:
    import gradio as gr

    with pytest.raises(gr.Error, match="k must be a whole number"):
        ChatApp(retriever, retriever.settings).api_search("Gor", k)


def test_bad_filters_are_clear_errors(retriever: Retriever) -> None:
    for kwargs, message in (({"mode": "fuzzy"}, "unknown mode"),
                            ({"since": "1"}, "use YYYY, YYYY-MM or YYYY-MM-DD"),
                            ({"since": "2025", "until": "2024"}, "is after until")):
        with pytest.raises(BadRequest, match=message):
            Filters(**kwargs)  # type: ignore[arg-type]


def _upload(tmp_path: Path, name: str, text: str) -> Path:
    from gradio.utils import get_upload_folder

    folder = Path(get_upload_folder()) / f"qa-test-{tmp_path.name}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_failed_update_says_the_upload_was_saved_and_removes_the_temp_copy(
        retriever: Retriever, tmp_path: Path, monkeypatch) -> None:
    from qa.index import updater

    def full_disk(*args, **kwargs):
        raise QAError("could not write the index (No space left on device)")

    monkeypatch.setattr(updater, "build_index", full_disk)
    upload = _upload(tmp_path, "harbour.txt", "Harbour reopens\n\nThe harbour reopened.")
    message, *_ = ChatApp(retriever, retriever.settings).adder.add_articles([str(upload)], "")
    assert "Saved uploads/harbour.txt in the corpus, but updating the index failed" in message
    assert "will be indexed by the next update" in message
    assert (retriever.settings.corpus_dir / "uploads" / "harbour.txt").is_file()
    assert not upload.exists()  # Gradio's temporary copy is gone


def test_only_files_in_gradios_upload_folder_are_ever_deleted(tmp_path: Path) -> None:
    mine = tmp_path / "article.txt"
    mine.write_text("keep me")
    remove_uploaded([str(mine)])
    assert mine.exists()


def test_a_lock_that_is_a_folder_is_one_clear_error(tmp_path: Path, fake) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED.name).write_bytes(SEED.read_bytes())
    (tmp_path / "index" / ".lock").mkdir(parents=True)
    with pytest.raises(QAError, match=r"cannot lock .* \.lock is a plain file"):
        build_index(corpus, settings=Settings(index_dir=tmp_path / "index"), embedder=fake)


def test_a_full_disk_is_one_clear_error_and_keeps_the_index(retriever: Retriever, fake,
                                                            monkeypatch) -> None:
    from qa.index import writer

    settings = retriever.settings
    before = retriever.snapshot.name

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer.faiss_index, "write", no_space)  # a new vector base...
    monkeypatch.setattr(writer.vector_store.np, "save", no_space)  # ...or the changes
    (settings.corpus_dir / "more.txt").write_text("More news\n\nA second story arrived.")
    with pytest.raises(QAError, match=r"No space left on device\) - free disk space"):
        build_index(settings.corpus_dir, settings=settings, embedder=fake)
    monkeypatch.undo()
    assert Retriever.load(settings=settings, embedder=fake).snapshot.name == before
    assert not list((settings.index_dir / "versions").glob(".tmp-*"))


def test_a_lock_file_deleted_during_a_build_is_harmless(retriever: Retriever, fake,
                                                        monkeypatch) -> None:
    settings = retriever.settings
    from qa.index import writer

    real = writer.IndexWriter.commit

    def commit(self, **kwargs):
        (settings.index_dir / ".lock").unlink()
        return real(self, **kwargs)

    monkeypatch.setattr(writer.IndexWriter, "commit", commit)
    (settings.corpus_dir / "more.txt").write_text("More news\n\nA second story arrived.")
    report = build_index(settings.corpus_dir, settings=settings, embedder=fake)
    assert report.added == ("more.txt",)


def test_the_answer_api_gives_the_lead_and_clear_errors(retriever: Retriever) -> None:
    import gradio as gr

    chat = ChatApp(retriever, retriever.settings)
    result = chat.api_answer("When is the critical minerals ministerial?", 3)
    assert "4 February" in result["lead"]["sentence"] and len(result["hits"]) == 3
    assert result["lead"]["answer"] in (None, "4 February")  # words only when confident
    with pytest.raises(gr.Error, match="k must be a whole number from 1 to 100"):
        chat.api_answer("Gor", 10**9)


# -- every text field is bounded and typed (issue 20, items 3 and 7) -------------------------
FIELDS = ("mode", "since", "until", "source", "person", "as_of")


def _api_call(chat: ChatApp, field: str, value: object):
    args = {"question": "What did Gor and Jaishankar discuss?", "k": 3, field: value}
    return chat.api_answer(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("field", FIELDS)
def test_100_mb_in_any_field_is_one_short_line_at_once(retriever: Retriever, field: str) -> None:
    import time

    import gradio as gr

    chat = ChatApp(retriever, retriever.settings)
    huge = "2024-01-01" + "x" * 100 * 2**20
    started = time.monotonic()
    with pytest.raises(gr.Error) as refused:
        _api_call(chat, field, huge)
    assert time.monotonic() - started < 1.0
    message = refused.value.message
    assert f"{field} is {len(huge):,} characters long - at most 200" in message
    assert len(message) < 200 and "\n" not in message
    history, *_ = chat.respond("What did Gor say?", [], None, *(
        huge if name == field else default for name, default in (
            ("mode", "hybrid"), ("k", 3), ("since", ""), ("until", ""), ("source", None),
            ("shown", None), ("person", None), ("as_of", None))))
    assert "characters long - at most 200" in history[-1]["content"]
    assert len(history[-1]["content"]) < 1000


@pytest.mark.parametrize("field, value", [("since", 2024), ("until", {"a": 1}), ("source", 7),
                                          ("person", ["Gor"]), ("as_of", 20260130),
                                          ("mode", 3)])
def test_a_field_of_the_wrong_type_is_refused_not_ignored(retriever: Retriever, field: str,
                                                         value: object) -> None:
    import gradio as gr

    with pytest.raises(gr.Error, match=f"{field} must be"):
        _api_call(ChatApp(retriever, retriever.settings), field, value)


def test_odd_digits_and_days_before_the_calendar_are_clear_errors(retriever: Retriever) -> None:
    from qa.web.add_panel import SOMETHING_WRONG

    chat = ChatApp(retriever, retriever.settings)
    asked = [chat.respond("Who did Jaishankar meet last week?", [], None, "hybrid", k, "", "",
                          None, None, None, as_of)[0][-1]["content"]
             for k, as_of in (("²", None), ("٣", None), (3, "0001-01-01"), (3, "9999-12-31"))]
    assert "k must be a whole number" in asked[0] and "k must be a whole number" in asked[1]
    assert "as_of must be a day from 1800-01-01" in asked[2]
    assert "as_of must be a day from 1800-01-01" in asked[3]
    assert not any(SOMETHING_WRONG in a for a in asked)


def test_the_url_box_and_the_token_are_bounded(retriever: Retriever) -> None:
    import time

    guarded = retriever.settings.with_(upload_token="s3cret")
    adder = ChatApp(retriever, guarded).adder
    started = time.monotonic()
    assert "At most 20 addresses" in adder.add_urls("a " * 50 * 2**20, "s3cret")[0]
    assert time.monotonic() - started < 1.0
    assert "must be given as text" in adder.add_urls({"url": "x"}, "s3cret")[0]
    assert "longer than 2,048 characters" in adder.add_urls("https://e.com/" + "a" * 3000,
                                                            "s3cret")[0]
    for token in ({"x": 1}, 7, "s" * 10**7):
        assert "Wrong upload token" in adder.add_urls("https://example.com/a", token)[0]


def test_cli_options_are_bounded_too(retriever: Retriever, monkeypatch) -> None:
    from click.testing import CliRunner

    from qa.cli import main

    monkeypatch.setattr(Retriever, "load", classmethod(lambda cls, **kwargs: retriever))
    index = str(retriever.settings.index_dir)
    run = CliRunner().invoke
    for option in ("--since", "--until", "--source", "--person", "--as-of"):
        result = run(main, ["ask", "Gor?", option, "x" * 5000, "--index", index])
        assert result.exit_code != 0 and "characters long - at most 200" in result.output, option
        assert len(result.output.strip().splitlines()) == 1 and len(result.output) < 300
    quotes = run(main, ["quotes", "G" * 5000, "--index", index])
    assert quotes.exit_code != 0 and "name is 5,000 characters long" in quotes.output


# -- Gradio's own routes (issue 20, items 2 and 4): served in this process ------------------
def _fill(template: str, target: str) -> list[str]:
    """Concrete paths for a route template: URL parameters become ``target``, API names
    the gated events, a public one and an unknown one."""
    import re

    paths = [template]
    for name in re.findall(r"\{([^}]+)\}", template):
        if name.endswith(":path"):
            values = [target]
        elif name == "api_name":
            values = ["add_articles", "add_urls", "search", "no_such_api"]
        else:
            values = ["1"]
        paths = [p.replace("{" + name + "}", v) for p in paths for v in values]
    return paths


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("token", ["s3cret", None])
def test_no_gradio_route_writes_fetches_or_indexes_for_an_anonymous_caller(
        retriever: Retriever, tmp_path: Path, monkeypatch, token: str | None) -> None:
    """Every /gradio_api route Gradio registers, listed from the app, called anonymously
    with a URL wherever it takes a path and file entries that name a URL: nothing is
    fetched, written or indexed (with a token); nothing is fetched (without)."""
    import httpx
    import safehttpx

    from helpers.inprocess import events, routes, serving
    from helpers.webserver import Route, Site

    # Gradio refuses loopback URLs itself; the canary stands in for any public site.
    monkeypatch.setattr(safehttpx, "is_public_ip", lambda ip: True)
    temp = tmp_path / "gradio-temp"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(temp))
    settings = retriever.settings.with_(upload_token=token)
    corpus = _files(settings.corpus_dir)
    with Site() as canary, serving(retriever, settings) as (app, base):
        canary.routes["/x.txt"] = Route(body=b"Planted\n\nA planted story about a harbour.",
                                        headers={"Content-Type": "text/plain"})
        target = canary.url("/x.txt")
        entry = {"path": target, "url": target, "orig_name": "x.txt", "size": 40,
                 "meta": {"_type": "gradio.FileData"}}
        gated = events(app, "add_articles", "add_urls")
        before = _files(temp) if temp.exists() else set()
        scanned, errors = [], []
        with httpx.Client(timeout=10) as client:
            for template, methods in routes(app):
                if not template.startswith("/gradio_api/"):
                    continue
                for path in _fill(template, target):
                    for method in sorted(methods):
                        bodies: list[dict] = [{}]
                        if method == "POST":
                            bodies = [{"json": {"data": [[entry], target], "fn_index": event,
                                                "session_hash": "scan", "trigger_id": None,
                                                "event_data": None}} for event in gated]
                            bodies.append({"files": {"files": ("x.txt", b"Planted story."),
                                                     "audio": ("a.wav", b"RIFF....WAVE")}})
                        for body in bodies:  # streamed: some routes never end (events)
                            with client.stream(method, base.rstrip("/") + path, **body) as r:
                                status = r.status_code
                            scanned.append((method, path))
                            if status >= 500:
                                errors.append((method, path, status))
            # Let any job the queue took run (it would fetch or save now).
            with client.stream("GET", base + "gradio_api/queue/data",
                               params={"session_hash": "scan"}, timeout=3) as stream:
                try:
                    for _ in stream.iter_lines():
                        pass
                except httpx.HTTPError:  # the time is up, or the server closed the stream
                    pass
        assert len({p for _, p in scanned}) > 40  # every route, not a hand-picked few
        assert canary.requests == []  # nothing fetched a URL
        assert errors == []  # unknown API names and events are 404s, not 500s
        if token:
            assert (_files(temp) if temp.exists() else set()) == before  # nothing written
        assert _files(settings.corpus_dir) == corpus  # nothing added to the corpus


def test_unknown_api_names_and_events_are_404(retriever: Retriever) -> None:
    import httpx

    from helpers.inprocess import serving

    with serving(retriever, retriever.settings) as (app, base):
        for path, body in (("gradio_api/call/no_such_api", {"data": []}),
                           ("gradio_api/call/add_articles", {"data": [None, ""]}),
                           ("gradio_api/call/search", {"data": [], "fn_index": 10**6}),
                           ("gradio_api/queue/join", {"data": [], "fn_index": 10**6,
                                                      "session_hash": "x"})):
            answer = httpx.post(base + path, json=body, timeout=10)
            assert answer.status_code == 404, (path, answer.status_code, answer.text)
        assert httpx.get(base + "gradio_api/file=http://example.com/", timeout=10
                         ).status_code == 404
        assert httpx.post(base + "gradio_api/process_recording", timeout=10).status_code == 404
        # What the page and the API clients use still works.
        assert httpx.get(base + "gradio_api/info", timeout=10).status_code == 200
        assert httpx.post(base + "gradio_api/call/search", json={
            "data": ["Gor", 3, "hybrid", "", "", "", ""]}, timeout=10).status_code == 200


def _rss() -> int:
    import os

    for line in Path(f"/proc/{os.getpid()}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def test_100_mb_in_a_request_is_refused_at_once_and_costs_no_memory(
        retriever: Retriever) -> None:
    import time

    import httpx

    from helpers.inprocess import serving

    def body():  # streamed: the test itself never holds the 100 MB either
        yield b'{"data": ["Gor", 3, "hybrid", "'
        block = b"x" * 2**20
        for _ in range(100):
            yield block
        yield b'", "", "", ""], "session_hash": "big"}'

    with serving(retriever, retriever.settings) as (app, base):
        before = _rss()
        for path in ("gradio_api/queue/join", "gradio_api/call/search"):
            started = time.monotonic()
            answer = httpx.post(base + path, content=body(), timeout=30,
                                headers={"Content-Type": "application/json"})
            assert time.monotonic() - started < 1.5
            assert answer.status_code == 413 and "over 8 MB" in answer.text
            assert len(answer.text) < 200
        assert _rss() - before < 50 * 2**20


def test_a_second_update_is_told_one_is_running_while_a_fetch_hangs(
        retriever: Retriever) -> None:
    import threading
    import time

    from qa.web.add_panel import BUSY

    from helpers.inprocess import events, run_event, serving
    from helpers.webserver import Route, Site, trickle

    settings = retriever.settings.with_(fetch_allow_private=True, fetch_deadline=8.0,
                                        fetch_host_interval=0.0)
    with Site() as slow, serving(retriever, settings) as (app, base):
        slow.routes["/page"] = Route(raw=trickle(b"Content-Type: text/html\r\n" * 10, 1.0))
        (fetch,) = events(app, "add_urls")
        first: dict = {}
        hanging = threading.Thread(target=lambda: first.update(result=run_event(
            base, fetch, [slow.url("/page"), ""], "first")), daemon=True)
        hanging.start()
        while not slow.requests:  # the first update is fetching
            time.sleep(0.1)
        started = time.monotonic()
        status, second = run_event(base, fetch, ["https://example.com/story", ""], "second")
        assert time.monotonic() - started < 3 and hanging.is_alive()
        assert status == 200 and BUSY in json.dumps(second["output"], ensure_ascii=False)
        # Questions are answered meanwhile, and the hanging fetch ends by its deadline.
        (ask,) = [i for i, f in app.fns.items() if f.api_name == "search"]
        status, found = run_event(base, ask, ["Gor", 3, "hybrid", "", "", "", ""], "asker")
        assert status == 200 and found["success"]
        hanging.join(8.0 + 2.0 + 2.0)
        assert not hanging.is_alive()
        assert "no complete answer within 8 s" in json.dumps(first["result"][1])


def test_the_add_report_for_10000_records_is_summed_up(retriever: Retriever,
                                                       tmp_path: Path) -> None:
    """Counts first, then the first few of each kind - not 10,000 lines (issue 20, item 7)."""
    records = [json.dumps({"id": f"r{n}", "text": f"Council meeting number {n} approved "
                           f"budget line {n * 7} for the harbour district on Monday."})
               for n in range(10_000)]
    records += ['{"id": "r1", "text": "twin id"}'] * 30  # skipped: a repeated id
    upload = _upload(tmp_path, "minutes.jsonl", "\n".join(records))
    report, *_ = ChatApp(retriever, retriever.settings).adder.add_articles([str(upload)], "")
    lines = report.splitlines()
    assert lines[0].startswith("10000 added, 0 updated")
    assert sum(line.startswith("- **added**") for line in lines) == 10
    assert "- … and 9,990 more added" in lines
    assert sum(line.startswith("- **skipped**") for line in lines) == 10
    assert "- … and 20 more skipped" in lines
    assert len(report) < 5000
