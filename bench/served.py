"""What the outside-in benchmarks share: a served instance and a timed GraphQL client.

``login_flood``, ``attacks`` and ``soak`` load one ``app.py serve --demo``
process on 127.0.0.1 (embedded PostgreSQL in a throw-away folder, the real
password-hash cost), over HTTP, from this process. Each measures its baseline
in the same run, so that the tables give ratios, not machine-dependent times.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from demo.seed import DEMO_PASSWORD
from tests.service import Service, served

# An ordinary query: a logged-in member reads their own profile.
VIEWER = "{ viewer { profile { id alias fullName headline } } }"
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
RECRUITER = "rita@northwind.example"
CANDIDATE = "alice@mail.example"


@contextmanager
def demo_service(env: dict[str, str] | None = None) -> Iterator[Service]:
    """``app.py serve --demo`` on a free loopback port, its data deleted afterwards."""
    # `timeout` and Ctrl-C alike stop the service and its PostgreSQL on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    data_dir = Path(tempfile.mkdtemp(prefix="suplinks-bench-"))
    environment = {k: v for k, v in os.environ.items() if k != "SUPLINKS_PASSWORD_HASH_COST"}
    try:
        with served(data_dir, env={**environment, **(env or {})}) as service:
            yield service
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def log_in(base: str, email: str) -> str:
    response = httpx.post(
        base + "/graphql",
        json={"query": LOG_IN, "variables": {"e": email, "p": DEMO_PASSWORD}},
        timeout=60,
    )
    body = response.json()
    token = (body.get("data") or {}).get("logIn", {}).get("token")
    if not token:
        raise RuntimeError(f"cannot log in as {email}: {body}")
    return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def timed_post(
    client: httpx.AsyncClient, path: str, **kwargs
) -> tuple[float, httpx.Response]:
    """One request; its round trip in milliseconds (on loopback, about the server's time)."""
    start = time.perf_counter()
    response = await client.post(path, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: an observed value, no interpolation."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def error_code(response: httpx.Response) -> str:
    """``ok``, the first error's ``extensions.code``, or the HTTP status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        return str(errors[0].get("extensions", {}).get("code", "no code"))
    return "ok" if response.status_code == 200 else f"HTTP {response.status_code}"
