"""Relationship facts between one viewer and a batch of members, in one query.

The result is raw booleans; ``resolvers.standing`` turns them into the
policy's ``Relation`` values. No decision is taken here.

The SQL conditions are module-level fragments because search (``db/search.py``)
applies the very same ones to its rows: "blocked" cannot mean one thing for
``profile(id)`` and another for ``searchCandidates``. Each fragment names the
owner's ``profile`` row by an alias given by the caller and the viewer by the
``:viewer`` parameter, and each is NULL-free: true or false, never unknown (an
unknown ``blocked`` would reach Polar as nil, which it refuses).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection


def viewer_edges(status: str) -> str:
    """The members with whom the viewer has a contact edge in ``status``, either way."""
    return (
        f"SELECT candidate_id FROM contact WHERE status = '{status}' AND recruiter_id = :viewer "
        "UNION ALL "
        f"SELECT recruiter_id FROM contact WHERE status = '{status}' AND candidate_id = :viewer"
    )


def contact_in_state(owner: str, status: str) -> str:
    """A contact edge in ``status`` between the viewer and ``owner``.

    ``IN`` over the viewer's own edges: PostgreSQL builds that set once per
    statement and probes it per row.
    """
    return f"{owner}.member_id IN ({viewer_edges(status)})"


def block_clauses(owner: str) -> tuple[str, ...]:
    """Each way the viewer and ``owner`` can be blocked; any one of them blocks.

    1. ``owner`` is among the members blocked by the viewer, blocking the
       viewer, or blocking the viewer's current employer;
    2. the viewer blocks ``owner``'s current employer;
    3. both work for the same company and either side hides from their
       current employer.

    1 and 2 test membership in sets that depend on the viewer only: PostgreSQL
    builds each once per statement and probes it per row (a hashed subplan),
    which keeps search's plan small and quick to find. 3 is an ``EXISTS`` over
    the viewer's own row, so that search gets it as an anti-join with a row
    estimate from the statistics.
    """
    o = owner
    return (
        f"{o}.member_id IN ("
        "SELECT blocker_id FROM member_block WHERE blocked_id = :viewer "
        "UNION ALL SELECT blocked_id FROM member_block WHERE blocker_id = :viewer "
        "UNION ALL SELECT cb.blocker_id FROM company_block cb"
        " JOIN profile vp ON vp.current_employer_id = cb.company_id"
        " WHERE vp.member_id = :viewer)",
        f"({o}.current_employer_id IS NOT NULL AND {o}.current_employer_id IN"
        " (SELECT company_id FROM company_block WHERE blocker_id = :viewer))",
        "EXISTS (SELECT 1 FROM profile vp"
        f" WHERE vp.member_id = :viewer AND vp.member_id <> {o}.member_id"
        f" AND vp.current_employer_id = {o}.current_employer_id"
        f" AND ({o}.hide_from_current_employer OR vp.hide_from_current_employer))",
    )


def is_blocked(owner: str) -> str:
    return "(" + " OR ".join(block_clauses(owner)) + ")"


def not_blocked(owner: str) -> str:
    """The negation as separate conjuncts (``NOT EXISTS`` becomes an anti-join)."""
    return " AND ".join(f"NOT {clause}" for clause in block_clauses(owner))


_FACTS_SQL = text(
    f"""
    SELECT o.member_id AS owner_id,
        {contact_in_state("o", "ACCEPTED")} AS is_contact,
        {contact_in_state("o", "PENDING")} AS has_pending_request,
        {is_blocked("o")} AS blocked
    FROM profile o
    WHERE o.member_id = ANY(:owners)
    """
).bindparams(
    bindparam("viewer", type_=UUID(as_uuid=True)),
    bindparam("owners", type_=ARRAY(UUID(as_uuid=True))),
)


@dataclass(frozen=True, slots=True)
class RawFacts:
    is_contact: bool
    has_pending_request: bool
    blocked: bool


NO_FACTS = RawFacts(is_contact=False, has_pending_request=False, blocked=False)


async def load_facts(
    conn: AsyncConnection, viewer_id: uuid.UUID, owner_ids: list[uuid.UUID]
) -> dict[uuid.UUID, RawFacts]:
    result = await conn.execute(_FACTS_SQL, {"viewer": viewer_id, "owners": owner_ids})
    return {
        row.owner_id: RawFacts(row.is_contact, row.has_pending_request, row.blocked)
        for row in result
    }
