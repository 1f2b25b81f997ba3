"""Consent receipts: what a candidate agreed to share with a company's ATS.

Promise (Partners see only consented fields).

Accepting a contact with ``shareWithAts`` records, in the same transaction,
when, with which company, for which purpose, and which fields: the private
fields a contact may read at that moment, as the policy answers it. The
policy then lets the company's ATS read those fields only (and only while a
contact still may), so the receipt is also the limit of what is shared.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from db import accounts as accounts_db
from db import consent as consent_db
from db import profiles as profiles_db
from policies.authorizer import Authorizer
from policies.fields import PRIVATE_FIELDS, Audience
from schema import types as t
from views import ids
from views.profiles import audiences_of, employer
from views.standing import preview_relation
from web.context import Context

PURPOSE = "Share my profile, as a contact reads it, with the applicant tracking system of {}"
_PURPOSE_MAX = 200  # the column's length


_COUNTERPART_MAX = 300  # the column's length


def counterpart_label(recruiter_alias: str, company_name: str) -> str:
    """The other side as the candidate knows them when she consents: the recruiter's
    alias (shown wherever a profile is) and the company she shares with (named in
    the purpose she agrees to). Stored, so that the receipt outlives them both."""
    return f"{recruiter_alias}, {company_name}"[:_COUNTERPART_MAX]


def purpose_for(company_name: str) -> str:
    room = _PURPOSE_MAX - len(PURPOSE.format(""))
    name = company_name if len(company_name) <= room else company_name[: room - 1] + "…"
    return PURPOSE.format(name)


def contact_fields(authorizer: Authorizer, row) -> list[str]:
    """The private fields of this profile that a contact may read now, per the policy.

    An experience's field counts only when the experience list itself does:
    a contact who may not read the list reads none of its items.
    """
    rel = preview_relation(row["kind"], Audience.CONTACTS.value, bool(row["confidential_search"]))
    decide = authorizer.field_decider(rel)
    readable = decide.readable(PRIVATE_FIELDS, audiences_of(row))
    return sorted(f for f in readable if "." not in f or f.partition(".")[0] in readable)


async def record_receipt(
    conn: AsyncConnection,
    authorizer: Authorizer,
    *,
    contact_id: uuid.UUID,
    candidate_id: uuid.UUID,
    recruiter_id: uuid.UUID,
    company_id: uuid.UUID,
    now: datetime,
) -> uuid.UUID:
    """The receipt of a consent given now, in the caller's transaction."""
    row = (await profiles_db.load_profiles(conn, [candidate_id]))[candidate_id]
    company = await accounts_db.company_by_id(conn, company_id)
    recruiter = await accounts_db.member_by_id(conn, recruiter_id)
    return await consent_db.insert_receipt(
        conn,
        contact_id=contact_id,
        candidate_id=candidate_id,
        company_id=company_id,
        counterpart=counterpart_label(recruiter["alias"], company["name"]),
        purpose=purpose_for(company["name"]),
        fields=contact_fields(authorizer, row),
        now=now,
    )


async def receipts(ctx: Context, member_id: uuid.UUID) -> list[t.ConsentReceipt]:
    """The member's own receipts, newest first (a recruiter has none), whatever
    happened to the other side since: they are her record."""
    async with ctx.db.autocommit() as conn:
        rows = await consent_db.receipts_of(conn, member_id)
    return [
        t.ConsentReceipt(
            id=ids.encode(ids.CONSENT_RECEIPT, row["id"]),
            request_id=ids.encode(ids.CONTACT_REQUEST, row["contact_id"]),
            counterpart=row["counterpart"],
            company=employer(
                row["company_id"],
                row["company_name"],
                row["company_sector"],
                row["company_size_band"],
            ),
            purpose=row["purpose"],
            fields=list(row["fields"]),
            created_at=row["created_at"].isoformat(),
            withdrawn_at=row["withdrawn_at"].isoformat() if row["withdrawn_at"] else None,
        )
        for row in rows
    ]
