"""Contacts (the network's only edge), blocks and the recruiters' quotas, in SQL.

A contact row's stored ``status`` is what happened last; what each endpoint
*reads* is computed here, at the request's ``now`` (docs/network.md):

- a request still ``PENDING`` past ``expires_at`` reads ``EXPIRED`` to both
  sides (expiry is computed on read, never swept; a new request for the same
  pair first marks the old one ``EXPIRED`` so the one-open-per-pair index holds);
- declines are silent: to its recruiter a ``DECLINED`` request reads ``PENDING``
  until it would have expired, then ``EXPIRED``, exactly like an unanswered one,
  and its ``respondedAt`` stays null;
- a recruiter who withdraws a request that was (silently) declined stores
  ``WITHDRAWN`` and keeps ``responded_at``: the candidate still reads ``DECLINED``.

No privacy decision is taken here: callers ask the policy.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import one_of
from db.facts import verified_members
from db.models import (
    Company,
    CompanyBlock,
    ConsentReceipt,
    Contact,
    Member,
    MemberBlock,
    Profile,
)

contact = Contact.__table__
consent_receipt = ConsentReceipt.__table__
member = Member.__table__
profile = Profile.__table__
company = Company.__table__
member_block = MemberBlock.__table__
company_block = CompanyBlock.__table__

# Stored statuses under which a request is still open to its recruiter
# (a declined one included: declines are silent), before ``expires_at``.
_AWAITING = ("PENDING", "DECLINED")

# A new message is compared with at most this many of the recruiter's latest ones:
# more than 20 days of the default daily quota, bounded so the check stays cheap.
RECENT_MESSAGES = 500


# --- what each endpoint reads -----------------------------------------------------


def _awaiting(now: datetime) -> ColumnElement[bool]:
    return and_(one_of(contact.c.status, _AWAITING), contact.c.expires_at > now)


def candidate_status(now: datetime) -> ColumnElement[str]:
    """The status as the edge's candidate reads it."""
    c = contact.c
    return case(
        (and_(c.status == "PENDING", c.expires_at <= now), "EXPIRED"),
        (and_(c.status == "WITHDRAWN", c.responded_at.is_not(None)), "DECLINED"),
        else_=c.status,
    )


def viewed_status(me: uuid.UUID | None, now: datetime) -> ColumnElement[str]:
    """The status as ``me`` reads it (see the module docstring)."""
    c = contact.c
    as_recruiter = case(
        (and_(one_of(c.status, _AWAITING), c.expires_at <= now), "EXPIRED"),
        (c.status == "DECLINED", "PENDING"),
        else_=c.status,
    )
    return case((c.recruiter_id == me, as_recruiter), else_=candidate_status(now))


def shared_with_ats(now: datetime) -> ColumnElement[bool]:
    """In its company's pipeline: accepted (as the candidate reads it), shared with
    the company's ATS, under a consent receipt that was not withdrawn."""
    c = contact.c
    live_receipt = (
        select(literal(1))
        .where(consent_receipt.c.contact_id == c.id, consent_receipt.c.withdrawn_at.is_(None))
        .exists()
    )
    return and_(c.share_with_ats, candidate_status(now) == "ACCEPTED", live_receipt)


def _viewed_responded_at(me: uuid.UUID | None) -> ColumnElement:
    """A recruiter learns when (and that) the candidate answered only if they accepted."""
    c = contact.c
    hidden = and_(c.recruiter_id == me, ~one_of(c.status, ("ACCEPTED", "ENDED")))
    return case((hidden, None), else_=c.responded_at)


def _edge_query(me: uuid.UUID | None, now: datetime):
    c = contact.c
    return select(
        c.id,
        c.recruiter_id,
        c.candidate_id,
        c.company_id,
        viewed_status(me, now).label("status"),
        c.message,
        c.created_at,
        _viewed_responded_at(me).label("responded_at"),
        c.share_with_ats,
        shared_with_ats(now).label("consented"),
    )


async def edges_by_ids(
    conn: AsyncConnection,
    me: uuid.UUID | None,
    now: datetime,
    edge_ids: list[uuid.UUID],
    *,
    lock: bool = False,
) -> dict[uuid.UUID, dict]:
    """Edges by id as ``me`` reads them; ``lock`` holds the rows for a state change."""
    query = _edge_query(me, now).where(one_of(contact.c.id, edge_ids))
    if lock:
        query = query.with_for_update()
    result = await conn.execute(query)
    return {row["id"]: dict(row) for row in result.mappings()}


async def my_edges(
    conn: AsyncConnection,
    me: uuid.UUID,
    now: datetime,
    *,
    status: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict]:
    """``me``'s own edges, newest first, after a (created_at, id) keyset position."""
    c = contact.c
    query = _edge_query(me, now).where(or_(c.recruiter_id == me, c.candidate_id == me))
    if status is not None:
        query = query.where(viewed_status(me, now) == status)
    if after is not None:
        query = query.where(tuple_(c.created_at, c.id) < tuple_(*after))
    result = await conn.execute(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit))
    return [dict(row) for row in result.mappings()]


async def pipeline_edges(
    conn: AsyncConnection,
    me: uuid.UUID | None,
    company_id: uuid.UUID,
    now: datetime,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict]:
    """The company's shared edges (``shared_with_ats``) as ``me`` reads them (None: its
    ATS), the latest accepted first, after a (responded_at, id) keyset position."""
    c = contact.c
    query = _edge_query(me, now).where(c.company_id == company_id, shared_with_ats(now))
    if after is not None:
        query = query.where(tuple_(c.responded_at, c.id) < tuple_(*after))
    result = await conn.execute(query.order_by(c.responded_at.desc(), c.id.desc()).limit(limit))
    return [dict(row) for row in result.mappings()]


# --- sending a request --------------------------------------------------------------


async def lock_members(conn: AsyncConnection, member_ids: list[uuid.UUID]) -> None:
    """Serialise state changes that involve these members (in id order: no deadlock).

    A request and a block touching the same member cannot interleave: a block
    either sees the new request (and ends it) or the request sees the block.
    """
    await conn.execute(
        select(member.c.id)
        .where(member.c.id.in_(member_ids))
        .order_by(member.c.id)
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: FK inserts still pass
    )


async def open_edge_exists(
    conn: AsyncConnection, recruiter: uuid.UUID, candidate: uuid.UUID, now: datetime
) -> bool:
    """Is there a live contact, or a request the recruiter still reads as pending?"""
    c = contact.c
    result = await conn.execute(
        select(literal(1)).where(
            c.recruiter_id == recruiter,
            c.candidate_id == candidate,
            or_(c.status == "ACCEPTED", _awaiting(now)),
        )
    )
    return result.first() is not None


async def pending_count(conn: AsyncConnection, recruiter: uuid.UUID, now: datetime) -> int:
    """Requests the recruiter still reads as pending (silently declined ones included)."""
    c = contact.c
    result = await conn.execute(
        select(func.count()).where(c.recruiter_id == recruiter, _awaiting(now))
    )
    return int(result.scalar_one())


async def sent_since(conn: AsyncConnection, recruiter: uuid.UUID, since: datetime) -> int:
    c = contact.c
    result = await conn.execute(
        select(func.count()).where(c.recruiter_id == recruiter, c.created_at > since)
    )
    return int(result.scalar_one())


async def recent_messages(
    conn: AsyncConnection, recruiter: uuid.UUID, other_than: uuid.UUID, since: datetime
) -> list[tuple[uuid.UUID, str]]:
    """(candidate, message) of the recruiter's requests since ``since``, newest first,
    to candidates other than ``other_than``: what a new message is compared with."""
    c = contact.c
    result = await conn.execute(
        select(c.candidate_id, c.message)
        .where(c.recruiter_id == recruiter, c.created_at > since, c.candidate_id != other_than)
        .order_by(c.created_at.desc())
        .limit(RECENT_MESSAGES)
    )
    return [(row.candidate_id, row.message) for row in result]


async def insert_request(
    conn: AsyncConnection,
    *,
    recruiter: uuid.UUID,
    candidate: uuid.UUID,
    company_id: uuid.UUID,
    message: str,
    now: datetime,
    expires_at: datetime,
) -> uuid.UUID:
    """A new PENDING request; an expired one for the pair is first marked EXPIRED."""
    c = contact.c
    await conn.execute(
        update(contact)
        .where(
            c.recruiter_id == recruiter,
            c.candidate_id == candidate,
            c.status == "PENDING",
            c.expires_at <= now,
        )
        .values(status="EXPIRED")
    )
    edge_id = uuid.uuid4()
    await conn.execute(
        insert(contact).values(
            id=edge_id,
            recruiter_id=recruiter,
            candidate_id=candidate,
            company_id=company_id,
            status="PENDING",
            message=message,
            created_at=now,
            expires_at=expires_at,
            share_with_ats=False,
        )
    )
    return edge_id


# --- state changes on one edge -------------------------------------------------------


async def respond(
    conn: AsyncConnection, edge_id: uuid.UUID, *, accept: bool, share_with_ats: bool, now: datetime
) -> None:
    await conn.execute(
        update(contact)
        .where(contact.c.id == edge_id)
        .values(
            status="ACCEPTED" if accept else "DECLINED",
            responded_at=now,
            share_with_ats=accept and share_with_ats,
        )
    )


async def close(conn: AsyncConnection, edge_id: uuid.UUID, status: str, now: datetime) -> list:
    """WITHDRAWN (by the recruiter) or ENDED (by either side); an ended contact's
    consent to share with the company's ATS is withdrawn with it (the receipts
    withdrawn are returned, as by ``stop_sharing``)."""
    await conn.execute(
        update(contact).where(contact.c.id == edge_id).values(status=status, ended_at=now)
    )
    return await stop_sharing(conn, edge_id, now)


async def stop_sharing(conn: AsyncConnection, edge_id: uuid.UUID, now: datetime) -> list:
    """The candidate withdraws their consent to share this contact with the company's ATS."""
    return await _stop_sharing(conn, now, contact.c.id == edge_id)


async def stop_sharing_with_company(
    conn: AsyncConnection, candidate: uuid.UUID, company_id: uuid.UUID, now: datetime
) -> list:
    """Nothing of the candidate's stays shared with this company's ATS (a company block)."""
    c = contact.c
    return await _stop_sharing(
        conn, now, and_(c.candidate_id == candidate, c.company_id == company_id)
    )


async def _stop_sharing(conn: AsyncConnection, now: datetime, which: ColumnElement[bool]) -> list:
    """The candidate's consent to share these contacts with the company's ATS ends:
    the contacts stop being shared and their live receipts are marked withdrawn.

    Returns the receipts withdrawn now (contact, candidate, company, fields): the
    caller tells the company's ATS (``resolvers.notices``) in the same transaction.
    """
    r = consent_receipt.c
    result = await conn.execute(
        update(consent_receipt)
        .where(r.contact_id.in_(select(contact.c.id).where(which)), r.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .returning(r.contact_id, r.candidate_id, r.company_id, r.fields)
    )
    withdrawn = list(result.mappings())
    await conn.execute(
        update(contact).where(which, contact.c.share_with_ats).values(share_with_ats=False)
    )
    return withdrawn


async def close_open_edges(
    conn: AsyncConnection,
    me: uuid.UUID,
    now: datetime,
    *,
    other: uuid.UUID | None = None,
    employer: uuid.UUID | None = None,
) -> list:
    """A block ends what is open between ``me`` and the other side, in one statement.

    The other side is one member (``other``) or every verified member of the
    company ``employer``: those from whom ``me`` now hides (Promise (Company
    blocks and hiding are one-way)); a declared employer makes nobody one.
    Returns the consent receipts withdrawn with it.
    """
    c = contact.c
    others = [other] if other is not None else verified_members(employer)
    between = or_(
        and_(c.recruiter_id == me, c.candidate_id.in_(others)),
        and_(c.candidate_id == me, c.recruiter_id.in_(others)),
    )
    return await _close_open(conn, now, between)


async def close_company_edges(
    conn: AsyncConnection, recruiter: uuid.UUID, company_id: uuid.UUID, now: datetime
) -> list:
    """What a recruiter has open on behalf of ``company_id`` ends (they left it);
    returns the consent receipts withdrawn with it."""
    c = contact.c
    return await _close_open(
        conn, now, and_(c.recruiter_id == recruiter, c.company_id == company_id)
    )


async def _close_open(conn: AsyncConnection, now: datetime, which: ColumnElement[bool]) -> list:
    """End the open edges among ``which``. A live contact becomes ENDED (and stops
    being shared with the company's ATS); a request the recruiter still reads as
    pending becomes WITHDRAWN (a silently declined one keeps its
    ``responded_at``, so its candidate still reads DECLINED)."""
    c = contact.c
    result = await conn.execute(
        update(contact)
        .where(which, or_(c.status == "ACCEPTED", _awaiting(now)))
        .values(
            status=case((c.status == "ACCEPTED", "ENDED"), else_="WITHDRAWN"),
            ended_at=now,
        )
        .returning(c.id)
    )
    closed = list(result.scalars())
    return await _stop_sharing(conn, now, c.id.in_(closed)) if closed else []


# --- blocks --------------------------------------------------------------------------


async def member_block_exists(conn: AsyncConnection, me: uuid.UUID, other: uuid.UUID) -> bool:
    result = await conn.execute(
        select(literal(1)).where(
            member_block.c.blocker_id == me, member_block.c.blocked_id == other
        )
    )
    return result.first() is not None


async def add_member_block(conn: AsyncConnection, me: uuid.UUID, other: uuid.UUID) -> None:
    await conn.execute(
        pg_insert(member_block).values(blocker_id=me, blocked_id=other).on_conflict_do_nothing()
    )


async def remove_member_block(conn: AsyncConnection, me: uuid.UUID, other: uuid.UUID) -> bool:
    result = await conn.execute(
        delete(member_block).where(
            member_block.c.blocker_id == me, member_block.c.blocked_id == other
        )
    )
    return result.rowcount > 0


async def add_company_block(conn: AsyncConnection, me: uuid.UUID, company_id: uuid.UUID) -> None:
    await conn.execute(
        pg_insert(company_block)
        .values(blocker_id=me, company_id=company_id)
        .on_conflict_do_nothing()
    )


async def remove_company_block(conn: AsyncConnection, me: uuid.UUID, company_id: uuid.UUID) -> None:
    await conn.execute(
        delete(company_block).where(
            company_block.c.blocker_id == me, company_block.c.company_id == company_id
        )
    )


async def blocked_member_ids(conn: AsyncConnection, me: uuid.UUID) -> list[uuid.UUID]:
    """The members ``me`` blocked, most recent first."""
    result = await conn.execute(
        select(member_block.c.blocked_id)
        .where(member_block.c.blocker_id == me)
        .order_by(member_block.c.created_at.desc(), member_block.c.blocked_id)
    )
    return list(result.scalars())


async def blocked_companies(conn: AsyncConnection, me: uuid.UUID) -> list:
    """The companies ``me`` blocked, most recent first."""
    result = await conn.execute(
        select(company)
        .select_from(company_block.join(company, company.c.id == company_block.c.company_id))
        .where(company_block.c.blocker_id == me)
        .order_by(company_block.c.created_at.desc(), company.c.id)
    )
    return list(result.mappings())


async def set_hide_from_current_employer(
    conn: AsyncConnection, me: uuid.UUID, hide: bool
) -> uuid.UUID | None:
    """Store the choice; returns the member's current employer (None if they have none)."""
    result = await conn.execute(
        update(profile)
        .where(profile.c.member_id == me)
        .values(hide_from_current_employer=hide, updated_at=func.now())
        .returning(profile.c.current_employer_id)
    )
    return result.scalar_one()
