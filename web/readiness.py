"""What ``/readyz`` says: every dependency of this process, and whether it can serve.

- ``database`` (the primary) is required: without it nothing can be served
  (not even who is asking), so the process is not ready: 503.
- ``replica`` (with ``DATABASE_REPLICA_URL``) is optional: without it, reads
  go to the primary. Reported ``degraded``, still 200.
- ``redis`` (with ``REDIS_URL``) is optional: without it, the rate limits
  fall back to this process's own counters (``web.ratelimit``). Reported
  ``degraded``, still 200: taking every process out of the load balancer
  because shared counters are gone would turn a lost counter store into an
  outage of the whole service, while per-process limits still hold abuse back.

Each check answers within a few seconds (the engines' connect timeout, Redis's
socket timeout), so a probe never hangs on a dependency that is gone.
"""

from __future__ import annotations

import asyncio

from db.engine import Database
from web.ratelimit import RateLimiter


async def readiness(db: Database, limiter: RateLimiter) -> tuple[bool, dict]:
    """(ready, the JSON body): ``{"status": ..., "checks": {name: "up" | "down" | ...}}``."""
    database, replica, redis = await asyncio.gather(
        db.ping(),
        db.ping_replica(),
        limiter.shared_storage_up(),
    )
    checks = {"database": "up" if database else "down"}
    if replica is not None:
        checks["replica"] = "up" if replica else "degraded: reads go to the primary"
    if redis is not None:
        checks["redis"] = "up" if redis else "degraded: rate limits are per process"
    if not database:
        status = "unavailable"
    elif all(value == "up" for value in checks.values()):
        status = "ready"
    else:
        status = "degraded"
    return database, {"status": status, "checks": checks}
