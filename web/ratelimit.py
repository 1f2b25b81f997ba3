"""Budgets for the expensive or sensitive operations, kept by the ``limits`` library.

Each budget (``config.DEFAULT_RATE_LIMITS``) is a count per window of seconds,
spent per subject: a member, an API client, an email address or a client
address. The strategy is a sliding-window counter: two counters per budget and
subject, so a burst across a window boundary gets no double budget, and the
memory per subject stays constant however much it sends. With ``REDIS_URL`` set,
every app process counts in the same Redis keys and shares one budget.

Counters expire one by one; nothing ever clears them in bulk, so a flood of new
subjects cannot give a locked-out subject its budget back.

A lost Redis does not stop the service (nobody could log in): each process
falls back to its own counters, says so in the log, and goes back to Redis
once it answers again (asked at most every ``RECHECK_SECONDS``, and by every
``/readyz``). Meanwhile a budget is per process, so N processes allow up to N
times it; the counts made meanwhile are not carried over.
"""

from __future__ import annotations

import logging
import math
import time

import redis.exceptions
from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage as LimitsMemoryStorage
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from web.errors import rate_limited
from web.metrics import rate_limit_refused

logger = logging.getLogger(__name__)

# How often, at most, a process whose Redis went away asks it again.
RECHECK_SECONDS = 5.0
# What a Redis that went away raises (refused, reset, timed out).
REDIS_LOST = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class MemoryStorage(LimitsMemoryStorage):
    """``limits``' per-process storage, sweeping expired counters at most once a second.

    Upstream schedules a sweep of every key after each hit: with 100,000 live
    keys (one flood of made-up client ids) that is 25 ms of event loop per
    request. Counters past their expiry are already ignored when read, so
    sweeping less often changes no answer, only how long dead keys take memory.
    """

    SWEEP_INTERVAL = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._last_sweep = -math.inf

    async def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the private hook
        now = time.monotonic()
        if now - self._last_sweep >= self.SWEEP_INTERVAL:
            self._last_sweep = now
            await super()._MemoryStorage__schedule_expiry()  # type: ignore[attr-defined]


def redis_storage(url: str) -> RedisStorage:
    """Counters in the Redis of ``url`` (``redis://host:port/db``), through redis-py."""
    # A Redis that does not answer within a second counts as gone.
    return RedisStorage(
        f"async+{url}",
        implementation="redispy",
        key_prefix="suplinks",
        socket_connect_timeout=1,
        socket_timeout=1,
    )


class RateLimiter:
    """Spends budgets; ``budgets`` is read at each call, so settings may change in tests.

    With a shared ``storage`` (Redis), a per-process ``MemoryStorage`` stands in
    while it is unreachable (see the module's docstring).
    """

    def __init__(self, budgets: dict[str, tuple[int, int]], storage: Storage) -> None:
        self.budgets = budgets
        self.storage = storage
        self.shared = isinstance(storage, RedisStorage)
        self.primary = SlidingWindowCounterRateLimiter(storage)
        self.local = SlidingWindowCounterRateLimiter(MemoryStorage()) if self.shared else None
        self.strategy = self.primary
        self._lost_at: float | None = None

    async def shared_storage_up(self) -> bool | None:
        """Whether Redis answers now (None: no Redis configured); back to it if it does."""
        if not self.shared:
            return None
        try:
            up = await self.storage.check()
        except REDIS_LOST:
            up = False
        if up and self._lost_at is not None:
            logger.warning("Redis answers again: rate limits are shared across processes again")
            self.strategy, self._lost_at = self.primary, None
        return up

    def _lose_shared(self) -> None:
        if self._lost_at is None:
            logger.warning(
                "Redis is unreachable: rate limits fall back to this process's own counters"
            )
        self.strategy, self._lost_at = self.local, time.monotonic()

    async def _run(self, operation: str, *args, **kwargs):
        """``operation`` of the current strategy; on a lost Redis, of the local one."""
        if self._lost_at is not None and time.monotonic() - self._lost_at >= RECHECK_SECONDS:
            self._lost_at = time.monotonic()  # one re-check per interval, not one per request
            await self.shared_storage_up()
        strategy = self.strategy
        try:
            return await getattr(strategy, operation)(*args, **kwargs)
        except REDIS_LOST:
            if strategy is not self.primary or self.local is None:
                raise
            self._lose_shared()
            return await getattr(self.local, operation)(*args, **kwargs)

    def _item(self, budget: str) -> RateLimitItemPerSecond:
        count, seconds = self.budgets[budget]
        return RateLimitItemPerSecond(count, seconds, namespace=budget)

    async def _wait(self, item: RateLimitItemPerSecond, subject: str) -> int:
        """Seconds until ``subject`` may try again: at least 1, at most the window."""
        stats = await self._run("get_window_stats", item, subject)
        wait = math.ceil(stats.reset_time - time.time())
        return min(max(wait, 1), item.get_expiry())

    async def retry_after(self, budget: str, subject: str, cost: int = 1) -> int | None:
        """Spend ``cost`` of ``budget`` for ``subject``: None if it was there, else the wait."""
        item = self._item(budget)
        if await self._run("hit", item, subject, cost=cost):
            return None
        rate_limit_refused(budget)
        return await self._wait(item, subject)

    async def exhausted(self, budget: str, subject: str) -> int | None:
        """Without spending: None if ``subject`` has budget left, else the wait."""
        item = self._item(budget)
        if await self._run("test", item, subject):
            return None
        return await self._wait(item, subject)

    async def check(self, budget: str, subject: str, cost: int = 1) -> None:
        """Spend ``cost``, or raise RATE_LIMITED (with ``retryAfter`` seconds)."""
        wait = await self.retry_after(budget, subject, cost)
        if wait is not None:
            raise rate_limited(wait)

    async def close(self) -> None:
        if isinstance(self.storage, RedisStorage):
            await self.storage.bridge.storage.aclose()


def limiter_for(budgets: dict[str, tuple[int, int]], redis_url: str | None) -> RateLimiter:
    return RateLimiter(budgets, redis_storage(redis_url) if redis_url else MemoryStorage())
