"""The web chat served in the test process on a free loopback port, for tests that need
Gradio's own routes (every one it registers) rather than a browser."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(retriever, settings) -> Iterator[tuple[object, str]]:
    """``(blocks, base URL)`` of the chat for ``retriever``, as `qa serve` launches it."""
    from qa.web import ChatApp, build_app, launch

    settings = settings.with_(port=free_port())
    app = build_app(retriever, settings, ChatApp(retriever, settings))
    launch(app, settings, prevent_thread_lock=True)
    try:
        yield app, f"http://127.0.0.1:{settings.port}/"
    finally:
        app.close()


def routes(app) -> Iterator[tuple[str, set[str]]]:
    """``(path, methods)`` of every route the running Gradio app registered."""
    def walk(items, prefix: str = ""):
        for route in items:
            if hasattr(route, "original_router"):  # FastAPI's included routers
                yield from walk(route.original_router.routes,
                                prefix + (getattr(route.include_context, "prefix", "") or ""))
            elif hasattr(route, "routes") and not hasattr(route, "path"):
                yield from walk(route.routes, prefix)
            elif hasattr(route, "path"):
                yield prefix + route.path, set(getattr(route, "methods", None) or {"GET"})
    yield from walk(app.app.routes)


def events(app, *names: str) -> list[int]:
    """The event numbers of the handlers called ``names``."""
    return [i for i, f in app.fns.items() if getattr(f.fn, "__name__", None) in names]


def run_event(base: str, event: int, data: list, session: str, timeout: float = 30,
              **headers: str) -> tuple[int, dict | str]:
    """Join the queue for ``event`` as the page does; ``(status, the completed message or
    the refusal)``."""
    with httpx.Client(timeout=timeout, headers=headers) as client:
        joined = client.post(base + "gradio_api/queue/join", json={
            "data": data, "fn_index": event, "session_hash": session, "trigger_id": None,
            "event_data": None})
        if joined.status_code != 200:
            return joined.status_code, joined.text
        ends = time.monotonic() + timeout
        with client.stream("GET", base + "gradio_api/queue/data",
                           params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        return 200, message
                if time.monotonic() > ends:
                    break
    return 0, "no answer"
