"""Erasure notices over HTTP: where they may go, how they are signed, how one is sent.

Promise (The member's own data): partners that received a member's data are
told to erase it.

Where a notice may go (checked when an admin sets the URL, and again at
every delivery, after resolving the name):

- in production, ``https`` only; in development ``http`` too;
- never to a loopback, private, link-local, multicast, reserved or otherwise
  non-global address, whatever the name resolves to (loopback is allowed in
  development, for a receiver on one's own machine);
- the request goes to the address that was checked (its name travels in the
  ``Host`` header and TLS's SNI, and the certificate is checked against it):
  a DNS answer that changes between the check and the connection cannot turn
  a notice towards an internal service. Redirects are not followed.

The signing secret is ``HMAC-SHA256(SUPLINKS_SECRET_KEY, salt)`` with a
random salt stored per client: the secret itself is never stored, so a copy
of the database alone cannot sign a notice (rotating the key changes every
webhook secret; admins then set their webhooks again).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

MAX_URL = 2000
USER_AGENT = "SUPLINKS-Webhooks/1"
RESOLVE_TIMEOUT = 5.0  # seconds: a stalled resolver must not stall the worker
_SECRET_LABEL = b"suplinks webhook secret|"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(ValueError):
    """A webhook URL that notices may not be sent to; the message says why."""


@dataclass(frozen=True)
class Target:
    """A webhook URL, checked: its parts and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: Address


def secret_for(secret_key: str, salt: str) -> str:
    """The client's signing secret, derived from the service's key and its salt."""
    digest = hmac.new(secret_key.encode(), _SECRET_LABEL + salt.encode(), hashlib.sha256).digest()
    return "whsec_" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signature(secret: str, body: bytes) -> str:
    """The ``X-Suplinks-Signature`` header's value: sha256=<hex HMAC of the raw body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def address_allowed(address: Address, *, production: bool) -> bool:
    """Only global unicast addresses; loopback too outside production."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return not production
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def parse_url(raw: str, *, production: bool) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable URL, or UnsafeUrl."""
    if len(raw) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in raw):
        raise UnsafeUrl("The URL is too long or holds spaces or control characters.")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("This is not a URL.") from exc
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeUrl("The URL must start with https://." if production else "Use http(s).")
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The URL needs a host name and no user name or password.")
    if parts.fragment:
        raise UnsafeUrl("The URL must not have a #fragment.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


async def resolve_host(host: str, port: int) -> list[Address]:
    """Every address the name resolves to (an address literal: itself)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].partition("%")[0]) for info in infos]


async def check_url(raw: str, *, production: bool) -> Target:
    """The URL's target if notices may go there now, or UnsafeUrl.

    Every address the name resolves to must be allowed: a name that also
    resolves to an internal address is refused, not half-trusted.
    """
    scheme, host, port, path = parse_url(raw, production=production)
    try:
        addresses = await asyncio.wait_for(resolve_host(host, port), RESOLVE_TIMEOUT)
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise UnsafeUrl("The host name does not resolve.") from exc
    if not addresses or not all(address_allowed(a, production=production) for a in addresses):
        raise UnsafeUrl("The URL must point to a public address.")
    return Target(scheme, host, port, path, addresses[0])


@dataclass(frozen=True)
class Outcome:
    """One attempt: the answer's status code, or the class of the error (never the body)."""

    status_code: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(
    client: httpx.AsyncClient,
    url: str,
    *,
    secret: str,
    event_id: str,
    body: bytes,
    production: bool,
) -> Outcome:
    """POST one notice to the checked address of ``url``; any failure is an Outcome."""
    try:
        target = await check_url(url, production=production)
    except UnsafeUrl:
        return Outcome(error="UnsafeUrl")
    literal = (
        f"[{target.address}]"
        if isinstance(target.address, ipaddress.IPv6Address)
        else str(target.address)
    )
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    headers = {
        "host": host_header,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "x-suplinks-signature": signature(secret, body),
        "x-suplinks-timestamp": str(int(time.time())),
        "x-suplinks-event-id": event_id,
    }
    request = client.build_request(
        "POST",
        f"{target.scheme}://{literal}:{target.port}{target.path}",
        content=body,
        headers=headers,
        extensions={"sni_hostname": target.host},
    )
    try:
        # Streamed and closed unread: the partner's answer is its status code alone.
        response = await client.send(request, stream=True)
        await response.aclose()
    except httpx.HTTPError as exc:
        return Outcome(error=type(exc).__name__)
    return Outcome(status_code=response.status_code)


def http_client(timeout_seconds: float) -> httpx.AsyncClient:
    """The client notices go through: no proxy from the environment (the checked
    address is the one connected to), no redirects, a bound on each attempt."""
    return httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False, trust_env=False)
