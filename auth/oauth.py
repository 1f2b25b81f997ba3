"""``POST /oauth/token``: the OAuth2 client-credentials grant (RFC 6749 section 4.4).

Errors use the standard bodies of section 5.2: ``invalid_request``,
``invalid_client`` (401), ``unsupported_grant_type`` and ``invalid_scope``;
a spent budget answers 429 ``rate_limited`` with ``Retry-After``.

Three budgets, so that a stranger's guesses never lock out the real ATS:
every attempt per client address (``token_ip``); failed authentications per
client id *and* address (``token_failures``: guessing from here stops, the ATS
elsewhere is untouched); tokens issued per client id (``token``: only someone
holding the secret spends it).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse

from auth import security
from config import Settings
from db import partner as partner_db
from db.engine import Database
from web.client_address import client_address
from web.ratelimit import RateLimiter

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

# Compared against when a client id is unknown, so both cases cost the same.
_DUMMY_DIGEST = security.client_secret_digest("suplinks-unknown-client")


def _error(code: str, description: str, status: int = 400, headers: dict | None = None):
    return JSONResponse(
        {"error": code, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def _too_many(wait: int) -> JSONResponse:
    return _error("rate_limited", f"Retry in {wait} seconds.", 429, {"Retry-After": str(wait)})


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)  # RFC 6749 2.3.1: form-encoded first


async def authenticate_client(conn: AsyncConnection, client_id: str, secret: str):
    """The live client row if the secret matches; None otherwise (constant-time compare)."""
    # A NUL (or any control character) is no client id, and PostgreSQL text cannot hold it.
    known = client_id.isprintable() and len(client_id) <= 200
    row = await partner_db.client_by_client_id(conn, client_id) if known else None
    expected = row["secret_hash"] if row is not None else _DUMMY_DIGEST
    matches = security.equal(expected, security.client_secret_digest(secret))
    if row is None or not matches or row["revoked_at"] is not None:
        return None
    return row


def token_endpoint(settings: Settings, db: Database, limiter: RateLimiter):
    async def token(request: Request) -> JSONResponse:
        address = client_address(request.scope, settings.trusted_proxies)
        wait = await limiter.retry_after("token_ip", address)
        if wait is not None:
            return _too_many(wait)
        form = await request.form()
        grant_type = form.get("grant_type")
        if not grant_type:
            return _error("invalid_request", "grant_type is required (form-encoded body).")
        if grant_type != "client_credentials":
            return _error("unsupported_grant_type", "Only client_credentials is supported.")
        basic = _basic_credentials(request)
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        challenge = {"WWW-Authenticate": 'Basic realm="suplinks"'} if basic else None
        if not client_id or not secret:
            return _error("invalid_client", "Client authentication failed.", 401, challenge)
        guesser = f"{client_id}|{address}"
        wait = await limiter.exhausted("token_failures", guesser)
        if wait is not None:
            return _too_many(wait)
        async with db.read() as conn:
            client = await authenticate_client(conn, str(client_id), str(secret))
        if client is None:
            await limiter.retry_after("token_failures", guesser)
            return _error("invalid_client", "Client authentication failed.", 401, challenge)
        wait = await limiter.retry_after("token", str(client["id"]))
        if wait is not None:
            return _too_many(wait)
        requested = str(form.get("scope") or "").split()
        if not set(requested) <= set(client["scopes"]):
            return _error("invalid_scope", "The requested scope exceeds the client's scopes.")
        scopes = tuple(sorted(requested or client["scopes"]))
        expires_at = security.expiry(settings.partner_token_ttl_seconds)
        access_token = security.issue_token(
            settings.secret_key,
            security.TokenClaims("partner", client["id"], expires_at, scopes),
        )
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": settings.partner_token_ttl_seconds,
                "scope": " ".join(scopes),
            },
            headers=NO_STORE,
        )

    return token
