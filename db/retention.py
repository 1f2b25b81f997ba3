"""The retention purge: rows that no longer serve anyone, deleted in batches.

Each kind of row has its own period (``config.Retention``, the reasons in
docs/retention.md), counted from when the row stopped being of use. Each
batch is one statement on its own (autocommit): a purge never holds locks
on many rows for long, and an interrupted purge simply resumes next time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, delete, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from config import Retention
from db.engine import Database, one_of
from db.models import (
    AccessEvent,
    AuthSession,
    ConsentReceipt,
    Contact,
    MailToken,
    WebhookOutbox,
)

access_event = AccessEvent.__table__
auth_session = AuthSession.__table__
mail_token = MailToken.__table__
contact = Contact.__table__
consent_receipt = ConsentReceipt.__table__
outbox = WebhookOutbox.__table__


def _ended_requests(cutoff: datetime) -> ColumnElement[bool]:
    """Contact requests that ended before ``cutoff``: ended or withdrawn, declined,
    or expired unanswered. A contact with a consent receipt stays: the receipt is
    the candidate's record of what they shared, and refers to it."""
    c = contact.c
    has_receipt = select(literal(1)).where(consent_receipt.c.contact_id == c.id).exists()
    return and_(
        or_(
            and_(one_of(c.status, ("ENDED", "WITHDRAWN")), c.ended_at < cutoff),
            and_(c.status == "DECLINED", c.responded_at < cutoff),
            and_(one_of(c.status, ("PENDING", "EXPIRED")), c.expires_at < cutoff),
        ),
        ~has_receipt,
    )


def rules(retention: Retention, now: datetime) -> dict[str, tuple[Table, ColumnElement[bool]]]:
    """What each purge deletes: name -> (table, the rows past their period)."""

    def before(days: int) -> datetime:
        return now - timedelta(days=days)

    outbox_c = outbox.c
    return {
        "access_events": (access_event, access_event.c.at < before(retention.access_log_days)),
        "sessions": (
            auth_session,
            or_(
                auth_session.c.expires_at < before(retention.session_days),
                auth_session.c.revoked_at < before(retention.session_days),
            ),
        ),
        "mail_tokens": (
            mail_token,
            or_(
                mail_token.c.expires_at < before(retention.mail_token_days),
                mail_token.c.used_at < before(retention.mail_token_days),
            ),
        ),
        "delivered_notices": (
            outbox,
            and_(
                outbox_c.status == "DELIVERED",
                outbox_c.finished_at < before(retention.delivered_notice_days),
            ),
        ),
        "dead_notices": (
            outbox,
            and_(
                outbox_c.status == "DEAD",
                outbox_c.finished_at < before(retention.dead_notice_days),
            ),
        ),
        "ended_requests": (contact, _ended_requests(before(retention.ended_request_days))),
    }


async def purge_batch(
    conn: AsyncConnection, table: Table, condition: ColumnElement[bool], batch: int
) -> int:
    """Delete up to ``batch`` rows matching ``condition``; how many went."""
    ids = select(table.c.id).where(condition).limit(batch).scalar_subquery()
    result = await conn.execute(delete(table).where(table.c.id.in_(ids)))
    return result.rowcount


async def purge(db: Database, retention: Retention, now: datetime) -> dict[str, int]:
    """Every purge, batch after batch until none is left: rows deleted, by kind."""
    deleted: dict[str, int] = {}
    async with db.autocommit() as conn:
        for name, (table, condition) in rules(retention, now).items():
            deleted[name] = 0
            while True:
                count = await purge_batch(conn, table, condition, retention.batch)
                deleted[name] += count
                if count < retention.batch:
                    break
    return deleted
