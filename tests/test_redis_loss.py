"""A Redis that goes away and comes back: logIn keeps working, limits keep holding.

The test runs its own ``redis-server`` on a free port, stops it, and starts
it again on the same port.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import redis

from app import create_app
from policies.authorizer import get_authorizer
from tests.client import PASSWORD, Api
from tests.service import free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")

LOG_IN = """mutation($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token userErrors { code } }
}"""


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=1)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def keys(self) -> list[bytes]:
        return redis.Redis(port=self.port, socket_timeout=1).keys("suplinks*")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


async def test_login_survives_a_lost_redis_and_counts_there_again_when_it_returns(
    settings, db, mailbox, redis_server, monkeypatch
):
    monkeypatch.setitem(settings.rate_limits, "login", (3, 60))
    app = create_app(
        dataclasses.replace(settings, redis_url=redis_server.url), db, get_authorizer()
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        api = Api(http, mailbox)
        member = await api.sign_up("ann@redis.example")

        async def log_in() -> dict:
            return (await api.data(LOG_IN, {"e": member.email, "p": PASSWORD}))["logIn"]

        assert (await log_in())["token"]
        assert redis_server.keys()  # the counters live in Redis
        assert (await http.get("/readyz")).json()["checks"]["redis"] == "up"

        redis_server.stop()
        # Nobody is locked out: the process counts by itself, and says it is degraded.
        assert (await log_in())["token"]
        ready = await http.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "degraded",
            "checks": {"database": "up", "redis": "degraded: rate limits are per process"},
        }
        # ...and the budget still holds, per process: 3 a minute (counted from the loss).
        assert (await log_in())["token"] and (await log_in())["token"]
        refused = await api(LOG_IN, {"e": member.email, "p": PASSWORD})
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"

        redis_server.start()  # empty: what the process counted meanwhile stays with it
        ready = await http.get("/readyz")  # asks Redis again, and goes back to it
        assert ready.json() == {"status": "ready", "checks": {"database": "up", "redis": "up"}}
        assert (await log_in())["token"]
        assert redis_server.keys()
