"""The web chat as people and programs use it: a real server, headless Chromium,
gradio_client and plain HTTP.

Tests that only read share one app (``server``), whose index never changes; a test that
changes the index (uploads, rebuilds) gets an app of its own (``own_server``), so no
test depends on another having run, or not, before it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers.data import BBC, ROOT, SEED

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
GOR = "what did Gor and Jaishankar discuss?"
ANSWER = "defence cooperation, trade expansion, and collaboration on critical minerals"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def start_app(home: Path, index: Path, *args: str,
              **extra_env: str) -> tuple[subprocess.Popen, str]:
    """`python app.py` serving ``home/corpus`` from ``index`` on a free loopback port,
    once it answers HTTP (indexing the corpus first if there is no index)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_INDEX": str(index),
           "QA_CORPUS": str(home / "corpus"), **extra_env}
    log = (home / f"server-{port}.log").open("w")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
                            cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"app exited: {(home / f'server-{port}.log').read_text()}")
        try:
            if _get(url)[0] == 200:
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    pytest.fail("app did not start")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` in a fresh folder holding only corpus/: it must index, then serve.
    Shared by the tests that only read: none of them may change its index."""
    home = tmp_path_factory.mktemp("app")
    (home / "corpus").mkdir()
    shutil.copy(SEED, home / "corpus" / SEED.name)
    for path in sorted((BBC / "politics").glob("*.txt"))[:6]:  # answers with several cards
        shutil.copy(path, home / "corpus" / path.name)
    proc, url = start_app(home, home / "index")
    yield {"url": url, "home": home, "pid": proc.pid}
    stop_app(proc)


@pytest.fixture
def own_server(server, tmp_path: Path):
    """An app of this test's own, serving a copy of the shared app's corpus and index (no
    indexing at start): whatever the test adds stays in its own folder."""
    home = tmp_path / "own-app"
    shutil.copytree(server["home"] / "corpus", home / "corpus")
    shutil.copytree(server["home"] / "index", home / "index")
    proc, url = start_app(home, home / "index")
    yield {"url": url, "home": home, "pid": proc.pid}
    stop_app(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield b
        b.close()


def _page(browser, url: str):
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#qa-question textarea")
    return context, page


@pytest.fixture
def page(browser, server):
    """A page on the shared app."""
    context, page = _page(browser, server["url"])
    yield page
    context.close()


@pytest.fixture
def own_page(browser, own_server):
    """A page on this test's own app."""
    context, page = _page(browser, own_server["url"])
    yield page
    context.close()


def ask(page, question: str) -> str:
    """Type a question, send it, and return the text of the new answer."""
    answers = page.locator("#qa-chat .qa-answer")
    before = answers.count()
    page.locator("#qa-question textarea").fill(question)
    page.locator("#qa-ask").click()
    page.wait_for_function("n => document.querySelectorAll('#qa-chat .qa-answer').length > n",
                           arg=before, timeout=60_000)
    return answers.last.inner_text()


def open_uploads(page) -> None:
    page.get_by_text("Add articles").click()
    page.wait_for_selector("#qa-upload")


def upload(page, *paths: Path) -> str:
    """Add files through the page and return the report once the update finishes."""
    page.locator("#qa-upload input[type=file]").set_input_files([str(p) for p in paths])
    page.wait_for_timeout(500)
    page.locator("#qa-add").click()
    report = page.locator("#qa-upload-report")
    report.filter(has_text="refused").or_(report.filter(has_text="embedded")).or_(
        report.filter(has_text="⚠️")).wait_for(timeout=180_000)
    return report.inner_text()


def test_ask_follow_up_and_unanswerable(page) -> None:
    assert "7 articles" in page.locator("#qa-status").inner_text()
    first = ask(page, GOR)
    assert ANSWER in first
    card = page.locator(".qa-article", has_text=ANSWER).last
    meta = card.locator(".qa-meta").inner_text()
    assert "2026-01-30" in meta and "ANI" in meta

    follow = ask(page, "and what about trade?")
    searched = page.locator(".qa-searched").last.inner_text()
    assert "Gor" in searched and "Jaishankar" in searched and "trade" in searched
    assert "trade" in follow.lower()

    none = ask(page, "Who won the 1966 football World Cup final at Wembley?")
    assert "Nothing in these articles about" in none
    # The nearest passages are still offered.
    assert page.locator("#qa-chat .qa-answer").last.locator(".qa-article").count() >= 1


def test_upload_new_article_then_find_it(own_page, tmp_path: Path) -> None:
    page = own_page
    article = tmp_path / "robot chef; rm -rf.txt"
    article.write_text(
        "Robot chef opens noodle bar\n\nA robot chef opened a noodle bar in Leeds on Friday, "
        "serving 400 bowls an hour. <script>window.__pwned = 1</script> Diners queued for hours.")
    open_uploads(page)
    report = upload(page, article)
    assert "added" in report and "uploads/robot-chef-rm-rf.txt" in report
    text = ask(page, "where did the robot chef open a noodle bar?")
    assert "Robot chef opens noodle bar" in text
    assert "<script>window.__pwned = 1</script>" in text  # shown as text, never run
    assert page.evaluate("window.__pwned") is None
    assert "8 articles" in page.locator("#qa-status").inner_text()


def test_binary_and_oversized_uploads_are_refused(page, tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 100)
    open_uploads(page)
    assert "refused" in (report := upload(page, binary)) and "binary data" in report

    big = tmp_path / "huge.txt"
    big.write_text("word " * 1_300_000)  # 6.5 MB, over the 5 MB limit
    page.locator("#qa-upload input[type=file]").set_input_files(str(big))
    page.get_by_text("exceeds the maximum").or_(page.get_by_text("too large")).or_(
        page.get_by_text("maximum allowed")).first.wait_for(timeout=30_000)


def test_the_url_box_refuses_the_servers_own_address_and_says_why(page, server) -> None:
    open_uploads(page)
    before = page.locator("#qa-status").inner_text()
    page.locator("#qa-urls textarea").fill(server["url"] + "config\nftp://example.com/x")
    page.locator("#qa-fetch").click()
    report = page.locator("#qa-fetch-report")
    report.filter(has_text="refused").wait_for(timeout=30_000)
    text = report.inner_text()
    assert "loopback address 127.0.0.1" in text and "--allow-private-urls" in text
    assert "only http and https" in text
    assert page.locator("#qa-status").inner_text() == before  # nothing changed


def test_chat_keeps_answering_during_a_rebuild(browser, own_server, tmp_path: Path) -> None:
    server = own_server
    batch = sorted((BBC / "politics").glob("*.txt"))[:60]
    context = browser.new_context()
    uploader, asker = context.new_page(), context.new_page()
    for p in (uploader, asker):
        p.goto(server["url"])
        p.wait_for_selector("#qa-question textarea")
    open_uploads(uploader)
    uploader.locator("#qa-upload input[type=file]").set_input_files([str(p) for p in batch])
    uploader.wait_for_timeout(1000)
    uploader.locator("#qa-add").click()
    uploader.get_by_text("Embedding passages").first.wait_for(timeout=120_000)
    assert ANSWER in ask(asker, GOR)
    assert "embedded" not in uploader.locator("#qa-upload-report").inner_text()  # still rebuilding
    uploader.locator("#qa-upload-report").filter(has_text="embedded").wait_for(timeout=300_000)
    context.close()


def test_gradio_client_search_endpoint(server) -> None:
    from gradio_client import Client

    hits = Client(server["url"], verbose=False).predict(GOR, 3, "hybrid", "", "", "",
                                                          api_name="/search")
    assert len(hits) == 3
    top = next(h for h in hits if ANSWER in h["text"])
    assert (top["date"], top["source"]) == ("2026-01-30", "ANI")
    assert top["title"].startswith("External Affairs Minister")


def test_gradio_client_answer_endpoint(server) -> None:
    from gradio_client import Client

    result = Client(server["url"], verbose=False).predict(
        "When is the critical minerals ministerial?", 3, "hybrid", "", "", "",
        api_name="/answer")
    lead = result["lead"]
    text = result["hits"][lead["hit"]]["text"]
    assert result["relevant"] and lead["answer"] == "4 February"
    assert text[lead["answer_start"] : lead["answer_end"]] == "4 February"
    assert text[lead["start"] : lead["end"]] == lead["sentence"]
    assert lead["resolved"] == "Wednesday (4 February 2026)"

    dated = Client(server["url"], verbose=False).predict(
        "Who did Jaishankar meet last week?", 3, "hybrid", "", "", "", "", "2026-01-30",
        api_name="/answer")
    assert dated["understood"] == "Articles from 19 to 30 January 2026"
    said = Client(server["url"], verbose=False).predict(
        "What did Gor say?", 3, "hybrid", "", "", "", "Gor", "", api_name="/answer")
    assert said["speaker"] == "Sergio Gor" and said["lead"]["answer"] == "stay tuned for much more"


def test_direct_http_cannot_skip_the_queue(server) -> None:
    request = urllib.request.Request(
        server["url"] + "gradio_api/run/search", method="POST",
        data=b'{"data": ["gor", 3, "hybrid", "", "", ""]}',
        headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    assert "queue" in refused.value.read().decode()


def test_file_route_serves_no_index_corpus_or_system_files(server) -> None:
    home = server["home"]
    index_file = next((home / "index" / "versions").glob("*/manifest.json"))
    for target in (index_file, home / "corpus" / SEED.name, Path("/etc/passwd")):
        status, body = _get(f"{server['url']}gradio_api/file={target}")
        assert status in (403, 404), target
        assert "root:" not in body and "Jaishankar" not in body


def test_upload_over_the_limit_gets_413(server, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (5 * 1024 * 1024 + 10))
    boundary = "qa-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n").encode() + \
        big.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        server["url"] + "gradio_api/upload", data=body, method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413


def test_sixteen_concurrent_users(server) -> None:
    from gradio_client import Client

    questions = [
        GOR, "when is the critical minerals ministerial?", "who is Marco Rubio?",
        "what is iCET?", "which congressmen met Jaishankar?", "what did Piyush Goyal discuss?",
        "what minerals are strategic?", "where did Jaishankar meet Gor?", "what is the PLI scheme?",
        "what about Russia and Ukraine?", "who is Steve Daines?", "what is the Quad?",
        "when will Jaishankar visit the US?", "what did Gor post on X?",
        "what are supply chains for?", "how are India-US ties?",
    ]

    def one(question: str) -> tuple[float, list]:
        client = Client(server["url"], verbose=False)
        began = time.perf_counter()
        hits = client.predict(question, 5, "hybrid", "", "", "", api_name="/search")
        return time.perf_counter() - began, hits

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(one, questions))
    assert all(len(hits) == 5 and hits[0]["text"] for _, hits in results)
    latencies = sorted(t for t, _ in results)
    print(f"\n16 concurrent users: p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} ms")


def test_date_and_source_filters_in_the_app(page, server) -> None:
    from gradio_client import Client

    client = Client(server["url"], verbose=False)
    only_ani = client.predict(GOR, 20, "hybrid", "", "", "ANI", api_name="/search")
    assert only_ani and {h["source"] for h in only_ani} == {"ANI"}
    assert client.predict(GOR, 5, "hybrid", "2026-02-01", "", "", api_name="/search") == []
    assert client.predict(GOR, 5, "dense", "2026-01-30", "2026-01-30", "", api_name="/search")

    page.get_by_text("Search options").click()
    page.locator("#qa-since input, #qa-since textarea").first.fill("2027-01-01")
    assert "with the current filters" in ask(page, GOR)
    page.locator("#qa-since input, #qa-since textarea").first.fill("")
    page.locator("#qa-until input, #qa-until textarea").first.fill("2026-12-31")
    ask(page, GOR)
    # Only the dated sample article passes; its passages (folded ones included) are shown.
    shown = page.locator("#qa-chat .qa-answer").last
    assert ANSWER in shown.text_content()
    assert {m.inner_text().split(" · ")[0] for m in shown.locator(".qa-meta").all()} == {
        "2026-01-30"}


def _cli_index(home: Path, index: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_INDEX": str(index)}
    subprocess.run([sys.executable, "-m", "qa", "index", str(home / "corpus")], env=env,
                   check=True, capture_output=True, timeout=300)


def test_running_app_picks_up_a_rebuild_made_with_the_cli(own_page, own_server) -> None:
    from gradio_client import Client

    page, server = own_page, own_server
    home = server["home"]
    (home / "corpus" / "cli-added.txt").write_text(
        "Lighthouse keeper retires\n\nThe last lighthouse keeper on Fair Isle retired on "
        "Monday after 41 years tending the lamp.")
    before = page.locator("#qa-status").inner_text()
    _cli_index(home, home / "index")
    client = Client(server["url"], verbose=False)

    def top() -> str:
        hits = client.predict("when did the lighthouse keeper retire?", 3, "hybrid", "", "",
                              "", api_name="/search")
        return hits[0]["article_id"]

    # The app looks for a new index version at most every 5 seconds, when asked: ask
    # until it has switched (a guard against a hang, not a speed limit).
    deadline = time.monotonic() + 300
    while top() != "cli-added.txt":
        assert time.monotonic() < deadline, "the app never switched to the CLI's rebuild"
        time.sleep(1)
    # The page loaded before the rebuild: its status line follows on the next answer.
    ask(page, "when did the lighthouse keeper retire?")
    index = home / "index"
    current = index / "versions" / (index / "CURRENT").read_text().split()[0]
    count = json.loads((current / "manifest.json").read_text())["counts"]["articles"]
    page.locator("#qa-status").filter(has_text=f"{count} articles").wait_for(timeout=10_000)
    assert page.locator("#qa-status").inner_text() != before


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def test_a_billion_results_is_a_clear_error_and_costs_no_memory(server) -> None:
    from gradio_client import Client

    client = Client(server["url"], verbose=False)
    before = _rss(server["pid"])
    for k in (10**9, 5 * 10**7, -1, "abc"):
        with pytest.raises(Exception, match="k must be a whole number"):
            client.predict(GOR, k, "hybrid", "", "", "", api_name="/search")
    assert _rss(server["pid"]) - before < 50 * 2**20
    assert len(client.predict(GOR, 3, "hybrid", "", "", "", api_name="/search")) == 3


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "qa-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_with_a_token_set_anonymous_uploads_leave_nothing_on_disk(browser, tmp_path: Path) -> None:
    home, temp = tmp_path / "home", tmp_path / "gradio-temp"
    (home / "corpus").mkdir(parents=True)
    shutil.copy(SEED, home / "corpus" / SEED.name)
    proc, url = start_app(home, home / "index", QA_UPLOAD_TOKEN="s3cret",
                          GRADIO_TEMP_DIR=str(temp))
    try:
        body, kind = _multipart("junk.txt", b"x" * 1_000_000)
        for _ in range(5):
            request = urllib.request.Request(url + "gradio_api/upload", data=body,
                                             method="POST", headers={"Content-Type": kind})
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=30)
            assert refused.value.code == 401
            assert "upload token" in refused.value.read().decode()
        assert not [p for p in temp.rglob("*") if p.is_file()]
        # A person with the token uploads through the page as usual.
        page = browser.new_page()
        page.goto(url)
        open_uploads(page)
        page.locator("#qa-token input").fill("s3cret")
        story = tmp_path / "lighthouse.txt"
        story.write_text("Lighthouse keeper retires\n\nThe last keeper retired on Monday.")
        page.locator("#qa-upload input[type=file]").set_input_files(str(story))
        page.wait_for_timeout(1000)
        page.locator("#qa-add").click()
        page.locator("#qa-upload-report").filter(has_text="uploads/lighthouse.txt").wait_for(
            timeout=120_000)
        assert (home / "corpus" / "uploads" / "lighthouse.txt").is_file()
        assert not [p for p in temp.rglob("lighthouse.txt")]  # the temporary copy is gone
        page.close()
    finally:
        stop_app(proc)


@pytest.mark.parametrize(("width", "height"), [(1280, 1000), (390, 844)])
def test_the_lead_sentence_is_in_view_when_an_answer_arrives(browser, server, width: int,
                                                             height: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server["url"])
    page.wait_for_selector("#qa-question textarea")
    cards = []
    for question in ("what did the party leaders say about the election campaign?", GOR,
                     "what did ministers say about the general election?"):
        ask(page, question)
        answer = page.locator("#qa-chat .qa-answer").last
        cards.append(answer.locator(".qa-article").count())
        lead = answer.locator(".qa-best, .qa-none").first
        page.wait_for_timeout(300)  # the answer is scrolled to once it has rendered
        # The lead's first line is on screen and nothing covers it.
        seen = page.evaluate("""(el) => {
            const r = el.getBoundingClientRect();
            const x = r.left + Math.min(20, r.width / 2), y = r.top + 8;
            const top = document.elementFromPoint(x, y);
            return r.top >= -1 && r.top + 8 <= window.innerHeight && !!top && el.contains(top);
        }""", lead.element_handle())
        assert seen, (width, height, question)
    assert max(cards) >= 2  # answers with several cards below the lead were among them
    context.close()


def test_the_chat_shows_the_date_range_the_timeline_and_the_speaker(own_page,
                                                                   tmp_path: Path) -> None:
    """Two dated articles added to an app of its own."""
    page = own_page
    for day, stage, text in (
            ("2026-01-05", "approved", "The council approved the harbour tunnel on Monday."),
            ("2026-01-21", "opens", "The harbour tunnel opened to traffic on Tuesday, a "
                                    "fortnight after the council approved it.")):
        (tmp_path / f"{day}-tunnel.txt").write_text(f"date {day}\nHarbour tunnel {stage}\n\n"
                                                    f"{text} Drivers queued at dawn.")
    open_uploads(page)
    assert "2 added" in upload(page, *sorted(tmp_path.glob("*.txt")))

    text = ask(page, "How did the harbour tunnel project unfold?")
    answer = page.locator("#qa-chat .qa-answer").last
    timeline = answer.locator(".qa-timeline")
    assert timeline.get_attribute("open") is not None  # asked for: shown open
    days = [d.strip() for d in timeline.locator(".qa-day").all_inner_texts()]
    assert days[:2] == ["2026-01-05", "2026-01-21"]

    text = ask(page, "What happened with the harbour tunnel on 21 January 2026?")
    assert "Articles from 21 January 2026" in text
    assert "Harbour tunnel opens" in page.locator("#qa-chat .qa-answer").last.locator(
        ".qa-best").inner_text()

    text = ask(page, "What did Gor say?")
    lead = page.locator("#qa-chat .qa-answer").last
    assert lead.locator(".qa-speaker").inner_text() == "Sergio Gor said:"
    assert "stay tuned for much more" in lead.locator(".qa-words").inner_text()
