"""Partner ATS access: a company's API clients and its consented pipeline."""

from __future__ import annotations

import strawberry

from resolvers import partner as r
from resolvers import pipeline
from resolvers.mutations import checked, run
from schema.payloads import ApiClientPayload
from schema.types import ContactRequestConnection, WebhookDeliveryConnection


@strawberry.type(description="An OAuth2 client of a partner ATS. Its secret is never shown again.")
class ApiClient:
    client_id: str
    name: str
    scopes: list[str]
    created_at: str
    revoked_at: str | None
    webhook_url: str | None  # where erasure notices go (setApiClientWebhook)


@strawberry.type
class PartnerQuery:
    @strawberry.field(
        description="The company's consented pipeline: contacts its candidates accepted and "
        "shared with its ATS, the latest accepted first. For a partner token with scope "
        "pipeline:read (each candidate as a contact reads them, limited to the consented "
        "fields) and for the company's recruiters (each candidate as they may see them)."
    )
    async def pipeline(
        self, info: strawberry.Info, first: int | None = 50, after: str | None = None
    ) -> ContactRequestConnection:
        return await pipeline.pipeline(info.context, info, first, after)

    @strawberry.field(description="My company's API clients (recruiters only).")
    async def api_clients(self, info: strawberry.Info) -> list[ApiClient]:
        ctx = info.context
        rows = await r.list_clients(ctx, r.managed_company(ctx))
        return [
            ApiClient(
                client_id=row["client_id"],
                name=row["name"],
                scopes=list(row["scopes"]),
                created_at=row["created_at"].isoformat(),
                revoked_at=row["revoked_at"].isoformat() if row["revoked_at"] else None,
                webhook_url=row["webhook_url"],
            )
            for row in rows
        ]

    @strawberry.field(
        description="An API client's erasure notices, newest first, with their delivery "
        "state (its company's admins only)."
    )
    async def webhook_deliveries(
        self,
        info: strawberry.Info,
        client_id: str,
        first: int | None = 20,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        return await r.webhook_deliveries(info.context, client_id, first, after)


def _payload(outcome) -> ApiClientPayload:
    issued, errors = outcome
    if errors:
        return ApiClientPayload(user_errors=errors)
    return ApiClientPayload(
        client_id=issued.client_id,
        client_secret=issued.client_secret or None,
        webhook_secret=issued.webhook_secret,
    )


@strawberry.type
class PartnerMutation:
    @strawberry.mutation(description="The secret is returned once; it is stored hashed.")
    async def create_api_client(
        self, info: strawberry.Info, name: str, scopes: list[str]
    ) -> ApiClientPayload:
        ctx = info.context
        company_id = r.managed_company(ctx)
        return _payload(
            await run(ctx, lambda conn: r.create_client(conn, company_id, name, scopes))
        )

    @strawberry.mutation(description="A new secret, returned once; the old one stops working.")
    async def rotate_api_client_secret(
        self, info: strawberry.Info, client_id: str
    ) -> ApiClientPayload:
        ctx = info.context
        company_id = r.managed_company(ctx)
        return _payload(await run(ctx, lambda conn: r.rotate_secret(conn, company_id, client_id)))

    @strawberry.mutation(description="Its tokens stop working at once.")
    async def revoke_api_client(self, info: strawberry.Info, client_id: str) -> ApiClientPayload:
        ctx = info.context
        company_id = r.managed_company(ctx)
        return _payload(await run(ctx, lambda conn: r.revoke_client(conn, company_id, client_id)))

    @strawberry.mutation(
        description="Admins only: where erasure notices go (https in production, never an "
        "internal address); null removes it. A new signing secret is returned once."
    )
    async def set_api_client_webhook(
        self, info: strawberry.Info, client_id: str, url: str | None = None
    ) -> ApiClientPayload:
        ctx = info.context
        company_id = r.managed_company(ctx)
        checked_url, errors = await checked(r.webhook_url(ctx, url))
        if errors:
            return ApiClientPayload(user_errors=errors)
        return _payload(
            await run(
                ctx, lambda conn: r.set_webhook(ctx, conn, company_id, client_id, checked_url)
            )
        )
