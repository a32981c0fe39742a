"""Which web addresses may be fetched: http(s) URLs with a host, and, for the chat, only
hosts whose every address is public (not private, loopback, link-local, reserved...).

An IPv4 address can travel inside an IPv6 one (``::ffff:127.0.0.1``, NAT64
``64:ff9b::7f00:1``, 6to4 ``2002:7f00:1::``...) and reach it: such an address is judged
by the IPv4 address it carries."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from qa.errors import AddressRefused, FetchRefused


def check_host(url: str, host: str, port: int, *, exempt: bool) -> tuple[str, ...]:
    """Resolve ``host`` and give its addresses; unless ``exempt``, refuse it when any of
    them is not public (a name with one public and one private address could be either)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"{url}: no such host {host!r}") from None
    found = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
    if not exempt:
        for ip in found:
            check_ip(url, ip)
    return found


def host_port(url: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) URL, or why it is not one to fetch."""
    if len(url) > MAX_URL_CHARS:
        raise FetchRefused(f"{url[:60]}…: the address is {len(url):,} characters long - at "
                           f"most {MAX_URL_CHARS:,}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"{url}: only http and https addresses can be fetched")
    if not parts.hostname:
        raise FetchRefused(f"{url}: not a web address (no host)")
    if parts.username or parts.password:
        raise FetchRefused(f"{url}: addresses with a user name or password are not fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(f"{url}: the port is not a number between 0 and 65535") from None
    return parts.hostname, port


MAX_URL_CHARS = 8192  # what servers commonly accept in a request line

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known prefix (RFC 6052)
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # local-use prefix (RFC 8215)
_COMPATIBLE = ipaddress.ip_network("::/96")  # IPv4-compatible ::a.b.c.d (deprecated)
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT ::ffff:0:a.b.c.d (RFC 2765)


def carried(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, if it is of a kind that reaches it."""
    low = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in _NAT64 or address in _TRANSLATED:
        return low
    if address in _COMPATIBLE and int(address) > 1:  # not :: or ::1
        return low
    return None


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_site_local or address in _NAT64_LOCAL:
            return False
        inner = carried(address)
        if inner is not None:
            return _public(inner)
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return False
    return address.is_global


def check_ip(url: str, ip: str) -> None:
    """Refuse ``ip`` (an address ``url`` resolves or connected to) unless it is public;
    an IPv6 address carrying an IPv4 one (``::ffff:127.0.0.1``, ``64:ff9b::a00:1``,
    ``2002:c0a8:1::``) is judged by the IPv4 address."""
    given = address = ipaddress.ip_address(ip.split("%")[0])
    if _public(address):
        return
    while isinstance(address, ipaddress.IPv6Address) and carried(address) is not None:
        address = carried(address)  # name what it reaches
    inside = f" (inside {given})" if address != given else ""
    kind = ("loopback" if address.is_loopback else "link-local" if address.is_link_local
            else "private" if address.is_private else "non-public")
    raise AddressRefused(f"{url}: resolves to the {kind} address {address}{inside} - the app "
                         "does not fetch from its own network (start it with "
                         "--allow-private-urls to allow this)")
