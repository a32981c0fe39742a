"""A small web server on 127.0.0.1 for the fetching tests: each path answers with what a
test sets, and every request is recorded (path and headers). Nothing leaves the machine.

``site.compress = "gzip"`` (or ``"deflate"``, ``"br"``) compresses every answer, robots.txt
and error pages included, as most real sites do; a route with ``raw`` writes its own
status line and headers (byte by byte if it likes)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Callable[[], Iterable[bytes]] = b""
    # Answer 304 when the request's If-None-Match equals this ETag.
    etag: str | None = None
    # Everything the server sends (status line, headers, body), written chunk by chunk.
    raw: Callable[[], Iterable[bytes]] | None = None


def compress(data: bytes, coding: str) -> bytes:
    import gzip
    import zlib

    if coding == "gzip":
        return gzip.compress(data)
    if coding == "deflate":
        return zlib.compress(data)
    import brotli

    return brotli.compress(data)


class Site:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        self.compress: str | None = None
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                site.requests.append((self.path, dict(self.headers)))
                route = site.routes.get(self.path, Route(404, body=b"not here"))
                if route.raw is not None:
                    self.close_connection = True
                    try:
                        for chunk in route.raw():
                            if site.stopping.is_set():
                                break
                            self.wfile.write(chunk)
                            self.wfile.flush()
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if isinstance(route.body, bytes):
                    body = route.body
                    if site.compress and "Content-Encoding" not in route.headers:
                        body = compress(body, site.compress)
                        self.send_header("Content-Encoding", site.compress)
                        self.send_header("Vary", "Accept-Encoding")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in route.body():
                        if site.stopping.is_set():
                            break
                        self.wfile.write(chunk)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client hanging up on purpose (the size cap, the deadline)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def page(self, path: str, html: str, **headers: str) -> None:
        self.routes[path] = Route(body=html.encode(), headers={
            "Content-Type": "text/html; charset=utf-8", **headers})

    def feed(self, path: str, xml: str, etag: str | None = None,
             content_type: str = "application/rss+xml") -> None:
        self.routes[path] = Route(body=xml.encode(), etag=etag,
                                  headers={"Content-Type": content_type})

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


def article_html(title: str, body: str, date: str = "2026-02-03", canonical: str = "") -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (f"<!doctype html><html><head><title>{title}</title>{link}"
            f'<meta property="article:published_time" content="{date}">'
            f'<meta property="og:site_name" content="Test Times"></head><body>'
            f"<nav>Home | World | Business</nav><article><h1>{title}</h1>{paragraphs}"
            f"</article><footer>Copyright Test Times</footer></body></html>")


def rss(items: Iterable[tuple[str, str, str]], title: str = "Test Times") -> str:
    """An RSS 2.0 feed of ``(guid, link, pubDate)`` items."""
    entries = "".join(
        f"<item><title>Story {guid}</title><link>{link}</link><guid>{guid}</guid>"
        f"<pubDate>{date}</pubDate><description>Summary of {guid}</description></item>"
        for guid, link, date in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.test/</link>{entries}</channel></rss>")


def slow(bytes_per_tick: bytes = b"x", tick: float = 0.05) -> Callable[[], Iterable[bytes]]:
    """A body that never ends: one small write every ``tick`` seconds."""
    def body() -> Iterable[bytes]:
        while True:
            yield bytes_per_tick
            time.sleep(tick)
    return body


def trickle(head: bytes, tick: float = 2.0) -> Callable[[], Iterable[bytes]]:
    """A response whose headers arrive one byte every ``tick`` seconds, never finishing."""
    def raw() -> Iterable[bytes]:
        yield b"HTTP/1.1 200 OK\r\n"
        while True:
            for byte in head:
                time.sleep(tick)
                yield bytes([byte])
    return raw


def bomb(decoded: int, coding: str = "gzip") -> bytes:
    """``decoded`` bytes of zeros, compressed: a few hundred KB that expand enormously."""
    import zlib

    out = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | (16 if coding == "gzip" else 0))
    block = bytes(1 << 20)
    return b"".join(out.compress(block) for _ in range(decoded >> 20)) + out.flush()


def huge(total: int, chunk: int = 1 << 16) -> Callable[[], Iterable[bytes]]:
    def body() -> Iterable[bytes]:
        block = b"<p>" + b"a" * (chunk - 3)
        for _ in range(total // chunk):
            yield block
    return body
