"""The client's address: the one place that decides it, for sign-in locks, bearer tokens and
websocket handshakes alike.

The connection's peer is the client unless it is a proxy we trust (``settings.TRUSTED_PROXIES``:
IP addresses, networks such as ``10.0.0.0/8``, or ``unix`` for a peer on a Unix socket, which
has no address). Behind trusted proxies the client is the right-most ``X-Forwarded-For`` entry
that is not itself a trusted proxy: each proxy appends the address it saw, so everything left
of our own proxies' additions was written by the client and proves nothing. nginx's
``$proxy_add_x_forwarded_for`` appends to whatever the client sent; taking the left-most entry
would let anyone pick the address their failures count against (or someone else's).

With no trusted proxies (the default), ``X-Forwarded-For`` is ignored altogether.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

UNIX_SOCKET = "unix"
UNKNOWN = "unknown"

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _trusted(proxies: tuple[str, ...]) -> tuple[bool, tuple[_Network, ...]]:
    unix = False
    networks: list[_Network] = []
    for entry in proxies:
        entry = entry.strip()
        if not entry:
            continue
        if entry.lower() == UNIX_SOCKET:
            unix = True
        else:
            networks.append(ipaddress.ip_network(entry, strict=False))
    return unix, tuple(networks)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy writes it: bare, ``1.2.3.4:port`` or ``[v6]:port``; None if not."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(peer: str | None, proxies: Iterable[str]) -> bool:
    unix, networks = _trusted(tuple(proxies))
    if not peer:
        return unix  # a Unix-socket peer has no address
    address = _parse(peer)
    return address is not None and any(address in network for network in networks)


def client_address_from(peer: str | None, forwarded_for: Iterable[str] = ()) -> str:
    """The client's address, from the connection's peer and the ``X-Forwarded-For`` header(s)
    in the order received. What a client wrote itself is never trusted."""
    proxies = getattr(settings, "TRUSTED_PROXIES", ())
    if not _is_trusted(peer, proxies):
        return peer or UNKNOWN
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",")]
    hops = [hop for hop in hops if hop]
    client = peer
    while hops:
        hop = hops.pop()
        address = _parse(hop)
        if address is None:
            # Not an address (garbage, or ``unknown``): nothing further left can be believed.
            return str(client) if client else UNKNOWN
        client = str(address)
        if not _is_trusted(client, proxies):
            return client
    return client or UNKNOWN


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request`` (see the module docstring)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    return client_address_from(request.META.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def scope_client_address(scope) -> str:
    """The same for an ASGI scope (a websocket handshake)."""
    client = scope.get("client")
    forwarded = [
        value.decode("latin1")
        for name, value in scope.get("headers", [])
        if name == b"x-forwarded-for"
    ]
    return client_address_from(client[0] if client else None, forwarded)
