"""Relationship facts between one viewer and a batch of members, in one query.

The result is raw booleans (and, for a partner ATS, the consented field
names); ``resolvers.standing`` turns them into the policy's ``Relation``
values. No decision is taken here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

# "Pending": a request still open as its viewer sees it. Past ``expires_at`` it
# has expired (computed here, never swept; see docs/network.md). Declines are
# silent: to its recruiter a declined request reads as pending until it would
# have expired, so a decline and an expiry look the same to them.
# "Blocked either way": a member block in either direction, a company block of
# either side's current employer by the other, or "hide me from my current
# employer" when both work for the same company.
_FACTS_SQL = text(
    """
    WITH v AS (
        SELECT p.member_id AS id, p.current_employer_id AS employer_id,
               p.hide_from_current_employer AS hide
        FROM profile p WHERE p.member_id = :viewer
    )
    SELECT o.member_id AS owner_id,
        EXISTS (
            SELECT 1 FROM contact c
            WHERE c.status = 'ACCEPTED'
              AND ((c.recruiter_id = v.id AND c.candidate_id = o.member_id)
                OR (c.candidate_id = v.id AND c.recruiter_id = o.member_id))
        ) AS is_contact,
        EXISTS (
            SELECT 1 FROM contact c
            WHERE c.expires_at > :now
              AND ((c.recruiter_id = v.id AND c.candidate_id = o.member_id
                    AND c.status IN ('PENDING', 'DECLINED'))
                OR (c.candidate_id = v.id AND c.recruiter_id = o.member_id
                    AND c.status = 'PENDING'))
        ) AS has_pending_request,
        COALESCE(
            EXISTS (
                SELECT 1 FROM member_block b
                WHERE (b.blocker_id = o.member_id AND b.blocked_id = v.id)
                   OR (b.blocker_id = v.id AND b.blocked_id = o.member_id)
            )
            OR EXISTS (
                SELECT 1 FROM company_block cb
                WHERE (cb.blocker_id = o.member_id AND cb.company_id = v.employer_id)
                   OR (cb.blocker_id = v.id AND cb.company_id = o.current_employer_id)
            )
            OR (
                o.member_id <> v.id
                -- NULL when either has no employer: not the same company
                AND COALESCE(o.current_employer_id = v.employer_id, false)
                AND (o.hide_from_current_employer OR v.hide)
            ),
            false  -- a NULL employer on either side means "not the same company"
        ) AS blocked
    FROM profile o CROSS JOIN v
    WHERE o.member_id = ANY(:owners)
    """
).bindparams(
    bindparam("viewer", type_=UUID(as_uuid=True)),
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("owners", type_=ARRAY(UUID(as_uuid=True))),
)


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
    params = {"viewer": viewer_id, "owners": owner_ids, "now": now or datetime.now(UTC)}
    result = await conn.execute(_FACTS_SQL, params)
    return {
        row.owner_id: RawFacts(row.is_contact, row.has_pending_request, row.blocked)
        for row in result
    }


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
