"""Undoing a response's ``Content-Encoding`` as it streams, never past a size cap.

Most sites compress their pages (gzip, deflate, and brotli when the client asks for it).
httpx would decode them too, but it inflates a whole network chunk at once: 64 KB of a
gzip bomb become 64 MB before anything can count them. Here every step asks zlib (or
brotli) for at most the bytes still allowed, so a bomb stops at the cap having cost no
more memory than the cap.

Brotli is asked for only when a decoder that can bound its output is installed
(``brotli`` >= 1.1, which Gradio already depends on).
"""

from __future__ import annotations

import zlib

try:
    import brotli as _brotli

    _brotli.Decompressor().process(b"", output_buffer_limit=1)  # a bounded decoder
except (ImportError, TypeError, AttributeError):  # none, or one that cannot bound output
    _brotli = None

#: What the fetcher may say it accepts, in the ``Accept-Encoding`` header.
ACCEPTED = ("gzip", "deflate", *(("br",) if _brotli is not None else ()))


class TooLarge(Exception):
    """The decoded body grew past the cap."""


class Undecodable(Exception):
    """The body is not what its ``Content-Encoding`` says, or uses an unknown one."""


class _Zlib:
    """gzip (several members too) or deflate (zlib-wrapped, or raw as some servers send)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.first = True
        self.d = self._new()

    def _new(self):
        return zlib.decompressobj(zlib.MAX_WBITS | 16 if self.kind == "gzip" else zlib.MAX_WBITS)

    def decode(self, data: bytes, room: int) -> bytes:
        """At most ``room + 1`` bytes of output (one more than allowed says "too large")."""
        out = bytearray()
        while True:
            try:
                out += self.d.decompress(data, room + 1 - len(out))
            except zlib.error as exc:
                if self.first and self.kind == "deflate":  # raw deflate, no zlib header
                    self.first, self.d = False, zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise Undecodable(f"not valid {self.kind} data ({exc})") from None
            self.first = False
            if len(out) > room:
                return bytes(out)
            if self.d.eof and self.d.unused_data and self.kind == "gzip":
                data, self.d = self.d.unused_data, self._new()  # the next gzip member
                continue
            data = self.d.unconsumed_tail
            if not data:
                return bytes(out)

    def flush(self, room: int) -> bytes:
        return self.decode(b"", room)


class _Brotli:
    def __init__(self) -> None:
        self.d = _brotli.Decompressor()  # type: ignore[union-attr]

    def decode(self, data: bytes, room: int) -> bytes:
        out = bytearray()
        try:
            out += self.d.process(data, output_buffer_limit=room + 1)
            while len(out) <= room and not self.d.can_accept_more_data():
                more = self.d.process(b"", output_buffer_limit=room + 1 - len(out))
                if not more:
                    break
                out += more
        except _brotli.error as exc:  # type: ignore[union-attr]
            raise Undecodable(f"not valid brotli data ({exc})") from None
        return bytes(out)

    def flush(self, room: int) -> bytes:
        return self.decode(b"", room) if not self.d.is_finished() else b""


class _Identity:
    def decode(self, data: bytes, room: int) -> bytes:
        return data

    def flush(self, room: int) -> bytes:
        return b""


def _decoder(name: str):
    if name in ("gzip", "x-gzip"):
        return _Zlib("gzip")
    if name == "deflate":
        return _Zlib("deflate")
    if name == "br" and _brotli is not None:
        return _Brotli()
    raise Undecodable(f"compressed as {name!r}, which this tool cannot read")


class Decoder:
    """Decodes a body sent with ``Content-Encoding: content_encoding`` into at most
    ``limit`` bytes, raising :class:`TooLarge` past it."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        names = [n.strip().lower() for n in content_encoding.split(",")]
        names = [n for n in names if n not in ("", "identity")]
        if len(names) > 1:  # nothing asks for that; a way to multiply a bomb
            raise Undecodable(f"compressed {len(names)} times over ({content_encoding}) "
                              "- not read")
        self.step = _decoder(names[0]) if names else _Identity()
        self.limit = limit
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        return self._count(self.step.decode(data, self.limit - self.size))

    def flush(self) -> bytes:
        return self._count(self.step.flush(self.limit - self.size))

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self.limit:
            raise TooLarge()
        return data
