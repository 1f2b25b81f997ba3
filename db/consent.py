"""Consent receipts: a candidate's record of sharing a contact with the company's ATS.

A receipt is written in the transaction that accepts the contact with
``shareWithAts``; it is never deleted by the product, only marked withdrawn
(``db.network.stop_sharing``), so the candidate keeps the history of what
they consented to and when it ended. It is hers: the recruiter's deletion,
or the company's, leaves it (``counterpart`` says who they were to her);
only her own deletion takes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import Company, ConsentReceipt

consent_receipt = ConsentReceipt.__table__
company = Company.__table__


async def insert_receipt(
    conn: AsyncConnection,
    *,
    contact_id: uuid.UUID,
    candidate_id: uuid.UUID,
    company_id: uuid.UUID,
    counterpart: str,
    purpose: str,
    fields: list[str],
    now: datetime,
) -> uuid.UUID:
    receipt_id = uuid.uuid4()
    await conn.execute(
        insert(consent_receipt).values(
            id=receipt_id,
            contact_id=contact_id,
            candidate_id=candidate_id,
            company_id=company_id,
            counterpart=counterpart,
            purpose=purpose,
            fields=fields,
            created_at=now,
        )
    )
    return receipt_id


async def receipts_of(conn: AsyncConnection, candidate_id: uuid.UUID) -> list:
    """The candidate's receipts, live and withdrawn, newest first, with their company
    while it exists."""
    result = await conn.execute(
        select(
            consent_receipt,
            company.c.name.label("company_name"),
            company.c.sector.label("company_sector"),
            company.c.size_band.label("company_size_band"),
        )
        .select_from(
            consent_receipt.outerjoin(company, company.c.id == consent_receipt.c.company_id)
        )
        .where(consent_receipt.c.candidate_id == candidate_id)
        .order_by(consent_receipt.c.created_at.desc(), consent_receipt.c.id.desc())
    )
    return list(result.mappings())
