"""Fetching pages: what lands in the corpus, and every refusal a hostile server or a
hostile address gets. All served from 127.0.0.1; nothing leaves the machine."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from qa import Settings
from qa.fresh.decoding import ACCEPTED
from qa.fresh.fetch import Fetcher, Policy
from qa.fresh.pages import article_path, canonical_url, fetch_pages

from helpers.webserver import Route, Site, article_html, huge, slow

BODY = ("Ministers from twelve countries agreed on Tuesday to pool their lithium reserves "
        "in a new critical minerals alliance.\n\nThe agreement covers cobalt and nickel too, "
        "and a secretariat will open in Ottawa next spring, officials said.")


@pytest.fixture
def quick(settings: Settings) -> Settings:
    return settings.with_(fetch_host_interval=0.0, fetch_timeout=1.0, fetch_deadline=2.0,
                          fetch_max_bytes=1 << 20)


def cli_fetcher(settings: Settings) -> Fetcher:
    return Fetcher(Policy.from_settings(settings, from_chat=False))


def chat_fetcher(settings: Settings, *allowed: str) -> Fetcher:
    return Fetcher(Policy.from_settings(settings.with_(fetch_allow_hosts=allowed),
                                        from_chat=True))


def test_a_page_is_saved_with_its_metadata_as_a_file_the_build_reads(site: Site,
                                                                     quick: Settings) -> None:
    site.page("/world/minerals-pact?utm_source=feed", article_html("Minerals pact signed", BODY))
    fetched = fetch_pages([site.url("/world/minerals-pact?utm_source=feed")],
                          cli_fetcher(quick), quick)
    assert not fetched.refused
    (saved,) = fetched.saved
    assert saved.url == site.url("/world/minerals-pact")  # tracking parameter dropped
    record = json.loads((quick.corpus_dir / saved.path).read_text())
    assert record["title"] == "Minerals pact signed"
    assert record["date"] == "2026-02-03" and record["source"] == "Test Times"
    assert "secretariat will open in Ottawa" in record["text"]
    assert "Home | World" not in record["text"]  # page furniture left out
    request_headers = site.requests[-1][1]
    assert request_headers["User-Agent"].startswith("qa-news/")


def test_the_same_story_reached_twice_is_one_file(site: Site, quick: Settings) -> None:
    site.page("/story", article_html("One story", BODY))
    fetcher = cli_fetcher(quick)
    first = fetch_pages([site.url("/story")], fetcher, quick).saved[0]
    again = fetch_pages([site.url("/story#comments"), site.url("/story?utm_medium=rss")],
                        fetcher, quick).saved
    assert {s.path for s in again} == {first.path} and not any(s.changed for s in again)
    assert len(list((quick.corpus_dir / "web").rglob("*.json"))) == 1


def test_a_canonical_url_on_another_site_is_not_believed(site: Site, quick: Settings) -> None:
    site.page("/copy", article_html("Copy", BODY, canonical="https://victim.example/story"))
    saved = fetch_pages([site.url("/copy")], cli_fetcher(quick), quick).saved[0]
    assert saved.url == site.url("/copy")
    assert saved.path != article_path(canonical_url("https://victim.example/story"))


@pytest.mark.parametrize("path, route, reason", [
    ("/huge", Route(body=huge(50 * 2**20), headers={"Content-Type": "text/html"}),
     "larger than the 1 MB limit - stopped downloading"),
    ("/declared", Route(body=huge(2 * 2**20), headers={"Content-Type": "text/html",
                                                       "Content-Length": str(2**21)}),
     "over the 1 MB limit - not downloaded"),
    ("/slow", Route(body=slow(), headers={"Content-Type": "text/html"}),
     "still downloading after 2 s - gave up"),
    ("/loop", Route(302, {"Location": "/loop2"}), "redirect loop"),
    ("/png", Route(body=b"\x89PNG\r\n\x1a\n" + bytes(200), headers={"Content-Type": "image/png"}),
     "content type image/png is not a web page"),
    ("/disguised", Route(body=b"\x89PNG\r\n\x1a\n" + bytes(200),
                         headers={"Content-Type": "text/html"}), "binary data, not text"),
    ("/gone", Route(410, body=b"gone"), "HTTP 410"),
    ("/private/report", Route(body=b"<p>secret</p>", headers={"Content-Type": "text/html"}),
     "robots.txt does not allow"),
    ("/empty", Route(body=b"<html><body><nav>menu</nav></body></html>",
                     headers={"Content-Type": "text/html"}), "no article text"),
])
def test_hostile_pages_are_refused_with_a_reason_and_quickly(site: Site, quick: Settings,
                                                             path: str, route: Route,
                                                             reason: str) -> None:
    site.routes[path] = route
    site.routes["/loop2"] = Route(302, {"Location": "/loop"})
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private\n",
                                       headers={"Content-Type": "text/plain"})
    started = time.monotonic()
    fetched = fetch_pages([site.url(path)], cli_fetcher(quick), quick)
    assert time.monotonic() - started < 6
    assert not fetched.saved
    (refused,) = fetched.refused
    assert reason in refused.reason
    assert not (quick.corpus_dir / "web").exists()


def test_too_many_redirects_stop(site: Site, quick: Settings) -> None:
    for n in range(10):
        site.routes[f"/r{n}"] = Route(301, {"Location": f"/r{n + 1}"})
    (refused,) = fetch_pages([site.url("/r0")], cli_fetcher(quick), quick).refused
    assert "more than 5 redirects" in refused.reason


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:{port}/story", "loopback"),
    ("http://localhost:{port}/story", "loopback"),
    ("http://[::1]:{port}/story", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.1.2.3/", "private"),
    ("http://192.168.0.1/admin", "private"),
    ("http://[::ffff:127.0.0.1]:{port}/story", "loopback"),
])
def test_the_chat_refuses_the_servers_own_network(site: Site, quick: Settings, url: str,
                                                  kind: str) -> None:
    site.page("/story", article_html("Internal", BODY))
    fetched = fetch_pages([url.format(port=site.port)], chat_fetcher(quick), quick)
    (refused,) = fetched.refused
    assert f"{kind} address" in refused.reason and "--allow-private-urls" in refused.reason
    assert site.paths() == []  # not even robots.txt was asked for


def test_a_redirect_into_the_servers_network_is_refused_from_the_chat(quick: Settings) -> None:
    with Site() as public, Site() as internal:
        internal.page("/admin", article_html("Admin", BODY))
        public.routes["/story"] = Route(302, {"Location": internal.url("/admin")})
        # The first server stands in for a public site: exempt by name, as an intranet
        # host could be. The redirect's target must be checked again, and refused.
        fetcher = chat_fetcher(quick, f"127.0.0.1:{public.port}")
        (refused,) = fetch_pages([public.url("/story")], fetcher, quick).refused
        assert "loopback address 127.0.0.1" in refused.reason
        assert internal.paths() == []


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/x", "only http and https"),
    ("http://user:secret@example.com/", "user name or password"),
    ("http:///nohost", "no host"),
    ("http://no-such-host.invalid/", "no such host"),
])
def test_addresses_that_are_not_web_pages_are_refused(quick: Settings, url: str,
                                                      reason: str) -> None:
    (refused,) = fetch_pages([url], cli_fetcher(quick), quick).refused
    assert reason in refused.reason


def test_requests_to_one_host_are_spaced(site: Site, settings: Settings) -> None:
    site.page("/a", article_html("A", BODY))
    site.page("/b", article_html("B", BODY.replace("twelve", "ten")))
    polite = settings.with_(fetch_host_interval=0.4)
    started = time.monotonic()
    fetch_pages([site.url("/a"), site.url("/b")], cli_fetcher(polite), polite)
    # robots.txt, /a, /b: three requests, two pauses.
    assert time.monotonic() - started >= 0.75
    assert site.paths() == ["/robots.txt", "/a", "/b"]


def test_one_refused_page_does_not_stop_the_others(site: Site, quick: Settings) -> None:
    site.page("/good", article_html("Good", BODY))
    fetched = fetch_pages([site.url("/missing"), site.url("/good")], cli_fetcher(quick), quick)
    assert [s.url for s in fetched.saved] == [site.url("/good")]
    assert [r.id for r in fetched.refused] == [site.url("/missing")]
    assert "HTTP 404" in fetched.refused[0].reason
    assert Path(quick.corpus_dir / fetched.saved[0].path).is_file()


def test_qa_add_fetches_indexes_and_the_page_answers_a_question(site: Site, tmp_path: Path,
                                                                 monkeypatch) -> None:
    from click.testing import CliRunner

    from qa.cli import main

    site.page("/minerals", article_html("Minerals alliance formed", BODY))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["add", "-q", site.url("/minerals"), site.url("/nope")])
    assert result.exit_code == 0, result.output
    assert f"refused  {site.url('/nope')}: the server answered HTTP 404" in result.output
    assert "added    web/127-0-0-1/minerals-" in result.output
    assert "1 added, 0 updated" in result.output
    answer = CliRunner().invoke(main, ["ask", "Where will the secretariat open?", "-k", "1"])
    assert "Ottawa" in answer.output and "Minerals alliance formed" in answer.output
    nothing = CliRunner().invoke(main, ["add", "-q", site.url("/nope")])
    assert nothing.exit_code == 1 and "no page could be added" in nothing.output


def test_the_chat_url_box_fetches_indexes_and_reports(site: Site, quick: Settings, fake) -> None:
    from qa import Retriever, build_index
    from qa.web.handlers import ChatApp

    from helpers.data import SEED

    quick.corpus_dir.mkdir(parents=True)
    (quick.corpus_dir / SEED.name).write_bytes(SEED.read_bytes())
    build_index(quick.corpus_dir, settings=quick, embedder=fake)
    site.page("/minerals", article_html("Minerals alliance formed", BODY))
    site.routes["/to-inside"] = Route(302, {"Location": site.url("/minerals")})
    allowed = quick.with_(fetch_allow_private=True)
    app = ChatApp(Retriever.load(settings=allowed, embedder=fake), allowed)
    report, status, _ = app.adder.add_urls(f"{site.url('/minerals')}\n{site.url('/gone')}", "")
    assert f"**fetched** `{site.url('/minerals')}`" in report
    assert "**added** `web/127-0-0-1/minerals-" in report
    assert f"**refused** `{site.url('/gone')}`: the server answered HTTP 404" in report
    assert "**2** articles" in status
    history, *_ = app.respond("lithium reserves alliance secretariat", [], None, "hybrid", 3,
                              "", "", None, None)
    assert "Minerals alliance formed" in history[-1]["content"]

    # By default the chat fetches public addresses only: not this loopback server, and not
    # through a redirect either.
    default = ChatApp(Retriever.load(settings=quick, embedder=fake), quick)
    report, *_ = default.adder.add_urls(site.url("/to-inside"), "")
    shown = report.replace("\\", "")  # as rendered: Markdown escapes taken out
    assert "loopback address 127.0.0.1" in shown and "--allow-private-urls" in shown
    assert "**2** articles" in default.index_state()[0]


def test_the_chat_url_box_needs_the_token_and_bounds_the_list(quick: Settings, fake,
                                                              tmp_path: Path) -> None:
    from qa import Retriever, build_index
    from qa.web.handlers import ChatApp

    from helpers.data import SEED

    quick.corpus_dir.mkdir(parents=True)
    (quick.corpus_dir / SEED.name).write_bytes(SEED.read_bytes())
    build_index(quick.corpus_dir, settings=quick, embedder=fake)
    guarded = quick.with_(upload_token="s3cret")
    app = ChatApp(Retriever.load(settings=guarded, embedder=fake), guarded)
    assert "Wrong upload token" in app.adder.add_urls("https://example.com/a", "guess")[0]
    many = "\n".join(f"https://example.com/{n}" for n in range(21))
    assert "At most 20 addresses" in app.adder.add_urls(many, "s3cret")[0]
    assert "Paste one or more web addresses" in app.adder.add_urls("  ", "s3cret")[0]


def test_every_hostile_answer_is_one_clear_line_and_the_index_keeps_serving(
        site: Site, quick: Settings, fake) -> None:
    from qa import Retriever, build_index
    from qa.web.handlers import ChatApp

    from helpers.data import SEED

    quick.corpus_dir.mkdir(parents=True)
    (quick.corpus_dir / SEED.name).write_bytes(SEED.read_bytes())
    build_index(quick.corpus_dir, settings=quick, embedder=fake)
    hostile = {
        "/huge": Route(body=huge(50 * 2**20), headers={"Content-Type": "text/html"}),
        "/slow": Route(body=slow(), headers={"Content-Type": "text/html"}),
        "/loop": Route(302, {"Location": "/loop"}),
        "/png": Route(body=b"\x89PNG\r\n\x1a\n" + bytes(100),
                      headers={"Content-Type": "image/png"}),
        "/xml": Route(body=b"<rss><channel><item>", headers={"Content-Type": "text/html"}),
    }
    site.routes.update(hostile)
    allowed = quick.with_(fetch_allow_private=True)
    app = ChatApp(Retriever.load(settings=allowed, embedder=fake), allowed)
    report, *_ = app.adder.add_urls("\n".join(site.url(p) for p in hostile), "")
    lines = [line.replace("\\", "") for line in report.splitlines()  # Markdown escapes out
             if line.startswith("- **refused**")]
    assert len(lines) == len(hostile), report
    for reason in ("limit", "still downloading after", "redirect loop", "image/png",
                   "no article text"):
        assert sum(reason in line for line in lines) == 1, (reason, report)
    history, *_ = app.respond("what did Gor and Jaishankar discuss?", [], None, "hybrid", 3,
                              "", "", None, None)
    assert "Jaishankar" in history[-1]["content"]
    assert not (quick.corpus_dir / "web").exists()


# -- compressed answers (issue 20, item 1) ---------------------------------------------------
CODINGS = ["gzip", "deflate", *(["br"] if "br" in ACCEPTED else [])]


@pytest.mark.parametrize("coding", CODINGS)
def test_a_site_that_compresses_everything_is_read(site: Site, quick: Settings,
                                                   coding: str) -> None:
    site.compress = coding  # pages, robots.txt and error pages alike
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /private\n",
                                       headers={"Content-Type": "text/plain"})
    site.page("/story", article_html("Minerals pact signed", BODY))
    site.page("/private/memo", article_html("Memo", BODY))
    fetched = fetch_pages([site.url(u) for u in ("/story", "/private/memo", "/gone")],
                          cli_fetcher(quick), quick)
    (saved,) = fetched.saved
    record = json.loads((quick.corpus_dir / saved.path).read_text())
    assert "secretariat will open in Ottawa" in record["text"]
    reasons = [r.reason for r in fetched.refused]
    assert "robots.txt does not allow" in reasons[0] and "HTTP 404" in reasons[1]
    asked = site.requests[-1][1]["Accept-Encoding"]
    assert asked == ", ".join(ACCEPTED) and coding in asked and "zstd" not in asked


def test_a_gzip_bomb_stops_at_the_cap_on_its_decoded_size(site: Site, quick: Settings) -> None:
    import tracemalloc

    from helpers.webserver import bomb

    site.routes["/bomb"] = Route(body=bomb(200 * 2**20), headers={
        "Content-Type": "text/html", "Content-Encoding": "gzip"})  # 200 KB on the wire
    fetcher = cli_fetcher(quick)
    tracemalloc.start()
    try:
        fetched = fetch_pages([site.url("/bomb")], fetcher, quick)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (refused,) = fetched.refused
    assert "larger than the 1 MB limit - stopped downloading" in refused.reason
    assert peak < 16 * 2**20  # not 64 MB per network chunk, as inflating a chunk at once


@pytest.mark.parametrize("coding, reason", [
    ("zstd", "compressed as 'zstd', which this tool cannot read"),
    ("gzip, gzip", "compressed 2 times over"),
    ("gzip", "not valid gzip data"),
])
def test_a_body_that_cannot_be_decoded_is_refused_with_a_reason(site: Site, quick: Settings,
                                                                coding: str, reason: str) -> None:
    site.routes["/odd"] = Route(body=b"<html>plain, whatever the header says</html>",
                                headers={"Content-Type": "text/html", "Content-Encoding": coding})
    (refused,) = fetch_pages([site.url("/odd")], cli_fetcher(quick), quick).refused
    assert reason in refused.reason


def test_qa_add_and_feeds_work_against_a_server_that_compresses_everything(
        site: Site, tmp_path: Path, monkeypatch, fake) -> None:
    from click.testing import CliRunner

    import qa.index.build
    from qa.cli import main

    from helpers.webserver import rss

    monkeypatch.setattr(qa.index.build, "SentenceTransformerEmbedder", lambda *a, **k: fake)
    monkeypatch.chdir(tmp_path)
    site.compress = "gzip"
    site.routes["/robots.txt"] = Route(body=b"User-agent: *\nAllow: /\n",
                                       headers={"Content-Type": "text/plain"})
    site.page("/minerals", article_html("Minerals alliance formed", BODY))
    site.page("/news/1", article_html("Harbour tunnel opens", BODY.replace("lithium", "tin")))
    site.feed("/feed.xml", rss([("s1", site.url("/news/1"), "Mon, 02 Feb 2026 09:00:00 GMT")]))
    run = CliRunner().invoke
    added = run(main, ["add", "-q", site.url("/minerals")])
    assert added.exit_code == 0 and "1 added" in added.output, added.output
    following = run(main, ["feeds", "add", site.url("/feed.xml")])
    assert following.exit_code == 0 and "following" in following.output, following.output
    updated = run(main, ["feeds", "update", "-q"])
    assert updated.exit_code == 0 and "1 new or changed" in updated.output, updated.output
    assert "1 added" in updated.output


# -- one deadline for the whole fetch (issue 20, item 2) -------------------------------------
def test_headers_that_never_finish_end_within_the_deadline(site: Site, settings: Settings) -> None:
    import threading

    from helpers.webserver import trickle

    # A read timeout longer than the pause between two bytes: only the deadline can end it.
    patient = settings.with_(fetch_host_interval=0.0, fetch_timeout=10.0, fetch_deadline=3.0)
    site.routes["/trickle"] = Route(raw=trickle(b"Content-Type: text/html\r\nX-Pad: " + b"a" * 99))
    done: dict[str, object] = {}

    def fetch() -> None:
        done["fetched"] = fetch_pages([site.url("/trickle")], cli_fetcher(patient), patient)

    started = time.monotonic()
    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(3.0 + 2.0)
    assert not worker.is_alive(), "still waiting for the headers after the deadline + 2 s"
    (refused,) = done["fetched"].refused  # type: ignore[attr-defined]
    assert "no complete answer within 3 s - gave up" in refused.reason
    assert time.monotonic() - started < 5.0


# -- addresses: IPv4 in IPv6 clothing, and DNS rebinding (issue 20, item 6) ------------------
@pytest.mark.parametrize("ip, reached", [
    ("64:ff9b::7f00:1", "loopback address 127.0.0.1"),  # NAT64
    ("64:ff9b::a00:1", "private address 10.0.0.1"),
    ("64:ff9b:1::a00:1", "address 64:ff9b:1::a00:1"),  # local-use NAT64
    ("::127.0.0.1", "loopback address 127.0.0.1"),  # IPv4-compatible
    ("::ffff:0:127.0.0.1", "loopback address 127.0.0.1"),  # IPv4-translated
    ("::ffff:0:a9fe:a9fe", "link-local address 169.254.169.254"),
    ("2002:7f00:1::1", "loopback address 127.0.0.1"),  # 6to4
    ("2002:c0a8:101::1", "private address 192.168.1.1"),
    ("fec0::1", "address fec0::1"),  # site-local
    ("224.0.0.1", "address 224.0.0.1"),  # multicast
])
def test_private_addresses_in_ipv6_clothing_are_refused(ip: str, reached: str) -> None:
    from qa.errors import AddressRefused
    from qa.fresh.addresses import check_ip

    with pytest.raises(AddressRefused, match=reached):
        check_ip("http://x.test/", ip)


@pytest.mark.parametrize("ip", ["8.8.8.8", "::ffff:8.8.8.8", "64:ff9b::808:808",
                                "2002:808:808::1", "2606:4700:4700::1111"])
def test_public_addresses_pass_however_written(ip: str) -> None:
    from qa.fresh.addresses import check_ip

    check_ip("http://x.test/", ip)


def test_a_nat64_url_of_the_servers_own_address_is_refused_from_the_chat(
        site: Site, quick: Settings) -> None:
    site.page("/story", article_html("Internal", BODY))
    (refused,) = fetch_pages([f"http://[64:ff9b::7f00:1]:{site.port}/story"],
                             chat_fetcher(quick), quick).refused
    assert "loopback address 127.0.0.1 (inside 64:ff9b::7f00:1)" in refused.reason
    assert site.paths() == []


def test_a_name_that_rebinds_to_loopback_after_the_check_is_never_connected_to(
        site: Site, quick: Settings, monkeypatch) -> None:
    import socket
    import sys

    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):  # public when checked, loopback afterwards
        if host == "rebind.test":
            checking = sys._getframe(1).f_globals.get("__name__") == "qa.fresh.addresses"
            return real("1.1.1.1" if checking else "127.0.0.1",
                        port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    site.page("/admin", article_html("Admin", BODY))
    fetched = fetch_pages([f"http://rebind.test:{site.port}/admin"], chat_fetcher(quick), quick)
    assert not fetched.saved
    assert site.paths() == []  # not one blind request reached the loopback server


# -- issue 20, item 7: a canonical URL must be on the page's own site, port included --------
def test_a_canonical_url_on_another_port_is_not_believed(site: Site, quick: Settings) -> None:
    other = f"http://127.0.0.1:{site.port + 1}/story"
    site.page("/copy", article_html("Copy", BODY, canonical=other))
    site.page("/moved", article_html("Moved", BODY.replace("twelve", "nine"),
                                     canonical=site.url("/moved?utm_source=x")))
    saved = fetch_pages([site.url("/copy"), site.url("/moved")], cli_fetcher(quick), quick).saved
    assert [s.url for s in saved] == [site.url("/copy"), site.url("/moved")]
    assert saved[0].path != article_path(canonical_url(other))
