"""Relationship facts between one viewer and a batch of members, in one query.

The result is raw booleans (and, for a partner ATS, the consented field
names); ``views.standing`` turns them into the policy's ``Relation``
values. No decision is taken here.

The SQL conditions are module-level fragments because search (``db/search.py``)
applies the very same ones to its rows: "hidden" cannot mean one thing for
``profile(id)`` and another for ``searchCandidates``. A fragment about an
owner names the owner's ``profile`` row by an alias given by the caller; all
name the viewer by the ``:viewer`` parameter, and each is NULL-free: true or
false, never unknown (an unknown ``blocked`` would reach Polar as nil, which
it refuses).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, Label, Select, bindparam, select, text, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Profile
from db.sqlguard import choice, literal

# What the fragments below may interpolate: the alias of the owner's profile row,
# and the stored states of a contact edge (``db.network``).
OWNER_ALIASES = frozenset({"profile", "wanted"})
EDGE_STATUSES = frozenset({"PENDING", "ACCEPTED", "DECLINED", "EXPIRED", "WITHDRAWN", "ENDED"})


def viewer_edges(status: str) -> str:
    """The members with whom the viewer has a contact edge in ``status``, either way."""
    state = literal(status, EDGE_STATUSES)
    return (
        f"SELECT candidate_id FROM contact WHERE status = {state} AND recruiter_id = :viewer "
        "UNION ALL "
        f"SELECT recruiter_id FROM contact WHERE status = {state} AND candidate_id = :viewer"
    )


def contact_in_state(owner: str, status: str) -> str:
    """A contact edge in ``status`` between the viewer and ``owner``.

    ``IN`` over the viewer's own edges: PostgreSQL builds that set once per
    statement and probes it per row.
    """
    return f"{choice(owner, OWNER_ALIASES)}.member_id IN ({viewer_edges(status)})"


def pending_request(owner: str) -> str:
    """A request still open between the viewer and ``owner``, as the viewer sees it.

    Past ``expires_at`` (the ``:now`` parameter) it has expired: computed on
    read, never swept (docs/network.md). Declines are silent: to its recruiter
    a declined request reads as pending until it would have expired.
    """
    return (
        f"{choice(owner, OWNER_ALIASES)}.member_id IN ("
        "SELECT candidate_id FROM contact WHERE recruiter_id = :viewer"
        " AND status IN ('PENDING', 'DECLINED') AND expires_at > :now "
        "UNION ALL SELECT recruiter_id FROM contact WHERE candidate_id = :viewer"
        " AND status = 'PENDING' AND expires_at > :now)"
    )


# Promise (Company blocks and hiding are one-way): the members of a company,
# for blocks and hiding, are those it verified: its recruiters (a company role,
# given only for a proven mailbox at its domain), and members who proved a
# mailbox at one of its domains. A declared current employer is not here.
VERIFIED_MEMBERSHIPS = (
    "SELECT id AS member_id, company_id FROM member"
    " WHERE company_id IS NOT NULL "
    "UNION ALL SELECT m.id, c.id FROM member m"
    " JOIN company c ON c.email_domain = split_part(m.email, '@', -1)"
    " WHERE m.email_verified_at IS NOT NULL"
)


def verified_members(company_id: uuid.UUID) -> Select:
    """The ids of ``company_id``'s verified members (the memberships the facts use)."""
    memberships = (
        text(VERIFIED_MEMBERSHIPS)
        .columns(member_id=UUID(as_uuid=True), company_id=UUID(as_uuid=True))
        .subquery("vm")
    )
    return select(memberships.c.member_id).where(memberships.c.company_id == company_id)


def viewer_companies() -> str:
    """The companies the viewer is a verified member of (uncorrelated: read once per statement)."""
    return f"SELECT vm.company_id FROM ({VERIFIED_MEMBERSHIPS}) vm WHERE vm.member_id = :viewer"


def blocked_members() -> str:
    """The members blocked by the viewer or blocking the viewer: a member block is mutual."""
    return (
        "SELECT blocker_id FROM member_block WHERE blocked_id = :viewer "
        "UNION ALL SELECT blocked_id FROM member_block WHERE blocker_id = :viewer"
    )


def members_blocking_viewers_company() -> str:
    """The members who blocked a company the viewer is a verified member of.

    One-way: a company the *viewer* blocked appears nowhere in the viewer's facts.
    """
    return (
        "SELECT blocker_id FROM company_block"
        f" WHERE blocker_id <> :viewer AND company_id IN ({viewer_companies()})"
    )


def members_hiding_from_viewers_company() -> str:
    """The members hiding from their declared current employer, a company the viewer
    is a verified member of. The declaration says whom they hide from; it makes
    them a member of nothing (the viewer's own declaration plays no part)."""
    return (
        "SELECT member_id FROM profile WHERE hide_from_current_employer"
        f" AND member_id <> :viewer AND current_employer_id IN ({viewer_companies()})"
    )


def member_in(owner: str, members: str) -> str:
    """``owner`` is one of ``members``: a set that depends on the viewer only, built once
    per statement and probed per row (a hashed subplan). Its ids are never NULL, so
    the test is true or false, never unknown."""
    return f"{choice(owner, OWNER_ALIASES)}.member_id IN ({members})"


# The facts that hide a member, each with the set of members it holds for the
# viewer (the policy's ``hidden`` rules read them one by one).
HIDING_FACTS = {
    "blocked": blocked_members,
    "owner_blocks_viewers_company": members_blocking_viewers_company,
    "owner_hides_from_viewers_company": members_hiding_from_viewers_company,
}


def _typed(fragment: str):
    return text(fragment).bindparams(
        bindparam("viewer", type_=UUID(as_uuid=True)),
        *([bindparam("now", type_=DateTime(timezone=True))] if ":now" in fragment else []),
    )


def fact_columns(owner: str) -> list[Label]:
    """The viewer's facts towards ``owner`` as columns of a query over that profile row.

    Profiles are loaded with these (``db.profiles.load_profiles_seen_by``), so
    that a page of profiles costs one statement, facts included. Parameters:
    ``:viewer`` and ``:now``.
    """
    return [
        type_coerce(_typed(contact_in_state(owner, "ACCEPTED")), Boolean()).label("is_contact"),
        type_coerce(_typed(pending_request(owner)), Boolean()).label("has_pending_request"),
        *(
            type_coerce(_typed(member_in(owner, members())), Boolean()).label(name)
            for name, members in HIDING_FACTS.items()
        ),
    ]


def facts_of(row) -> RawFacts:
    return RawFacts(
        row["is_contact"],
        row["has_pending_request"],
        row["blocked"],
        owner_blocks_viewers_company=row["owner_blocks_viewers_company"],
        owner_hides_from_viewers_company=row["owner_hides_from_viewers_company"],
    )


# A partner ATS stands for its company. Towards a candidate it has one fact of
# its own, consent: an accepted contact with one of the company's recruiters
# that the candidate shared with the ATS, under a receipt not withdrawn, and the
# fields those receipts list. "Blocked" is the candidate's side of the company
# facts above, one-way as for its members: a block of the company, or "hide me
# from my current employer" having declared it.
_PARTNER_FACTS_SQL = text(
    """
    SELECT o.member_id AS owner_id,
        EXISTS (
            SELECT 1 FROM contact c JOIN consent_receipt r ON r.contact_id = c.id
            WHERE c.candidate_id = o.member_id AND c.company_id = :company
              AND c.status = 'ACCEPTED' AND c.share_with_ats AND r.withdrawn_at IS NULL
        ) AS consented,
        ARRAY(
            SELECT DISTINCT f
            FROM contact c JOIN consent_receipt r ON r.contact_id = c.id,
                 unnest(r.fields) AS f
            WHERE c.candidate_id = o.member_id AND c.company_id = :company
              AND c.status = 'ACCEPTED' AND c.share_with_ats AND r.withdrawn_at IS NULL
            ORDER BY f
        ) AS consented_fields,
        EXISTS (
            SELECT 1 FROM company_block cb
            WHERE cb.blocker_id = o.member_id AND cb.company_id = :company
        ) AS blocks_company,
        COALESCE(o.current_employer_id = :company AND o.hide_from_current_employer, false)
            AS hides_from_company
    FROM profile o
    WHERE o.member_id = ANY(:owners)
    """
).bindparams(
    bindparam("company", type_=UUID(as_uuid=True)),
    bindparam("owners", type_=ARRAY(UUID(as_uuid=True))),
)


@dataclass(frozen=True, slots=True)
class RawFacts:
    is_contact: bool
    has_pending_request: bool
    blocked: bool  # a member block, either way
    owner_blocks_viewers_company: bool = False
    owner_hides_from_viewers_company: bool = False
    # Towards a partner ATS only (see _PARTNER_FACTS_SQL).
    partner_consent: bool = False
    consented_fields: tuple[str, ...] = ()


NO_FACTS = RawFacts(is_contact=False, has_pending_request=False, blocked=False)


async def load_facts(
    conn: AsyncConnection,
    viewer_id: uuid.UUID,
    owner_ids: list[uuid.UUID],
    now: datetime | None = None,
) -> dict[uuid.UUID, RawFacts]:
    """Facts at ``now`` (the request's clock; the wall clock when not given)."""
    profile = Profile.__table__
    result = await conn.execute(
        select(profile.c.member_id, *fact_columns("profile")).where(
            profile.c.member_id.in_(owner_ids)
        ),
        {"viewer": viewer_id, "now": now or datetime.now(UTC)},
    )
    return {row["member_id"]: facts_of(row) for row in result.mappings()}


async def load_partner_facts(
    conn: AsyncConnection, company_id: uuid.UUID, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RawFacts]:
    """Facts of a partner ATS (standing for ``company_id``) towards each owner."""
    result = await conn.execute(_PARTNER_FACTS_SQL, {"company": company_id, "owners": owner_ids})
    return {
        row.owner_id: RawFacts(
            is_contact=False,
            has_pending_request=False,
            blocked=False,
            owner_blocks_viewers_company=row.blocks_company,
            owner_hides_from_viewers_company=row.hides_from_company,
            partner_consent=row.consented,
            consented_fields=tuple(row.consented_fields),
        )
        for row in result
    }
