"""Issue 6: rate limits, in memory and shared by several processes through Redis."""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.service import running_service
from web.errors import ApiError
from web.ratelimit import MemoryStorage, RateLimiter, redis_storage

REDIS_URL = "redis://127.0.0.1:6379/15"


def redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


async def test_memory_limiter_counts_per_subject():
    limiter = RateLimiter({"search": (2, 60)}, MemoryStorage())
    await limiter.check("search", "ann")
    await limiter.check("search", "ann")
    await limiter.check("search", "bob")  # another subject has its own budget
    with pytest.raises(ApiError) as raised:
        await limiter.check("search", "ann")
    assert raised.value.extensions["code"] == "RATE_LIMITED"
    assert 1 <= raised.value.extensions["retryAfter"] <= 60


async def test_login_is_rate_limited_with_a_retry_hint(api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "login", (3, 60))
    await api.sign_up("ann@mail.example")
    query = 'mutation { logIn(email: "ann@mail.example", password: "wrong password") { token } }'
    for _ in range(3):
        assert "errors" not in await api(query)
    body = await api(query)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfter"] >= 1


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
async def test_redis_store_shares_counts_between_limiters():
    key = uuid.uuid4().hex
    first = RateLimiter({"token": (3, 60)}, redis_storage(REDIS_URL))
    second = RateLimiter({"token": (3, 60)}, redis_storage(REDIS_URL))
    results = [
        await limiter.retry_after("token", key) for limiter in (first, second, first, second)
    ]
    assert results[:3] == [None, None, None] and results[3] is not None
    await first.close()
    await second.close()


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_two_app_processes_on_one_redis_share_a_budget(tmp_path: Path):
    env = {"REDIS_URL": REDIS_URL, "SUPLINKS_RATE_LIMITS": "login=4/60"}
    email = f"{uuid.uuid4().hex[:12]}@mail.example"
    query = {
        "query": f'mutation {{ logIn(email: "{email}", password: "whatever pw") {{ token }} }}'
    }
    with ExitStack() as stack:
        bases = [
            stack.enter_context(running_service(tmp_path, demo=False, env=env)) for _ in range(2)
        ]
        answers = [httpx.post(bases[i % 2] + "/graphql", json=query).json() for i in range(5)]
    codes = [a.get("errors", [{}])[0].get("extensions", {}).get("code") for a in answers]
    assert codes == [None, None, None, None, "RATE_LIMITED"]
