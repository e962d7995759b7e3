"""Where the server may send requests to URLs that others registered: back-channel logout, and
every later webhook. Outside dev mode only public addresses over https: never loopback,
link-local (cloud metadata at 169.254.169.254), private, shared, multicast or reserved ones
(OWASP SSRF Prevention Cheat Sheet; issue 15 item 9).

Checked twice: at registration (the literal host, and its addresses when it resolves), and at
every delivery after resolving the name, so a name that later points inside is refused too.
The sender then connects to the address it checked (`pinned`), never resolving again.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

from servicekonto.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenTarget(InvalidInput):
    """A URL the server must not send requests to."""


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    return address.is_global and not address.is_multicast


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    # the scope id (fe80::1%eth0) is not part of the address
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    port: int
    #: The checked addresses; empty when internal targets are allowed (dev mode).
    addresses: tuple[str, ...]

    def pinned(self) -> tuple[str, dict[str, str], str]:
        """(URL with the first checked address, Host header, TLS server name) for the request."""
        if not self.addresses:
            return self.url, {}, self.host
        parts = urlsplit(self.url)
        address = self.addresses[0]
        shown = f"[{address}]" if ":" in address else address
        url = urlunsplit(parts._replace(netloc=f"{shown}:{self.port}"))
        return url, {"Host": parts.netloc}, self.host


def _parts(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or "@" in parts.netloc:
        raise ForbiddenTarget("the URL must be an absolute http(s) URL without user information")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ForbiddenTarget("the URL has an invalid port") from None
    return parts.scheme, parts.hostname, port


def check_target(url: str, *, allow_internal: bool, must_resolve: bool) -> Target:
    """The URL if the server may call it, else ForbiddenTarget.

    `must_resolve`: at delivery a name that does not resolve is refused; at registration it is
    let through (the delivery checks it again) so clients can be registered before their DNS.
    """
    scheme, host, port = _parts(url)
    if allow_internal:
        return Target(url, host, port, ())
    if scheme != "https":
        raise ForbiddenTarget("the URL must use https")
    if host == "localhost" or host.endswith((".localhost", ".localdomain")):
        raise ForbiddenTarget("the URL must not point to this host")
    literal = _literal(host)
    addresses = [literal] if literal is not None else _resolve(host, port)
    if not addresses and must_resolve:
        raise ForbiddenTarget("the URL's host does not resolve")
    if any(not is_public(a) for a in addresses):
        raise ForbiddenTarget(
            "the URL must not point to a loopback, link-local, private or reserved address"
        )
    return Target(url, host, port, tuple(str(a) for a in addresses))


@dataclass(frozen=True, slots=True)
class CallTimeouts:
    """Bounds of one call to a service we depend on (eID-Server, civil register): per-operation
    timeouts and the total deadline, in seconds. httpx has no total deadline, so the caller
    keeps `total` itself."""

    connect: float = 2.0
    read: float = 3.0
    write: float = 2.0
    pool: float = 1.0
    total: float = 5.0

    def per_operation(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write,
                             pool=self.pool)
