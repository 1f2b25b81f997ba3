"""Who is on the other end: the client address that per-address budgets count.

The peer of the connection, unless it is one of our own proxies
(``SUPLINKS_TRUSTED_PROXIES``): then ``X-Forwarded-For`` is read from the right,
each trusted proxy having appended the address it received from, and the first
address that is not a trusted proxy is the client. Everything left of it was
written by the client and proves nothing.

IPv6 addresses count by their /64: one subscriber usually holds a whole /64,
and would otherwise have 2**64 budgets.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.types import Scope

Networks = Sequence[IPv4Network | IPv6Network]


def _trusted(address: str, proxies: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def _forwarded_hops(scope: Scope) -> list[str]:
    """The addresses of every ``X-Forwarded-For`` header, left to right."""
    hops = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += [hop.strip() for hop in value.decode("latin-1").split(",") if hop.strip()]
    return hops


def bucket(address: str) -> str:
    """The key of ``address`` for rate limits: IPv4 as is, IPv6 by its /64."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def client_address(scope: Scope, proxies: Networks) -> str:
    """The client's address, as budgets count it (see ``bucket``)."""
    address = (scope.get("client") or ("unknown", 0))[0]
    if _trusted(address, proxies):
        for hop in reversed(_forwarded_hops(scope)):
            address = hop
            if not _trusted(hop, proxies):
                break
    return bucket(address)
