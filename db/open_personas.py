"""The open persona's rows, and the tombstones of released handles.

Search never reads ``open_persona`` (Promise (The open persona is public by
its owner's choice)): only this module does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, String, cast, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Company, HandleTombstone, Member, OpenProfile, Profile

company = Company.__table__
open_persona = OpenProfile.__table__
tombstone = HandleTombstone.__table__
member = Member.__table__
profile = Profile.__table__


async def load(conn: AsyncConnection, member_id: uuid.UUID) -> Mapping[str, Any] | None:
    """A member's open persona, published or not; None if they never wrote one."""
    result = await conn.execute(select(open_persona).where(open_persona.c.member_id == member_id))
    return result.mappings().first()


async def by_handle(conn: AsyncConnection, handle: str) -> Mapping[str, Any] | None:
    """The member's open persona at this address, published or not (a deleted
    account's persona went with it)."""
    result = await conn.execute(select(open_persona).where(open_persona.c.handle == handle))
    return result.mappings().first()


async def lock_handle(conn: AsyncConnection, key: str) -> None:
    """Two members claiming look-alike handles at once: the second waits, then sees
    the first's claim (until the transaction ends)."""
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))


async def handle_taken(
    conn: AsyncConnection, key: str, digest: bytes, member_id: uuid.UUID
) -> bool:
    """Held by another member, or released by anyone: never to be claimed again."""
    held = exists().where(open_persona.c.handle_key == key, open_persona.c.member_id != member_id)
    buried = exists().where(tombstone.c.digest == digest)
    result = await conn.execute(select(held | buried))
    return bool(result.scalar())


async def save(conn: AsyncConnection, member_id: uuid.UUID, values: Mapping[str, Any]) -> None:
    """Write the given columns; the first write (which names a handle) creates the row."""
    result = await conn.execute(
        update(open_persona)
        .where(open_persona.c.member_id == member_id)
        .values(**values, updated_at=func.now())
    )
    if result.rowcount == 0:
        await conn.execute(insert(open_persona).values(member_id=member_id, **values))


async def set_published(conn: AsyncConnection, member_id: uuid.UUID, published: bool) -> None:
    await conn.execute(
        update(open_persona)
        .where(open_persona.c.member_id == member_id)
        .values(published=published, updated_at=func.now())
    )


async def bury(conn: AsyncConnection, digest: bytes) -> None:
    """Keep a released handle's digest: no one claims it again."""
    await conn.execute(insert(tombstone).values(digest=digest).on_conflict_do_nothing())


async def members_with_skills(conn: AsyncConnection, skills: Sequence[str], limit: int) -> int:
    """How many members' closed profiles list all of ``skills``, counted up to
    ``limit`` (enough to tell rare from common, without counting everyone)."""
    matching = (
        select(literal(1))
        .select_from(profile)
        .where(profile.c.skills.op("@>")(cast(list(skills), ARRAY(String()))))
        .limit(limit)
        .subquery()
    )
    result = await conn.execute(select(func.count()).select_from(matching))
    return int(result.scalar() or 0)


async def company_domains(
    conn: AsyncConnection, company_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each company's email domain: a link to it names the company."""
    if not company_ids:
        return {}
    result = await conn.execute(
        select(company.c.id, company.c.email_domain).where(company.c.id.in_(company_ids))
    )
    return dict(result.all())
