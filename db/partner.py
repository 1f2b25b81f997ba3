"""Partner ATS clients (OAuth2 client credentials), stored with hashed secrets."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import ApiClient, Company

api_client = ApiClient.__table__
company = Company.__table__


async def insert_client(
    conn: AsyncConnection,
    *,
    client_id: str,
    secret_hash: str,
    company_id: uuid.UUID,
    name: str,
    scopes: list[str],
):
    result = await conn.execute(
        insert(api_client)
        .values(
            id=uuid.uuid4(),
            client_id=client_id,
            secret_hash=secret_hash,
            company_id=company_id,
            name=name,
            scopes=scopes,
        )
        .returning(api_client)
    )
    return result.mappings().one()


async def client_by_client_id(conn: AsyncConnection, client_id: str):
    """A client with its company's name (revoked ones included: callers decide)."""
    result = await conn.execute(
        select(api_client, company.c.name.label("company_name"))
        .select_from(api_client.join(company, company.c.id == api_client.c.company_id))
        .where(api_client.c.client_id == client_id)
    )
    return result.mappings().first()


async def live_client(conn: AsyncConnection, row_id: uuid.UUID):
    """The client behind a partner token, or None once revoked."""
    result = await conn.execute(
        select(api_client, company.c.name.label("company_name"))
        .select_from(api_client.join(company, company.c.id == api_client.c.company_id))
        .where(api_client.c.id == row_id, api_client.c.revoked_at.is_(None))
    )
    return result.mappings().first()


async def company_clients(conn: AsyncConnection, company_id: uuid.UUID) -> list:
    result = await conn.execute(
        select(api_client)
        .where(api_client.c.company_id == company_id)
        .order_by(api_client.c.created_at, api_client.c.client_id)
    )
    return list(result.mappings())


async def set_secret(conn: AsyncConnection, row_id: uuid.UUID, secret_hash: str) -> None:
    await conn.execute(
        update(api_client).where(api_client.c.id == row_id).values(secret_hash=secret_hash)
    )


async def revoke(conn: AsyncConnection, row_id: uuid.UUID) -> None:
    await conn.execute(
        update(api_client)
        .where(api_client.c.id == row_id, api_client.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


async def set_webhook(
    conn: AsyncConnection, row_id: uuid.UUID, url: str | None, salt: str | None
) -> None:
    await conn.execute(
        update(api_client)
        .where(api_client.c.id == row_id)
        .values(webhook_url=url, webhook_salt=salt)
    )
