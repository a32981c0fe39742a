"""Fetching web pages and feeds safely: the one place the product talks to the network.

Every request goes through :class:`Fetcher`, which enforces the :class:`Policy`:

- ``http``/``https`` only; connect/read timeouts, and a deadline for the whole fetch that
  covers connecting, the headers and the body (see :mod:`qa.fresh.transport`);
- a size cap (a ``Content-Length`` over it is refused unread, a body stops at it, and a
  compressed body stops when its *decoded* size reaches it: see :mod:`qa.fresh.decoding`);
- only the content types the caller accepts (HTML or text for pages, XML for feeds);
- redirects followed by hand, at most ``max_redirects``, each hop checked again;
- a polite pause between requests to the same host, a user agent naming the tool, and
  the host's ``robots.txt`` respected;
- unless ``allow_private``: no private, loopback, link-local or otherwise non-public
  address (IPv4 wrapped in IPv6 included), checked when the name is resolved; the
  connection goes to an address that was checked (so a name that re-resolves to
  127.0.0.1 after the check is never reached), and the connected socket is checked again.

Every refusal is a :class:`FetchRefused` whose message says why.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from qa.errors import AddressRefused, FetchRefused
from qa.ingest.decode import decode
from qa.settings import Settings

from .addresses import check_host, check_ip, host_port
from .decoding import ACCEPTED, Decoder, TooLarge, Undecodable
from .transport import Call, Transport, current

USER_AGENT = "qa-news/0.1 (news question answering; +https://pypi.org/project/qa-news/)"
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/xml", "text/xml", "application/x-rss+xml")
_REDIRECTS = (301, 302, 303, 307, 308)
_ROBOTS_BYTES = 512 * 1024


@dataclass(frozen=True)
class Policy:
    """What a :class:`Fetcher` may do. The CLI allows private addresses; the chat does not."""

    allow_private: bool = False
    # Hosts ("intranet.example" or "intranet.example:8080") exempt from the address check.
    allow_hosts: tuple[str, ...] = ()
    timeout: float = 10.0  # seconds to connect, and between two reads
    deadline: float = 30.0  # seconds for a whole fetch: connect, headers, body, redirects
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    host_interval: float = 1.0  # seconds between two requests to one host
    robots: bool = True
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings, *, from_chat: bool) -> Policy:
        """The policy for the CLI (any address) or the chat (public addresses only,
        unless ``settings.fetch_allow_private``)."""
        return cls(allow_private=settings.fetch_allow_private or not from_chat,
                   allow_hosts=settings.fetch_allow_hosts, timeout=settings.fetch_timeout,
                   deadline=settings.fetch_deadline, max_bytes=settings.fetch_max_bytes,
                   host_interval=settings.fetch_host_interval)


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request that found nothing new
    content_type: str
    text: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class _Hosts:
    """When each host was last asked (for the polite pause) and its robots.txt rules."""

    last: dict[str, float] = field(default_factory=dict)
    robots: dict[str, RobotFileParser | str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Fetcher:
    """GET with the checks of a :class:`Policy`. One instance per process is enough; it
    is safe to share between threads."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.policy = policy or Policy()
        self._hosts = _Hosts()
        p = self.policy
        self._client = httpx.Client(
            transport=Transport(), follow_redirects=False,
            headers={"User-Agent": p.user_agent, "Accept-Encoding": ", ".join(ACCEPTED)},
            timeout=httpx.Timeout(p.timeout, connect=p.timeout),
        )

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, accept: tuple[str, ...] | None = PAGE_TYPES, *,
            etag: str | None = None, last_modified: str | None = None,
            max_bytes: int | None = None, robots: bool = True) -> Response:
        """The text at ``url`` (following redirects), or :class:`FetchRefused`.
        ``accept``: the content types wanted (None: any text). All of it, robots.txt
        included, within ``policy.deadline``."""
        outer = current.get()
        deadline = time.monotonic() + self.policy.deadline
        token = current.set(Call(min(deadline, outer.deadline) if outer else deadline))
        try:
            return self._get(url, accept, etag, last_modified, max_bytes, robots)
        finally:
            current.reset(token)

    def _get(self, url: str, accept: tuple[str, ...] | None, etag: str | None,
             last_modified: str | None, max_bytes: int | None, robots: bool) -> Response:
        headers = {"Accept": ", ".join((*(accept or ("*/*",)), "*/*;q=0.1"))}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        for _ in range(self.policy.max_redirects + 1):
            host, port = host_port(url)
            self._check_address(url, host, port)  # before robots.txt: name the page refused
            if robots:
                self._check_robots(url)
            response = self._request(url, headers)
            try:
                location = response.headers.get("location")
                if response.status_code not in _REDIRECTS or not location:
                    return self._read(url, response, accept, max_bytes or self.policy.max_bytes)
            finally:
                response.close()
            url = urljoin(url, location.strip())
            if url in seen:
                raise FetchRefused(f"redirect loop: {url} was reached twice - gave up")
            seen.add(url)
        raise FetchRefused(f"more than {self.policy.max_redirects} redirects - stopped at {url}")

    # -- one request ----------------------------------------------------------------------
    def _request(self, url: str, headers: dict[str, str]):
        host, port = host_port(url)
        try:
            request = self._client.build_request("GET", url, headers=headers)
            sent = request.url.raw_host.decode("ascii")  # the name as it is connected to
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise FetchRefused(f"{url}: not a valid web address ({_why(exc)})") from None
        call = current.get()
        assert call is not None, "a request is made within get()"
        exempt = self._exempt(host, port)
        addresses = check_host(url, sent, port, exempt=exempt)
        if exempt:
            call.open_hosts.add((sent, port))
        else:
            call.pins[(sent, port)] = addresses  # connect to these, and only these
        self._pause(host)
        try:
            response = self._client.send(request, stream=True)
        except httpx.TimeoutException:
            if _past(call):
                raise FetchRefused(f"{url}: no complete answer within {self.policy.deadline:g}"
                                   " s - gave up") from None
            raise FetchRefused(f"{url}: no answer within {self.policy.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchRefused(f"{url}: could not connect ({_why(exc)})") from None
        try:
            self._check_peer(url, host, port, response)
        except FetchRefused:
            response.close()
            raise
        return response

    def _read(self, url: str, response: httpx.Response, accept: tuple[str, ...] | None,
              max_bytes: int) -> Response:
        p = self.policy
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        meta = dict(url=url, status=response.status_code, content_type=kind,
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"))
        if response.status_code == 304:
            return Response(**meta)
        if response.status_code >= 400:
            raise FetchRefused(f"{url}: the server answered HTTP {response.status_code} "
                               f"{response.reason_phrase}".rstrip(), status=response.status_code)
        if response.status_code in _REDIRECTS:
            raise FetchRefused(f"{url}: redirect without a Location header")
        if kind and accept and kind not in accept:
            raise FetchRefused(f"{url}: content type {kind} is not "
                               f"{'a web page' if accept == PAGE_TYPES else 'a feed'} - skipped")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchRefused(f"{url}: {int(declared) / 2**20:.1f} MB, over the "
                               f"{max_bytes / 2**20:g} MB limit - not downloaded")
        try:
            decoder = Decoder(response.headers.get("content-encoding", ""), max_bytes)
        except Undecodable as exc:
            raise FetchRefused(f"{url}: {exc} - skipped") from None
        body = bytearray()
        call = current.get()
        late = FetchRefused(f"{url}: still downloading after {p.deadline:g} s - gave up")
        try:
            for chunk in response.iter_raw():  # raw: decoded here, within the cap
                body += decoder.feed(chunk)
                if _past(call):
                    raise late
            body += decoder.flush()
        except TooLarge:
            raise FetchRefused(f"{url}: larger than the {max_bytes / 2**20:g} MB "
                               "limit - stopped downloading") from None
        except Undecodable as exc:
            raise FetchRefused(f"{url}: {exc} - skipped") from None
        except httpx.TimeoutException:
            if _past(call):
                raise late from None
            raise FetchRefused(f"{url}: the server stopped sending for "
                               f"{p.timeout:g} s - gave up") from None
        except httpx.HTTPError as exc:
            raise FetchRefused(f"{url}: the download broke off ({_why(exc)})") from None
        text = _text(bytes(body), response.charset_encoding)
        if text is None:
            raise FetchRefused(f"{url}: binary data, not text - skipped")
        return Response(**meta, text=text)

    # -- the checks -------------------------------------------------------------------------
    def _exempt(self, host: str, port: int) -> bool:
        p = self.policy
        return p.allow_private or host in p.allow_hosts or f"{host}:{port}" in p.allow_hosts

    def _check_address(self, url: str, host: str, port: int) -> None:
        check_host(url, host, port, exempt=self._exempt(host, port))

    def _check_peer(self, url: str, host: str, port: int, response: httpx.Response) -> None:
        if self._exempt(host, port):
            return
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            check_ip(url, str(peer[0]))

    def _pause(self, host: str) -> None:
        """Wait until ``host`` was last asked ``host_interval`` seconds ago."""
        with self._hosts.lock:
            now = time.monotonic()
            due = max(now, self._hosts.last.get(host, 0.0) + self.policy.host_interval)
            self._hosts.last[host] = due
        if due > now:
            time.sleep(due - now)

    def _check_robots(self, url: str) -> None:
        if not self.policy.robots:
            return
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        rules = self._hosts.robots.get(site)
        if rules is None:
            rules = self._hosts.robots[site] = self._robots(site)
        if isinstance(rules, str):
            raise FetchRefused(f"{url}: {rules}")
        if not rules.can_fetch(self.policy.user_agent, url):
            raise FetchRefused(f"{url}: the site's robots.txt does not allow fetching it")

    def _robots(self, site: str) -> RobotFileParser | str:
        """The rules of ``site/robots.txt`` (none when it has none), or why they are
        unknown (then nothing is fetched from the site, as RFC 9309 asks)."""
        parser = RobotFileParser(f"{site}/robots.txt")
        try:
            found = self.get(f"{site}/robots.txt", None, max_bytes=_ROBOTS_BYTES, robots=False)
        except FetchRefused as exc:
            if exc.status in (401, 403):
                parser.disallow_all = True
            elif exc.status is not None and exc.status < 500:
                parser.allow_all = True  # 404 and the like: the site has no rules
            elif isinstance(exc, AddressRefused):
                raise  # the site itself is refused: say that, not something about robots
            else:
                return f"its robots.txt could not be read ({exc}) - not fetching from the site"
            return parser
        parser.parse(found.text.splitlines())
        return parser


def _text(body: bytes, charset: str | None) -> str | None:
    if charset and b"\x00" not in body[:4096]:
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(body)


def _past(call: Call | None) -> bool:
    return call is not None and time.monotonic() >= call.deadline


def _why(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
