"""Which web addresses may be fetched: http(s) URLs with a host, and, for the chat, only
hosts whose every address is public (not private, loopback, link-local, reserved...)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from qa.errors import AddressRefused, FetchRefused


def check_host(url: str, host: str, port: int, *, exempt: bool) -> None:
    """Resolve ``host``; unless ``exempt``, refuse it when any of its addresses is not
    public (a name with one public and one private address could be either)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise AddressRefused(f"{url}: no such host {host!r}") from None
    if not exempt:
        for info in infos:
            check_ip(url, str(info[4][0]))


def host_port(url: str) -> tuple[str, int]:
    """``(host, port)`` of an http(s) URL, or why it is not one to fetch."""
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


def check_ip(url: str, ip: str) -> None:
    """Refuse ``ip`` (an address ``url`` resolves or connected to) unless it is public;
    IPv4 written as IPv6 (``::ffff:127.0.0.1``) counts as the IPv4 address."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_global:
        return
    kind = ("loopback" if address.is_loopback else "link-local" if address.is_link_local
            else "private" if address.is_private else "non-public")
    raise AddressRefused(f"{url}: resolves to the {kind} address {address} - the app does "
                         "not fetch from its own network (start it with --allow-private-urls "
                         "to allow this)")
