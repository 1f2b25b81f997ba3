"""Companies, members, sessions and one-time mail tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import AuthSession, Company, MailToken, Member, Profile
from fastpaths import fetch_mappings

company = Company.__table__
member = Member.__table__
profile = Profile.__table__
auth_session = AuthSession.__table__
mail_token = MailToken.__table__


async def company_by_id(conn: AsyncConnection, company_id: uuid.UUID):
    result = await conn.execute(select(company).where(company.c.id == company_id))
    return result.mappings().first()


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
    result = await conn.execute(select(member).where(member.c.email == email))
    return result.mappings().first()


async def alias_taken(conn: AsyncConnection, alias: str) -> bool:
    result = await conn.execute(select(member.c.id).where(member.c.alias == alias))
    return result.first() is not None


async def insert_member(
    conn: AsyncConnection,
    *,
    email: str,
    password_hash: str,
    kind: str,
    alias: str,
    full_name: str,
    company_id: uuid.UUID | None = None,
    pending_company: dict | None = None,
) -> uuid.UUID | None:
    """Create the account (its mailbox not yet proven) and its profile in the caller's
    transaction; None if the address is taken (by a sign-up running at the same time)."""
    member_id = uuid.uuid4()
    result = await conn.execute(
        pg_insert(member)
        .values(
            id=member_id,
            email=email,
            password_hash=password_hash,
            kind=kind,
            company_id=company_id,
            alias=alias,
            pending_company=pending_company,
        )
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(member.c.id)
    )
    if result.first() is None:
        return None
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


async def mark_verified(conn: AsyncConnection, member_id: uuid.UUID, email: str) -> None:
    """The member proved ``email``: it becomes their address (a change of address
    takes effect here), and nothing is pending any more."""
    await conn.execute(
        update(member)
        .where(member.c.id == member_id)
        .values(email=email, email_verified_at=func.now(), pending_company=None)
    )


async def set_password(conn: AsyncConnection, member_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute(
        update(member).where(member.c.id == member_id).values(password_hash=password_hash)
    )


# --- one-time mail tokens ------------------------------------------------------


async def insert_mail_token(
    conn: AsyncConnection,
    *,
    token_hash: str,
    purpose: str,
    member_id: uuid.UUID,
    email: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        insert(mail_token).values(
            id=uuid.uuid4(),
            token_hash=token_hash,
            purpose=purpose,
            member_id=member_id,
            email=email,
            expires_at=expires_at,
        )
    )


async def use_mail_token(
    conn: AsyncConnection, token_hash: str, purposes: tuple[str, ...], now: datetime
):
    """Mark a live token of one of ``purposes`` used and return it, or None.

    One statement: of two concurrent uses, exactly one gets the row.
    """
    result = await conn.execute(
        update(mail_token)
        .where(
            mail_token.c.token_hash == token_hash,
            mail_token.c.purpose.in_(purposes),
            mail_token.c.used_at.is_(None),
            mail_token.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(mail_token)
    )
    return result.mappings().first()


async def mail_token_live(
    conn: AsyncConnection, token_hash: str, purposes: tuple[str, ...], now: datetime
) -> bool:
    """Whether the token would be accepted, without using it (the page's GET)."""
    result = await conn.execute(
        select(mail_token.c.id).where(
            mail_token.c.token_hash == token_hash,
            mail_token.c.purpose.in_(purposes),
            mail_token.c.used_at.is_(None),
            mail_token.c.expires_at > now,
        )
    )
    return result.first() is not None


async def retire_mail_tokens(
    conn: AsyncConnection, member_id: uuid.UUID, purposes: tuple[str, ...], now: datetime
) -> None:
    """Every other live token of the member for these purposes stops working."""
    await conn.execute(
        update(mail_token)
        .where(
            mail_token.c.member_id == member_id,
            mail_token.c.purpose.in_(purposes),
            mail_token.c.used_at.is_(None),
        )
        .values(used_at=now)
    )


# --- sessions ------------------------------------------------------------------


async def create_session(
    conn: AsyncConnection, member_id: uuid.UUID, expires_at: datetime, client: str | None = None
):
    session_id = uuid.uuid4()
    await conn.execute(
        insert(auth_session).values(
            id=session_id,
            member_id=member_id,
            expires_at=expires_at,
            client=client,
            last_used_at=func.now(),
        )
    )
    return session_id


async def live_sessions(conn: AsyncConnection, member_id: uuid.UUID, now: datetime) -> list:
    result = await conn.execute(
        select(auth_session)
        .where(
            auth_session.c.member_id == member_id,
            auth_session.c.revoked_at.is_(None),
            auth_session.c.expires_at > now,
        )
        .order_by(auth_session.c.created_at.desc(), auth_session.c.id)
    )
    return list(result.mappings())


async def revoke_member_session(
    conn: AsyncConnection, member_id: uuid.UUID, session_id: uuid.UUID
) -> bool:
    """End one of the member's own live sessions; False if they have no such session."""
    result = await conn.execute(
        update(auth_session)
        .where(
            auth_session.c.id == session_id,
            auth_session.c.member_id == member_id,
            auth_session.c.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
        .returning(auth_session.c.id)
    )
    return result.first() is not None


async def revoke_other_sessions(
    conn: AsyncConnection, member_id: uuid.UUID, keep: uuid.UUID | None = None
) -> None:
    """End every live session of the member but ``keep`` (all of them when None)."""
    query = update(auth_session).where(
        auth_session.c.member_id == member_id, auth_session.c.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(auth_session.c.id != keep)
    await conn.execute(query.values(revoked_at=func.now()))


async def touch_session(conn: AsyncConnection, session_id: uuid.UUID) -> None:
    await conn.execute(
        update(auth_session).where(auth_session.c.id == session_id).values(last_used_at=func.now())
    )


# Built once: every request runs it, and building a select costs more than the
# lookup itself. It reads what ``Identity`` needs and nothing more.
_LIVE_SESSION = (
    select(
        member.c.id,
        member.c.kind,
        member.c.company_id,
        member.c.company_role,
        member.c.alias,
        member.c.email_verified_at,
        auth_session.c.last_used_at,
    )
    .select_from(auth_session.join(member, member.c.id == auth_session.c.member_id))
    .where(
        auth_session.c.id == bindparam("session_id"),
        auth_session.c.revoked_at.is_(None),
        auth_session.c.expires_at > bindparam("now"),
    )
)


async def session_member(conn: AsyncConnection, session_id: uuid.UUID):
    """The live member behind a session, or None if revoked or expired (a deleted
    account's sessions went with it).

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
