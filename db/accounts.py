"""Companies, members and sessions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import fetch_mappings
from db.models import AuthSession, Company, Member, Profile

company = Company.__table__
member = Member.__table__
profile = Profile.__table__
auth_session = AuthSession.__table__


async def company_by_domain(conn: AsyncConnection, domain: str):
    result = await conn.execute(select(company).where(company.c.email_domain == domain))
    return result.mappings().first()


async def company_by_id(conn: AsyncConnection, company_id: uuid.UUID):
    result = await conn.execute(select(company).where(company.c.id == company_id))
    return result.mappings().first()


async def insert_company(
    conn: AsyncConnection, *, name: str, domain: str, sector: str, size_band: str
):
    """Insert a company, or return the one already registered for this domain."""
    result = await conn.execute(
        pg_insert(company)
        .values(id=uuid.uuid4(), name=name, email_domain=domain, sector=sector, size_band=size_band)
        .on_conflict_do_nothing(index_elements=["email_domain"])
        .returning(company)
    )
    row = result.mappings().first()
    return row if row is not None else await company_by_domain(conn, domain)


async def search_companies(conn: AsyncConnection, search: str | None, first: int) -> list:
    query = select(company).order_by(func.lower(company.c.name), company.c.id).limit(first)
    if search:
        pattern = (
            "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        query = query.where(
            or_(func.lower(company.c.name).like(pattern), company.c.email_domain.like(pattern))
        )
    result = await conn.execute(query)
    return list(result.mappings())


async def member_by_email(conn: AsyncConnection, email: str):
    result = await conn.execute(
        select(member).where(member.c.email == email, member.c.deleted_at.is_(None))
    )
    return result.mappings().first()


async def email_taken(conn: AsyncConnection, email: str) -> bool:
    result = await conn.execute(select(member.c.id).where(member.c.email == email))
    return result.first() is not None


async def alias_taken(conn: AsyncConnection, alias: str) -> bool:
    result = await conn.execute(select(member.c.id).where(member.c.alias == alias))
    return result.first() is not None


async def insert_member(
    conn: AsyncConnection,
    *,
    email: str,
    password_hash: str,
    kind: str,
    company_id: uuid.UUID | None,
    alias: str,
    full_name: str,
) -> uuid.UUID:
    """Create the account and its profile in the caller's transaction."""
    member_id = uuid.uuid4()
    await conn.execute(
        insert(member).values(
            id=member_id,
            email=email,
            password_hash=password_hash,
            kind=kind,
            company_id=company_id,
            alias=alias,
        )
    )
    await conn.execute(
        insert(profile).values(
            member_id=member_id,
            full_name=full_name,
            # A recruiter's current employer is the company their work email proves.
            current_employer_id=company_id,
            # "Hide me from my current employer" is on by default for candidates.
            hide_from_current_employer=(kind == "CANDIDATE"),
            open_to_opportunities=False,
            contactable=(kind == "CANDIDATE"),
            confidential_search=False,
            skills=[],
        )
    )
    return member_id


async def create_session(conn: AsyncConnection, member_id: uuid.UUID, expires_at: datetime):
    session_id = uuid.uuid4()
    await conn.execute(
        insert(auth_session).values(id=session_id, member_id=member_id, expires_at=expires_at)
    )
    return session_id


# Built once: every request runs it, and building a select costs more than the
# lookup itself. It reads what ``Identity`` needs and nothing more.
_LIVE_SESSION = (
    select(member.c.id, member.c.kind, member.c.company_id, member.c.company_role, member.c.alias)
    .select_from(auth_session.join(member, member.c.id == auth_session.c.member_id))
    .where(
        auth_session.c.id == bindparam("session_id"),
        auth_session.c.revoked_at.is_(None),
        auth_session.c.expires_at > bindparam("now"),
        member.c.deleted_at.is_(None),
    )
)


async def session_member(conn: AsyncConnection, session_id: uuid.UUID):
    """The live member behind a session, or None if revoked, expired or deleted.

    Every request asks this, hence the driver's own rows (``fetch_mappings``).
    """
    params = {"session_id": session_id, "now": datetime.now(UTC)}
    rows = await fetch_mappings(conn, _LIVE_SESSION, params)
    return rows[0] if rows else None


async def revoke_session(conn: AsyncConnection, session_id: uuid.UUID) -> None:
    await conn.execute(
        update(auth_session)
        .where(auth_session.c.id == session_id, auth_session.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def member_by_id(conn: AsyncConnection, member_id: uuid.UUID):
    result = await conn.execute(select(member).where(member.c.id == member_id))
    return result.mappings().first()


async def delete_member(conn: AsyncConnection, member_id: uuid.UUID) -> None:
    """Everything of the member cascades away with the row (see the foreign keys)."""
    await conn.execute(delete(member).where(member.c.id == member_id))
