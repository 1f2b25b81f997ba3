"""Companies and their recruiters: creation at a proven domain, roles, leaving."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Company, Member, Profile

company = Company.__table__
member = Member.__table__
profile = Profile.__table__

ADMIN = "ADMIN"
RECRUITER = "RECRUITER"


async def company_by_domain(conn: AsyncConnection, domain: str):
    result = await conn.execute(select(company).where(company.c.email_domain == domain))
    return result.mappings().first()


async def name_key_taken(conn: AsyncConnection, key: str) -> bool:
    result = await conn.execute(select(company.c.id).where(company.c.name_key == key))
    return result.first() is not None


async def insert_company(
    conn: AsyncConnection, *, name: str, key: str, domain: str, sector: str, size_band: str
):
    """The new company's row, or None when its domain or its name key is taken.

    ``ON CONFLICT DO NOTHING`` over both unique keys: of two transactions
    creating the same company at once, the second waits for the first and
    then inserts nothing (and reads the first one's row by its domain).
    """
    result = await conn.execute(
        pg_insert(company)
        .values(
            id=uuid.uuid4(),
            name=name,
            name_key=key,
            email_domain=domain,
            sector=sector,
            size_band=size_band,
        )
        .on_conflict_do_nothing()
        .returning(company)
    )
    return result.mappings().first()


async def membership(conn: AsyncConnection, member_id: uuid.UUID, *, lock: bool = False):
    """A member's kind, company and role (locked for a change when ``lock``)."""
    query = select(member.c.id, member.c.kind, member.c.company_id, member.c.company_role).where(
        member.c.id == member_id
    )
    result = await conn.execute(query.with_for_update() if lock else query)
    return result.mappings().first()


async def lock_company(conn: AsyncConnection, company_id: uuid.UUID) -> None:
    """Serialise role changes within one company (the last-admin check reads, then writes)."""
    await conn.execute(select(company.c.id).where(company.c.id == company_id).with_for_update())


async def admin_count(conn: AsyncConnection, company_id: uuid.UUID) -> int:
    result = await conn.execute(
        select(func.count()).where(
            member.c.company_id == company_id,
            member.c.company_role == ADMIN,
        )
    )
    return int(result.scalar_one())


async def set_membership(
    conn: AsyncConnection, member_id: uuid.UUID, company_id: uuid.UUID | None, role: str | None
) -> None:
    """Join, move or leave: the member's company and role, and their profile's employer
    (a recruiter's employer is the company that verified them)."""
    await conn.execute(
        update(member)
        .where(member.c.id == member_id)
        .values(company_id=company_id, company_role=role)
    )
    await conn.execute(
        update(profile)
        .where(profile.c.member_id == member_id)
        .values(current_employer_id=company_id, updated_at=func.now())
    )


async def set_role(conn: AsyncConnection, member_id: uuid.UUID, role: str) -> None:
    await conn.execute(update(member).where(member.c.id == member_id).values(company_role=role))


async def recruiters(conn: AsyncConnection, company_id: uuid.UUID) -> list:
    """The company's recruiters with their roles: admins first, then by sign-up."""
    result = await conn.execute(
        select(member.c.id, member.c.company_role)
        .where(member.c.company_id == company_id)
        .order_by((member.c.company_role != ADMIN), member.c.created_at, member.c.id)
    )
    return list(result.mappings())
