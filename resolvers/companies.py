"""Companies made by proven mailboxes: the two hooks of sign-up and verification.

A minimal version for the accounts branch (the companies branch replaces it):
a recruiter at a registered domain joins that company when their mailbox is
proven; at an unregistered domain they name the company to create then.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from db import accounts as accounts_db
from resolvers import validation
from schema.inputs import NewCompanyInput
from web.errors import problem


async def check_sign_up(
    conn: AsyncConnection, *, email: str, kind: str, company: NewCompanyInput | None
) -> dict | None:
    """The company to create at verification (JSON-able), None, or a typed error."""
    if kind != "RECRUITER":
        return None
    if await accounts_db.company_by_domain(conn, validation.email_domain(email)) is not None:
        return None
    if company is None:
        raise problem(
            "UNKNOWN_COMPANY_DOMAIN",
            "No company uses this email domain yet: give the company's details.",
            "company",
        )
    return {
        "name": validation.text(company.name, "company.name", max_length=200, required=True),
        "sector": validation.text(company.sector, "company.sector", max_length=100, required=True),
        "size_band": company.size_band.value,
    }


async def on_mailbox_verified(
    conn: AsyncConnection, *, member_id: uuid.UUID, email: str, pending_company: dict | None
) -> None:
    """A recruiter who proved ``email`` belongs to the company of its domain (created
    from ``pending_company`` when there is none yet)."""
    row = await accounts_db.member_by_id(conn, member_id)
    if row is None or row["kind"] != "RECRUITER":
        return
    domain = validation.email_domain(email)
    company = await accounts_db.company_by_domain(conn, domain)
    if company is None and pending_company is not None:
        company = await accounts_db.insert_company(
            conn,
            name=pending_company["name"],
            domain=domain,
            sector=pending_company["sector"],
            size_band=pending_company["size_band"],
        )
    company_id = company["id"] if company is not None else None
    await conn.execute(
        update(accounts_db.member)
        .where(accounts_db.member.c.id == member_id)
        .values(company_id=company_id)
    )
    await conn.execute(
        update(accounts_db.profile)
        .where(accounts_db.profile.c.member_id == member_id)
        .values(current_employer_id=company_id)
    )
