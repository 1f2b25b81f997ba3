"""Relationship facts between one viewer and a batch of members, in one query.

The result is raw booleans (and, for a partner ATS, the consented field
names); ``views.standing`` turns them into the policy's ``Relation``
values. No decision is taken here.

The SQL conditions are module-level fragments because search (``db/search.py``)
applies the very same ones to its rows: "blocked" cannot mean one thing for
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

from sqlalchemy import Boolean, DateTime, Label, bindparam, select, text, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Profile
from db.sqlguard import choice, literal

# What the fragments below may interpolate: the alias of the owner's profile row,
# and the stored states of a contact edge (``db.network``).
OWNER_ALIASES = frozenset({"profile"})
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


def blocked_members() -> str:
    """The members blocked by the viewer, blocking the viewer, or blocking the viewer's employer."""
    return (
        "SELECT blocker_id FROM member_block WHERE blocked_id = :viewer "
        "UNION ALL SELECT blocked_id FROM member_block WHERE blocker_id = :viewer "
        "UNION ALL SELECT cb.blocker_id FROM company_block cb"
        " JOIN profile vp ON vp.current_employer_id = cb.company_id"
        " WHERE vp.member_id = :viewer"
    )


def employer_block_clauses(owner: str) -> tuple[str, str]:
    """The ways a block goes through ``owner``'s current employer.

    1. the viewer blocks ``owner``'s current employer;
    2. both work for the same company and either side hides from their
       current employer. The viewer's employer and choice are read once per
       statement (uncorrelated subqueries), so each row costs a comparison.
    """
    o = choice(owner, OWNER_ALIASES)
    viewer = "(SELECT vp.{} FROM profile vp WHERE vp.member_id = :viewer)"
    return (
        f"({o}.current_employer_id IS NOT NULL AND {o}.current_employer_id IN"
        " (SELECT company_id FROM company_block WHERE blocker_id = :viewer))",
        f"({o}.member_id <> :viewer"
        f" AND coalesce({o}.current_employer_id = {viewer.format('current_employer_id')}, false)"
        f" AND ({o}.hide_from_current_employer"
        f" OR coalesce({viewer.format('hide_from_current_employer')}, false)))",
    )


def block_clauses(owner: str) -> tuple[str, ...]:
    """Each way the viewer and ``owner`` can be blocked; any one of them blocks.

    Membership in sets that depend on the viewer only: PostgreSQL builds each
    once per statement and probes it per row (a hashed subplan), which keeps
    search's plan small and quick to find. Search merges the first set with
    the other members it excludes, to probe one set per row instead of several.
    """
    member_id = f"{choice(owner, OWNER_ALIASES)}.member_id"
    return (f"{member_id} IN ({blocked_members()})", *employer_block_clauses(owner))


def is_blocked(owner: str) -> str:
    return "(" + " OR ".join(block_clauses(owner)) + ")"


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
        type_coerce(_typed(is_blocked(owner)), Boolean()).label("blocked"),
    ]


def facts_of(row) -> RawFacts:
    return RawFacts(row["is_contact"], row["has_pending_request"], row["blocked"])


# A partner ATS stands for its company. Towards a candidate it has one fact of
# its own, consent: an accepted contact with one of the company's recruiters
# that the candidate shared with the ATS, under a receipt not withdrawn, and the
# fields those receipts list. "Blocked" is the candidate's side of the company
# facts above: a block of the company, or "hide me from my current employer"
# while working there.
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
        )
        OR COALESCE(o.current_employer_id = :company AND o.hide_from_current_employer, false)
            AS blocked
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
    blocked: bool
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
            blocked=row.blocked,
            partner_consent=row.consented,
            consented_fields=tuple(row.consented_fields),
        )
        for row in result
    }
