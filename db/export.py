"""What the data export reads that no other reader gives: rows of the member's own
that the API lists only in part (live sessions only, blocks without their date)
or not at all (the mailed one-time links).

Nothing here decides what the member may read of others: ``resolvers.export``
puts every other member through the same views (and so the same policy) as
the API.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import AuthSession, CompanyBlock, MailToken, MemberBlock

auth_session = AuthSession.__table__
mail_token = MailToken.__table__
member_block = MemberBlock.__table__
company_block = CompanyBlock.__table__


async def sessions_of(conn: AsyncConnection, member_id: uuid.UUID) -> list:
    """Every session of the member, live, revoked or expired, newest first."""
    s = auth_session.c
    query = (
        select(s.id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.client)
        .where(s.member_id == member_id)
        .order_by(s.created_at.desc(), s.id)
    )
    return list((await conn.execute(query)).mappings())


async def mail_tokens_of(conn: AsyncConnection, member_id: uuid.UUID) -> list:
    """The one-time links mailed to the member, without their hashes, newest first."""
    m = mail_token.c
    query = (
        select(m.purpose, m.email, m.created_at, m.expires_at, m.used_at)
        .where(m.member_id == member_id)
        .order_by(m.created_at.desc(), m.id)
    )
    return list((await conn.execute(query)).mappings())


async def member_blocks_of(conn: AsyncConnection, me: uuid.UUID) -> list:
    """The members ``me`` blocked, with when, most recent first (blocks of ``me`` are not
    ``me``'s: they are their blockers')."""
    b = member_block.c
    query = (
        select(b.blocked_id, b.created_at)
        .where(b.blocker_id == me)
        .order_by(b.created_at.desc(), b.blocked_id)
    )
    return list((await conn.execute(query)).mappings())


async def company_blocks_of(conn: AsyncConnection, me: uuid.UUID) -> dict[uuid.UUID, datetime]:
    """When ``me`` blocked each company they block."""
    b = company_block.c
    query = select(b.company_id, b.created_at).where(b.blocker_id == me)
    return {row.company_id: row.created_at for row in await conn.execute(query)}
