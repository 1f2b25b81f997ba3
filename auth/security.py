"""Passwords (Argon2id), signed access tokens (JWT HS256), constant-time checks.

Argon2 takes tens of milliseconds of CPU by design. It runs on a small thread
pool (argon2-cffi releases the GIL), never on the event loop, so other requests
are served while passwords are checked; a bounded number of checks may wait for
a thread, and beyond that logIn and signUp answer RATE_LIMITED at once instead
of slowing everyone down.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


def _password_hasher() -> PasswordHasher:
    """Argon2id with the library's recommended parameters (RFC 9106 low-memory profile).

    ``SUPLINKS_PASSWORD_HASH_COST=low`` lowers the cost for the test suite only,
    where hundreds of sign-ups would otherwise dominate its run time.
    """
    if os.environ.get("SUPLINKS_PASSWORD_HASH_COST") == "low":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


_hasher = _password_hasher()

# Verified against when an email is unknown, so that a login for a missing
# account costs the same as one with a wrong password.
_DUMMY_HASH = _hasher.hash("suplinks-timing-equaliser")

TOKEN_AUDIENCE = "suplinks"


T = TypeVar("T")


class HashingBusy(Exception):
    """Every thread and queue slot is taken: the caller answers RATE_LIMITED
    (``web.extensions.ErrorMasking``), retrying in a second."""

    retry_after = 1


class HashPool:
    """A few threads for Argon2, and a bounded number of calls waiting for them."""

    def __init__(self, workers: int, queue: int) -> None:
        self.capacity = workers + queue
        self.in_flight = 0
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="argon2")

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` on a pool thread; RATE_LIMITED when the queue is full."""
        if self.in_flight >= self.capacity:
            raise HashingBusy()
        self.in_flight += 1  # only the event loop's thread counts: no lock needed
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self.in_flight -= 1


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


# SUPLINKS_HASH_WORKERS threads (2: this service's machines have 2 cores), and
# SUPLINKS_HASH_QUEUE calls waiting for one.
hash_pool = HashPool(_env_int("SUPLINKS_HASH_WORKERS", 2), _env_int("SUPLINKS_HASH_QUEUE", 16))


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    return await hash_pool.run(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Argon2 verification (constant time); an unknown account still pays for one."""
    return await hash_pool.run(_verify, password_hash, password)


def new_client_secret() -> str:
    """A partner client's secret: 256 random bits, shown once."""
    return "sls_" + secrets.token_urlsafe(32)


def client_secret_digest(secret: str) -> str:
    """Client secrets are random, not chosen: a SHA-256 digest stores them safely
    (no password-style stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def handle_digest(secret: str, handle_key: str) -> bytes:
    """A released handle as its tombstone keeps it: HMAC-SHA256 under a key of its
    own, derived from the secret key, so the table alone cannot be checked
    against a list of guessed handles. (A new secret key forgets the tombstones.)"""
    key = hmac.digest(secret.encode(), b"suplinks handle tombstone", "sha256")
    return hmac.digest(key, handle_key.encode(), "sha256")


def equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class TokenClaims:
    subject: str  # "member" or "partner"
    principal: uuid.UUID  # session id for members, api client row id for partners
    expires_at: datetime
    scopes: tuple[str, ...] = ()


def issue_token(secret: str, claims: TokenClaims) -> str:
    payload = {
        "sub": claims.subject,
        "sid": str(claims.principal),
        "exp": int(claims.expires_at.timestamp()),
        "aud": TOKEN_AUDIENCE,
        "scope": " ".join(claims.scopes),
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> TokenClaims | None:
    """The token's claims if its signature holds and it has not expired; otherwise None."""
    try:
        payload = jwt.decode(token, secret, algorithms=["HS256"], audience=TOKEN_AUDIENCE)
        return TokenClaims(
            subject=str(payload["sub"]),
            principal=uuid.UUID(payload["sid"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
            scopes=tuple(str(payload.get("scope", "")).split()),
        )
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


def expiry(seconds: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
