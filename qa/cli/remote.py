"""Asking a running `qa serve` for an answer instead of loading the model and the index
in this process: a cold `qa ask` spends seconds importing PyTorch and loading weights,
a running server answers in a fraction of a second.

The chat's ``answer`` API (Gradio's ``POST /gradio_api/call/answer``, then the result as
server-sent events) returns what ``Answer.to_dict()`` gives, so `qa ask` prints it as it
prints its own answers. Each hit names the index version that answered: an answer from
a server of another index, or of an older version of this one, is not used.

Standard library only (http.client): this runs before anything heavy is imported.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import urlsplit

from qa.settings import Settings

log = logging.getLogger(__name__)

CONNECT_SECONDS = 0.5  # loopback answers at once; no server there refuses at once
# The whole answer, queue included. A cold `qa ask` answers in process in a second or two
# (queries in NumPy, the reader on ONNX Runtime): a busy server is not waited for long.
ANSWER_SECONDS = 15.0
API = "gradio_api/call/answer"


class Unanswered(Exception):
    """The server could not be reached or gave no usable answer (answer locally)."""


def default_server(settings: Settings) -> str:
    """The server `qa ask` tries: ``settings.server`` (``$QA_SERVER``), else where `qa
    serve` listens by default."""
    return settings.server or f"http://127.0.0.1:{settings.port}/"


def ask(url: str, question: str, *, k: int, mode: str | None = None, since: str | None = None,
        until: str | None = None, source: str | None = None, person: str | None = None,
        as_of: str | None = None, connect_seconds: float = CONNECT_SECONDS,
        answer_seconds: float = ANSWER_SECONDS) -> dict:
    """The server's answer (``Answer.to_dict()``), or :class:`Unanswered`. Options left out
    are sent as the API's "not given" (empty text), as the chat sends them."""
    data = [question, k, mode or "", since or "", until or "", source or "", person or "",
            as_of or ""]
    deadline = time.monotonic() + answer_seconds
    posted = _request(url, "POST", API, json.dumps({"data": data}).encode(),
                      connect_seconds, deadline)
    try:
        event_id = json.loads(posted)["event_id"]
    except (ValueError, KeyError, TypeError):
        raise Unanswered(f"not the chat's answer API ({posted[:80]!r})") from None
    if not isinstance(event_id, str) or not event_id.isalnum():
        raise Unanswered("not the chat's answer API (bad event id)")
    events = _request(url, "GET", f"{API}/{event_id}", None, connect_seconds, deadline)
    return _completed(events)


def _request(url: str, method: str, path: str, body: bytes | None, connect_seconds: float,
             deadline: float) -> bytes:
    """The body of one request, read whole by ``deadline`` (``time.monotonic()``); the
    event stream ends with its last event."""
    import http.client  # here, not at the top: `qa --help` has no use for it

    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number
        raise Unanswered(f"not an http:// address: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Unanswered(f"not an http:// address: {url!r}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, port, timeout=connect_seconds)
    chunks: list[bytes] = []
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        # Connecting and sending within connect_seconds; then the answer until the deadline.
        connection.request(method, parts.path.rstrip("/") + "/" + path, body, headers)
        connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        response = connection.getresponse()
        while chunk := response.read1(65536):  # heartbeats must not keep us waiting
            chunks.append(chunk)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer in time")
            if connection.sock is not None:  # None once a closing response is read
                connection.sock.settimeout(left)
    except (OSError, http.client.HTTPException) as exc:
        raise Unanswered(f"{type(exc).__name__}: {exc}") from None
    finally:
        connection.close()
    payload = b"".join(chunks)
    if response.status != 200:
        raise Unanswered(f"HTTP {response.status}: {payload[:80]!r}")
    return payload


def _completed(stream: bytes) -> dict:
    """The answer in the ``complete`` event of a server-sent event stream."""
    event = None
    for line in stream.decode("utf-8", "replace").splitlines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            if event == "error":
                raise Unanswered(f"the server refused: {line[5:].strip()[:200]}")
            try:
                outputs = json.loads(line[5:])
            except ValueError:
                raise Unanswered("an unreadable answer") from None
            if (isinstance(outputs, list) and len(outputs) == 1
                    and isinstance(outputs[0], dict) and "hits" in outputs[0]):
                return outputs[0]
            raise Unanswered("not an answer")
    raise Unanswered("the server sent no answer")
