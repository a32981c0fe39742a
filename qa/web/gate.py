"""What reaches Gradio's HTTP routes: ASGI middleware in front of ``/gradio_api/*``.

Gradio registers many more routes than the chat uses, and some write, fetch or run
things for whoever asks: ``/process_recording`` writes to its temporary folder,
``/file=http://...`` fetches any public URL (an open proxy), a file entry whose ``path``
is a URL makes Gradio download it before the app sees the request, and any event can be
called by number through ``/queue/join`` or ``/call/<name>``. So:

- only the routes the page and the API clients use are served; any other path under
  ``/gradio_api/`` is a 404, as is an unknown API name or event number (Gradio answers
  those with a 500);
- ``/file=`` serves local files only (Gradio's own checks then apply), never a URL;
- a request body is read up to ``max_body`` bytes (more is a 413, answered at once and
  never held in memory), and a file entry giving a URL instead of an upload is refused;
- with an upload token set, the events that write, fetch or index (``gated``) need it:
  in the ``X-Upload-Token`` header, the cookie the page sets, or among the event's inputs.
"""

from __future__ import annotations

import hmac
import json
import re
from http.cookies import Morsel, SimpleCookie
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

PREFIX = "/gradio_api/"
TOKEN_COOKIE = "qa_upload_token"
_ID = r"[A-Za-z0-9_.-]+"
# The routes the page and gradio_client use; anything else under /gradio_api/ is a 404.
_READ = re.compile(
    rf"(info|openapi\.json|app_id|login_check|user|token|queue/data|queue/status"
    rf"|upload_progress|startup-events|theme\.css|heartbeat/{_ID}|deep_link"
    rf"|call/(v2/)?(?P<api_result>{_ID})/{_ID}|file=(?P<file>.*)|file/(?P<old_file>.*))/?")
_WRITE = re.compile(rf"(queue/join|upload|cancel|reset|(call/(v2/)?|run/|api/)(?P<api>{_ID}))/?")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*:|[/\\]{2})")  # http:, data:, //host


class ApiGate:
    """The middleware; ``public``: the API names callers may use; ``events``: every
    event number the app has; ``gated``: those that need the token when one is set."""

    def __init__(self, app, *, token: str | None, public: set[str], public_events: set[int],
                 events: set[int], gated: set[int], max_body: int) -> None:
        self.app, self.token = app, token
        self.public, self.public_events = public, public_events
        self.events, self.gated, self.max_body = events, gated, max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            return await self.app(scope, receive, send)
        route = scope["path"][len(PREFIX):]
        method = scope["method"]
        if method in ("GET", "HEAD"):
            m = _READ.fullmatch(route)
            if m is None or (m["api_result"] and m["api_result"] not in self.public):
                return await _answer(scope, receive, send, 404, "not found")
            local = m["file"] if m["file"] is not None else m["old_file"]
            if local is not None and _SCHEME.match(unquote(local)):
                return await _answer(scope, receive, send, 404,
                                     "this app serves its own files only, not web addresses")
            return await self.app(scope, receive, send)
        m = _WRITE.fullmatch(route) if method == "POST" else None
        if m is None:
            return await _answer(scope, receive, send, 404, "not found")
        if m["api"] is not None and m["api"] not in self.public:
            return await _answer(scope, receive, send, 404, f"no API named {m['api'][:40]!r}")
        if route.rstrip("/") == "upload":  # multipart, size-capped by Gradio; see UploadGate
            return await self.app(scope, receive, send)
        body = await _read(receive, self.max_body)
        if body is None:
            return await _answer(scope, receive, send, 413,
                                 f"request over {self.max_body / 2**20:g} MB - refused",
                                 drained=True)
        refusal = self._check(body, Headers(scope=scope), api=m["api"] is not None)
        if refusal is not None:
            status, message = refusal
            return await _answer(scope, receive, send, status, message, drained=True)
        return await self.app(scope, _replay(body, receive), send)

    def _check(self, body: bytes, headers: Headers, *, api: bool) -> tuple[int, str] | None:
        try:
            data = json.loads(body) if body.strip() else None
        except (ValueError, RecursionError):
            return None  # not JSON: Gradio refuses it itself
        if not isinstance(data, dict):
            return None
        event = data.get("fn_index")
        if event is not None:
            if not isinstance(event, int) or event not in self.events or (
                    api and event not in self.public_events):
                return 404, "no such event"
            if event in self.gated and self.token and not self._has_token(headers, data):
                return 401, "adding articles needs the upload token - enter it first"
        if _file_urls(data):
            return 400, "files must be uploaded, not given as web addresses"
        return None

    def _has_token(self, headers: Headers, data: dict) -> bool:
        expected = self.token.encode()  # type: ignore[union-attr]
        given = [headers.get("x-upload-token") or "", unquote(
            SimpleCookie(headers.get("cookie", "")).get(TOKEN_COOKIE, Morsel()).value or "")]
        inputs = data.get("data")
        if isinstance(inputs, list):
            given += [x for x in inputs if isinstance(x, str) and len(x) <= 256]
        return any(hmac.compare_digest(g.encode(), expected) for g in given if g)


def _file_urls(value: object, depth: int = 0) -> bool:
    """Whether ``value`` holds a file entry (a dict with a ``path``) naming a URL."""
    if depth > 20:
        return True  # nothing the app sends is this deep
    if isinstance(value, dict):
        path = value.get("path")
        if isinstance(path, str) and _SCHEME.match(path):
            return True
        return any(_file_urls(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_file_urls(v, depth + 1) for v in value)
    return False


_DRAIN = 256 * 2**20  # past this, a refused body is not read to its end: the line drops


async def _read(receive, limit: int) -> bytes | None:
    """The whole body, or None (having read and dropped the rest, up to ``_DRAIN``) when it
    passes ``limit``: nothing over ``limit`` is ever held."""
    body: bytearray | None = bytearray()
    seen, more = 0, True
    while more and seen <= _DRAIN:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        seen += len(chunk)
        if body is not None:
            body += chunk
            if len(body) > limit:
                body = None  # drop it; keep draining
    return bytes(body) if body is not None else None


def _replay(body: bytes, receive):
    """A ``receive`` that gives ``body`` (already read) once, then the client's own."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # what comes next: a disconnect

    return replay


async def _answer(scope, receive, send, status: int, message: str, drained: bool = False):
    if not drained and scope["method"] not in ("GET", "HEAD"):
        await _read(receive, 0)  # the client gets the answer, not a broken connection
    await JSONResponse({"detail": message}, status)(scope, receive, send)
