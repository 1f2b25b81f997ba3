"""Partner ATS access: API clients of a company, and who a partner token stands for.

Client secrets are 256 random bits: a SHA-256 digest is enough to store them
(no password-style stretching needed), and they are compared in constant time.

A client's webhook receives erasure notices (``resolvers.notices``,
docs/webhooks.md). Its signing secret must be usable to sign, so it cannot be
stored as a digest: only a random salt is stored, and the secret is derived
from it and ``SUPLINKS_SECRET_KEY`` (``web.webhooks.secret_for``), shown once.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import security
from db import accounts as accounts_db
from db import companies as companies_db
from db import outbox as outbox_db
from db import partner as partner_db
from policies import actions
from policies.actions import PIPELINE_READ
from resolvers import validation
from schema import types as t
from views import cursors
from web.context import Context
from web.errors import problem
from web.webhooks import UnsafeUrl, check_url, secret_for

SCOPES = frozenset({PIPELINE_READ})


@dataclass(frozen=True)
class IssuedClient:
    row_id: uuid.UUID
    client_id: str
    client_secret: str  # shown once, never stored
    webhook_secret: str | None = None  # shown once by setApiClientWebhook, never stored


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


async def webhook_url(ctx: Context, url: str | None) -> str | None:
    """The URL, if notices may go there (None: no webhook).

    Checked before the transaction (resolving a name may take seconds), and
    again before each delivery (``web.webhooks``): https only in production,
    never to an internal address.
    """
    if url is None:
        return None
    try:
        await check_url(url.strip(), production=ctx.settings.production)
    except UnsafeUrl as exc:
        raise problem("INVALID_URL", str(exc), "url") from exc
    return url.strip()


async def set_webhook(
    ctx: Context, conn: AsyncConnection, company_id: uuid.UUID, client_id: str, url: str | None
) -> IssuedClient:
    """Set (a new secret, shown once) or remove (``url`` None) a client's webhook;
    ``url`` comes from ``webhook_url``."""
    row = await own_client(conn, company_id, client_id)
    if url is None:
        await partner_db.set_webhook(conn, row["id"], None, None)
        return IssuedClient(row["id"], row["client_id"], "")
    salt = secrets.token_urlsafe(32)
    await partner_db.set_webhook(conn, row["id"], url, salt)
    return IssuedClient(row["id"], row["client_id"], "", secret_for(ctx.settings.secret_key, salt))


DELIVERIES_CURSOR = "deliveries"


async def webhook_deliveries(
    ctx: Context, client_id: str, first: int | None, after: str | None
) -> t.WebhookDeliveryConnection:
    """A client's notices, newest first, with their state (its company's admins only)."""
    company_id = managed_company(ctx)
    limit = cursors.page_size(first)
    position = cursors.decode(DELIVERIES_CURSOR, after)
    async with ctx.db.autocommit() as conn:
        row = await own_client(conn, company_id, client_id)
        rows = await outbox_db.deliveries(conn, row["id"], after=position, limit=limit + 1)
    edges = [
        t.WebhookDeliveryEdge(
            node=_delivery(row),
            cursor=cursors.encode(DELIVERIES_CURSOR, row["created_at"], row["id"]),
        )
        for row in rows[:limit]
    ]
    return t.WebhookDeliveryConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
        ),
    )


def _delivery(row) -> t.WebhookDelivery:
    def at(value):
        return value.isoformat() if value else None

    return t.WebhookDelivery(
        event_id=str(row["event_id"]),
        type=row["event_type"],
        status=t.DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"].isoformat(),
        last_attempt_at=at(row["last_attempt_at"]),
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        finished_at=at(row["finished_at"]),
    )


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
