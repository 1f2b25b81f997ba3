"""Rate limits on the expensive operations: in memory, or shared through Redis.

Fixed windows: simple, predictable, and the same arithmetic in both stores.
With ``REDIS_URL`` set, every app process counts in the same Redis keys, so
several processes share one budget.
"""

from __future__ import annotations

import time
from typing import Protocol

from web.errors import ApiError


class Store(Protocol):
    async def incr(self, key: str, window: int) -> int:
        """Count one hit in ``key``'s current window; return the hits so far."""


class MemoryStore:
    """Per-process counters (the default without Redis)."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    async def incr(self, key: str, window: int) -> int:
        if len(self._counts) > 100_000:  # windows past are never read again
            self._counts.clear()
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]


class RedisStore:
    """Counters in Redis: INCR, and an expiry on the window's first hit."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)

    async def incr(self, key: str, window: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, window + 1, nx=True)
            count, _ = await pipe.execute()
        return int(count)


class RateLimiter:
    def __init__(self, limits: dict[str, tuple[int, int]], store: Store) -> None:
        self.limits = limits
        self.store = store

    async def retry_after(self, operation: str, subject: str) -> int | None:
        """Count one call; None if within budget, else the seconds until the next window."""
        limit, window = self.limits[operation]
        now = time.time()
        window_index = int(now // window)
        count = await self.store.incr(f"suplinks:rl:{operation}:{subject}:{window_index}", window)
        if count <= limit:
            return None
        return max(1, int((window_index + 1) * window - now + 0.999))

    async def check(self, operation: str, subject: str) -> None:
        """Raise RATE_LIMITED (with ``retryAfter`` seconds) when the budget is spent."""
        wait = await self.retry_after(operation, subject)
        if wait is not None:
            raise ApiError(
                "RATE_LIMITED",
                f"Too many requests: retry in {wait} seconds.",
                retryAfter=wait,
            )


def limiter_for(limits: dict[str, tuple[int, int]], redis_url: str | None) -> RateLimiter:
    return RateLimiter(limits, RedisStore(redis_url) if redis_url else MemoryStore())
