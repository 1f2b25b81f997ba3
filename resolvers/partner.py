"""Partner ATS access: API clients of a company, and who a partner token stands for.

Client secrets are 256 random bits: a SHA-256 digest is enough to store them
(no password-style stretching needed), and they are compared in constant time.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import security
from db import accounts as accounts_db
from db import companies as companies_db
from db import partner as partner_db
from policies import actions
from policies.actions import PIPELINE_READ
from resolvers import validation
from web.context import Context
from web.errors import problem

SCOPES = frozenset({PIPELINE_READ})


@dataclass(frozen=True)
class IssuedClient:
    row_id: uuid.UUID
    client_id: str
    client_secret: str  # shown once, never stored


def check_scopes(scopes: list[str]) -> list[str]:
    validation.items(scopes, "scopes", max_items=10)
    clean = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in clean if s not in SCOPES]
    if not clean or unknown:
        raise problem(
            "INVALID_SCOPE",
            f"Scopes must be among: {', '.join(sorted(SCOPES))}.",
            "scopes",
        )
    return clean


async def create_client(
    conn: AsyncConnection, company_id: uuid.UUID, name: str, scopes: list[str]
) -> IssuedClient:
    clean_name = validation.name(name, "name", max_length=200, required=True)
    secret = security.new_client_secret()
    row = await partner_db.insert_client(
        conn,
        client_id="slc_" + secrets.token_urlsafe(16),
        secret_hash=security.client_secret_digest(secret),
        company_id=company_id,
        name=clean_name,
        scopes=check_scopes(scopes),
    )
    return IssuedClient(row["id"], row["client_id"], secret)


def managed_company(ctx: Context) -> uuid.UUID:
    """The company whose API clients this viewer may manage (asked once per request)."""
    return ctx.authorize(actions.MANAGE_API_CLIENTS).company_id


async def own_client(conn: AsyncConnection, company_id: uuid.UUID, client_id: str):
    """A client of the viewer's company; any other id answers like an unknown one."""
    clean = validation.text(client_id, "clientId", max_length=200)
    row = await partner_db.client_by_client_id(conn, clean) if clean else None
    if row is None or row["company_id"] != company_id:
        raise problem("NOT_FOUND", "No such API client.", "clientId")
    return row


async def rotate_secret(
    conn: AsyncConnection, company_id: uuid.UUID, client_id: str
) -> IssuedClient:
    row = await own_client(conn, company_id, client_id)
    if row["revoked_at"] is not None:
        raise problem("REVOKED", "This API client is revoked.", "clientId")
    secret = security.new_client_secret()
    await partner_db.set_secret(conn, row["id"], security.client_secret_digest(secret))
    return IssuedClient(row["id"], row["client_id"], secret)


async def revoke_client(
    conn: AsyncConnection, company_id: uuid.UUID, client_id: str
) -> IssuedClient:
    row = await own_client(conn, company_id, client_id)
    await partner_db.revoke(conn, row["id"])
    return IssuedClient(row["id"], row["client_id"], "")


async def company_by_reference(conn: AsyncConnection, reference: str):
    """A company by opaque id or by email domain (for the command line)."""
    from views import ids

    company_id = ids.decode(ids.COMPANY, reference)
    if company_id is not None:
        return await accounts_db.company_by_id(conn, company_id)
    return await companies_db.company_by_domain(conn, reference.strip().lower())


async def list_clients(ctx: Context, company_id: uuid.UUID) -> list:
    async with ctx.db.autocommit() as conn:
        return await partner_db.company_clients(conn, company_id)
