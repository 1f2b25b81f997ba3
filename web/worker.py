"""The worker: delivers erasure notices from the outbox, and purges on a schedule.

It runs as a task of the serving process (``SUPLINKS_WEBHOOK_WORKER``, on by
default) or alone (``python app.py worker``); any number may run at once.
Its state is the outbox in PostgreSQL, so a restart loses nothing: a notice
is due until a 2xx answer is recorded, and one claimed by a worker that died
is due again once its lease is over (partners deduplicate by event id).

Each attempt is recorded with its status code or error class and its time,
never the body (docs/webhooks.md). Failures back off exponentially with
jitter, up to ``Webhooks.max_attempts``; the notice is then DEAD.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

import httpx

from config import Settings
from db import outbox as outbox_db
from db import retention
from db.engine import Database
from web import metrics
from web.webhooks import Outcome, http_client, secret_for, send

logger = logging.getLogger("suplinks.worker")
# An attempt's outcome as /metrics counts it, by the notice's status after it.
_OUTCOMES = {outbox_db.DELIVERED: "delivered", outbox_db.PENDING: "retry", outbox_db.DEAD: "dead"}


def backoff(settings: Settings, attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling from
    ``backoff_seconds``, capped, and jittered to between half and all of it (so
    that notices failed together do not all come back together)."""
    hooks = settings.webhooks
    delay = min(hooks.backoff_max_seconds, hooks.backoff_seconds * 2 ** (attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)


class Worker:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        # Longer than an attempt can take: a live worker always records first.
        self.lease = timedelta(seconds=2 * settings.webhooks.timeout_seconds + 5)

    async def deliver_due(self, client: httpx.AsyncClient) -> int:
        """Claim the due notices (one batch), try each once, record; how many were tried."""
        now = self.settings.clock()
        async with self.db.write() as conn:
            claimed = await outbox_db.claim_due(conn, now, self.lease, self.settings.webhooks.batch)
        await asyncio.gather(*(self._attempt(client, notice) for notice in claimed))
        return len(claimed)

    async def _attempt(self, client: httpx.AsyncClient, notice) -> None:
        if notice["webhook_url"] is None:  # removed since: nowhere to send it for now
            outcome = Outcome(error="NoWebhook")
        else:
            outcome = await send(
                client,
                notice["webhook_url"],
                secret=secret_for(self.settings.secret_key, notice["webhook_salt"]),
                event_id=str(notice["event_id"]),
                body=notice["body"].encode(),
                production=self.settings.production,
            )
        await self._record(notice, outcome)

    async def _record(self, notice, outcome: Outcome) -> None:
        now = self.settings.clock()
        attempts = notice["attempts"]
        if outcome.delivered:
            status, next_at = outbox_db.DELIVERED, now
        elif attempts >= self.settings.webhooks.max_attempts:
            status, next_at = outbox_db.DEAD, now
        else:
            status = outbox_db.PENDING
            next_at = now + timedelta(seconds=backoff(self.settings, attempts))
        async with self.db.write() as conn:
            await outbox_db.record_attempt(
                conn,
                notice["id"],
                attempts,
                at=now,
                status_code=outcome.status_code,
                error=outcome.error,
                status=status,
                next_attempt_at=next_at,
            )
        metrics.webhook_attempted(_OUTCOMES[status])
        # The event id and the outcome only: the body names a candidate.
        logger.info(
            "webhook %s attempt %d: %s",
            notice["event_id"],
            attempts,
            outcome.status_code or outcome.error,
        )

    async def purge(self) -> dict[str, int]:
        deleted = await retention.purge(self.db, self.settings.retention, self.settings.clock())
        logger.info("purged %s", ", ".join(f"{n} {name}" for name, n in deleted.items()))
        return deleted

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver and purge until ``stop`` is set; an error is logged, never fatal."""
        loop = asyncio.get_running_loop()
        next_purge = loop.time()
        async with http_client(self.settings.webhooks.timeout_seconds) as client:
            while not stop.is_set():
                busy = 0
                try:
                    busy = await self.deliver_due(client)
                    if loop.time() >= next_purge:
                        next_purge = loop.time() + self.settings.retention.interval_seconds
                        await self.purge()
                except Exception:
                    logger.exception("worker round failed; retrying")
                if not busy:
                    await _wait(stop, self.settings.webhooks.poll_seconds)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@asynccontextmanager
async def running(settings: Settings, db: Database) -> AsyncIterator[None]:
    """The worker as a background task for the block's duration (the app's lifespan)."""
    stop = asyncio.Event()
    task = asyncio.create_task(Worker(settings, db).run(stop))
    try:
        yield
    finally:
        stop.set()
        await task
