"""The fetcher's connections: one deadline over connect, headers and body, and connections
made only to the addresses that were checked.

httpx bounds each read, not a response: a server sending one header byte every two
seconds never trips a ten-second read timeout. Every socket operation here is given at
most the time left until the deadline of the fetch in progress (:class:`Call`, set by
the fetcher around each fetch), so a fetch ends by its deadline whatever the server does.

Resolving a name when it is checked and again when connecting lets a DNS answer change
in between (DNS rebinding: public for the check, 127.0.0.1 for the connection). A
:class:`Call` carries the addresses the check accepted, and connections go to those
addresses only; a host with none recorded is not connected to unless it is exempt.
"""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field

import httpcore
import httpx


@dataclass
class Call:
    """One fetch in progress: when it must be over, and where its hosts may be reached."""

    deadline: float  # time.monotonic()
    # (host as sent, port) -> the checked addresses to connect to, in order.
    pins: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    # Hosts exempt from the address check, which connect by name.
    open_hosts: set[tuple[str, int]] = field(default_factory=set)

    def left(self, timeout: float | None, error: type[Exception]) -> float:
        """``timeout`` cut to the time left, or ``error`` when none is."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("the deadline for the whole response has passed")
        return remaining if timeout is None else min(timeout, remaining)


current: contextvars.ContextVar[Call | None] = contextvars.ContextVar("qa_fetch_call",
                                                                       default=None)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    call = current.get()
    return timeout if call is None else call.left(timeout, error)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> _Stream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname,
                                             _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None) -> _Stream:
        call = current.get()
        if call is None or (host, port) in call.open_hosts:
            addresses: tuple[str, ...] = (host,)
        else:
            addresses = call.pins.get((host, port), ())
            if not addresses:
                raise httpcore.ConnectError(f"{host} was not checked before connecting")
        error: Exception | None = None
        for address in addresses:  # as socket.create_connection tries each address
            try:
                return _Stream(self._inner.connect_tcp(
                    address, port, timeout=_left(timeout, httpcore.ConnectTimeout),
                    local_address=local_address, socket_options=socket_options))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error  # type: ignore[misc]

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options=None):
        raise httpcore.ConnectError("the fetcher does not use unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Transport(httpx.HTTPTransport):
    """An httpx transport whose connections keep to the :class:`Call` in progress. No
    proxy from the environment: a proxy would be the peer, and the checks meaningless."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(  # the pool httpx makes, on our connections
            ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=_Backend())
