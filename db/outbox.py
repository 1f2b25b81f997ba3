"""The webhook outbox: erasure notices to partners, durable in PostgreSQL.

A notice is inserted in the transaction of the change it reports, so it
exists exactly when the change does. Workers claim due notices with
``FOR UPDATE SKIP LOCKED`` and push their next attempt past a lease in the
same statement: two workers never hold one notice at once, and a worker
that dies mid-delivery leaves the notice due again once the lease is over.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import one_of
from db.models import ApiClient, ConsentReceipt, WebhookAttempt, WebhookOutbox

outbox = WebhookOutbox.__table__
attempt = WebhookAttempt.__table__
api_client = ApiClient.__table__
consent_receipt = ConsentReceipt.__table__

PENDING = "PENDING"
DELIVERED = "DELIVERED"
DEAD = "DEAD"


async def webhook_clients(conn: AsyncConnection, company_ids: list[uuid.UUID]) -> list:
    """The clients of these companies with a webhook, revoked ones included: a revoked
    client's tokens stop, but the data it pulled lives on at the partner."""
    if not company_ids:
        return []
    result = await conn.execute(
        select(api_client.c.id, api_client.c.company_id)
        .where(one_of(api_client.c.company_id, company_ids), api_client.c.webhook_url.is_not(None))
        .order_by(api_client.c.company_id, api_client.c.id)
    )
    return list(result.mappings())


async def receipts_of_candidate(conn: AsyncConnection, candidate_id: uuid.UUID) -> list:
    """Every consent receipt of the candidate, live or withdrawn: each company whose
    ATS may have pulled them, with the contacts and fields it may hold."""
    result = await conn.execute(
        select(
            consent_receipt.c.contact_id,
            consent_receipt.c.candidate_id,
            consent_receipt.c.company_id,
            consent_receipt.c.fields,
        )
        .where(consent_receipt.c.candidate_id == candidate_id)
        .order_by(consent_receipt.c.company_id, consent_receipt.c.created_at)
    )
    return list(result.mappings())


async def insert_notices(conn: AsyncConnection, notices: list[dict], now: datetime) -> None:
    """Notices (event_id, api_client_id, event_type, body) due at once."""
    if not notices:
        return
    await conn.execute(
        insert(outbox),
        [
            {
                "id": uuid.uuid4(),
                "status": PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                **notice,
            }
            for notice in notices
        ],
    )


async def claim_due(conn: AsyncConnection, now: datetime, lease: timedelta, limit: int) -> list:
    """Up to ``limit`` due notices, claimed: their attempt counted, and not due again
    before ``now + lease`` (a worker that dies mid-delivery leaves them to another)."""
    due = (
        select(outbox.c.id)
        .where(outbox.c.status == PENDING, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = (
        update(outbox)
        .where(outbox.c.id.in_(due))
        .values(
            attempts=outbox.c.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + lease,
        )
        .returning(
            outbox.c.id,
            outbox.c.event_id,
            outbox.c.api_client_id,
            outbox.c.body,
            outbox.c.attempts,
        )
        .cte("claimed")
    )
    result = await conn.execute(
        select(claimed, api_client.c.webhook_url, api_client.c.webhook_salt).select_from(
            claimed.join(api_client, api_client.c.id == claimed.c.api_client_id)
        )
    )
    return list(result.mappings())


async def record_attempt(
    conn: AsyncConnection,
    notice_id: uuid.UUID,
    number: int,
    *,
    at: datetime,
    status_code: int | None,
    error: str | None,
    status: str,
    next_attempt_at: datetime,
) -> None:
    """The attempt's outcome, and the notice's state after it (unless another worker
    claimed it meanwhile, its lease over: then that worker's outcome counts)."""
    await conn.execute(
        insert(attempt).values(
            id=uuid.uuid4(),
            outbox_id=notice_id,
            attempt=number,
            at=at,
            status_code=status_code,
            error=error,
        )
    )
    await conn.execute(
        update(outbox)
        .where(outbox.c.id == notice_id, outbox.c.attempts == number, outbox.c.status == PENDING)
        .values(
            status=status,
            last_status_code=status_code,
            last_error=error,
            next_attempt_at=next_attempt_at,
            finished_at=at if status != PENDING else None,
        )
    )


async def deliveries(
    conn: AsyncConnection,
    api_client_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list:
    """A client's notices, newest first, after a (created_at, id) keyset position."""
    query = select(outbox).where(outbox.c.api_client_id == api_client_id)
    if after is not None:
        query = query.where(tuple_(outbox.c.created_at, outbox.c.id) < tuple_(*after))
    query = query.order_by(outbox.c.created_at.desc(), outbox.c.id.desc()).limit(limit)
    return list((await conn.execute(query)).mappings())
