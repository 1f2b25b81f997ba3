"""Argon2 runs on a bounded thread pool, off the event loop. While passwords
are being checked other requests are served (and a logIn holds no database connection
meanwhile), and past the pool's queue logIn and signUp answer RATE_LIMITED at once
(nothing written)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from auth import security
from tests.client import PASSWORD, table_counts

LOG_IN = """mutation($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token userErrors { code } } }"""
SIGN_UP = (
    """mutation($input: SignUpInput!) { signUp(input: $input) { token userErrors { code } } }"""
)


class GatedHasher:
    """The real hasher, each call held on a pool thread until the gate opens."""

    def __init__(self, real, gate: threading.Event) -> None:
        self.real, self.gate, self.started = real, gate, threading.Semaphore(0)

    def close(self) -> None:
        """From now on, hashes wait for ``gate.set()``."""
        self.started = threading.Semaphore(0)
        self.gate.clear()

    def _hold(self) -> None:
        self.started.release()
        self.gate.wait(timeout=60)

    def hash(self, password: str) -> str:
        self._hold()
        return self.real.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._hold()
        return self.real.verify(password_hash, password)


@pytest.fixture
def gated(monkeypatch):
    """A pool of 1 thread and 1 waiting place; once closed, hashes wait for the gate."""
    gate = threading.Event()
    gate.set()
    hasher = GatedHasher(security._hasher, gate)
    monkeypatch.setattr(security, "_hasher", hasher)
    monkeypatch.setattr(security, "hash_pool", security.HashPool(workers=1, queue=1))
    yield hasher
    gate.set()


async def _started(hasher: GatedHasher) -> None:
    """Until a pool thread has begun a hash (the event loop stays free meanwhile)."""
    while not hasher.started.acquire(blocking=False):
        await asyncio.sleep(0.01)


async def test_past_the_queue_log_in_and_sign_up_answer_rate_limited(api, db, gated):
    for name in ("ann", "bob"):
        await api.sign_up(f"{name}@mail.example")
    gated.close()
    first = asyncio.create_task(api(LOG_IN, {"e": "ann@mail.example", "p": PASSWORD}))
    second = asyncio.create_task(api(LOG_IN, {"e": "bob@mail.example", "p": PASSWORD}))
    await _started(gated)
    while security.hash_pool.in_flight < 2:
        await asyncio.sleep(0.01)

    third = await api(LOG_IN, {"e": "ann@mail.example", "p": PASSWORD})
    assert third["errors"][0]["extensions"]["code"] == "RATE_LIMITED", third
    before = await table_counts(db)
    signup = {
        "email": "cy@mail.example",
        "password": PASSWORD,
        "kind": "CANDIDATE",
        "fullName": "Cy",
    }
    refused = await api(SIGN_UP, {"input": signup})
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED", refused
    assert await table_counts(db) == before

    gated.gate.set()
    for task in (first, second):
        body = await task
        assert body["data"]["logIn"]["token"], body
    again = await api(LOG_IN, {"e": "ann@mail.example", "p": PASSWORD})
    assert again["data"]["logIn"]["token"]


async def test_queries_are_served_while_hashes_are_in_flight(api, db, gated):
    ann = await api.sign_up("ann@mail.example")
    gated.close()
    login = asyncio.create_task(api(LOG_IN, {"e": "ann@mail.example", "p": PASSWORD}))
    await _started(gated)
    assert db.engine.pool.checkedout() == 0  # a logIn waiting for its hash holds no connection

    served = await api.data("{ viewer { profile { alias } } }", token=ann.token)
    assert served["viewer"]["profile"]["alias"] == ann.alias
    assert not login.done()  # the hash is still held on its thread

    gated.gate.set()
    assert (await login)["data"]["logIn"]["token"]
