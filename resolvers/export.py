"""The data export: everything SUPLINKS holds about the member, as one JSON document.

Promise (The member's own data). ``viewer.dataExport`` answers it as a
string; ``GET /account/export`` answers the same document as a download for
the browser, with the session cookie (docs/data-export.md).

The document is built section by section (``SECTIONS``): each builder
reads through the existing readers and shapes through ``views.export``.
Other members appear only through the views the API uses, so through the
policy: a contact's counterpart as the member may read them now, a blocked
member as the id and alias the member already had. A new table of the
member's is one more builder here and its columns in ``views.export.EXPORTED``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.client_address import client_address
from auth.identity import identify
from config import Settings
from db import access_log as access_log_db
from db import accounts as accounts_db
from db import export as export_db
from db import network as network_db
from db.engine import Database
from policies import actions
from policies.authorizer import Authorizer
from resolvers import companies, consent, network, open_persona, partner
from views import export as shape
from views import ids
from views.contacts import view_edges
from views.profiles import view_profile
from web.context import Context
from web.errors import ApiError, Refusal, too_many_requests
from web.ratelimit import RateLimiter

Section = Callable[[Context, uuid.UUID], Awaitable[Any]]
PAGE = 500  # rows per read of the paged lists (edges, access events)


async def _account(ctx: Context, me: uuid.UUID) -> dict:
    async with ctx.db.autocommit() as conn:
        member = await accounts_db.member_by_id(conn, me)
    own_id = ids.profile_id(ctx.settings, ctx.identity.audience, me)
    return shape.account(member, own_id, await companies.company_role(ctx, me))


async def _profile(ctx: Context, me: uuid.UUID) -> dict:
    """My own profile through the policy's owner rule: every field."""
    own = await view_profile(ctx, me, shape.FULL_PROFILE)
    return shape.profile(await ctx.profiles.load(me), own)


async def _contacts(ctx: Context, me: uuid.UUID) -> list[dict]:
    """My edges exactly as ``viewer.contacts`` lists them: an edge whose other end no
    longer exists for me is left out there, so here too (listing it would tell what
    hides it: Promise (Company blocks and hiding are one-way))."""
    now = ctx.now()
    tree = {"counterpart": shape.FULL_PROFILE}
    out: list[dict] = []
    position = None
    while True:
        async with ctx.db.autocommit() as conn:
            rows = await network_db.my_edges(conn, me, now, status=None, after=position, limit=PAGE)
        out += [shape.plain(edge) for edge in await view_edges(ctx, rows, tree) if edge]
        if len(rows) < PAGE:
            return out
        position = rows[-1]["created_at"], rows[-1]["id"]


async def _receipts(ctx: Context, me: uuid.UUID) -> list[dict]:
    return shape.plain(await consent.receipts(ctx, me))


async def _blocks(ctx: Context, me: uuid.UUID) -> dict:
    """Whom I blocked and when: members as the id and alias I had, companies as the
    public records they are. Blocks of me are their blockers' and stay theirs."""
    async with ctx.db.autocommit() as conn:
        member_rows = await export_db.member_blocks_of(conn, me)
        company_dates = await export_db.company_blocks_of(conn, me)
    profiles = await network.blocked_profiles(
        ctx, [row["blocked_id"] for row in member_rows], {"id": {}, "alias": {}, "kind": {}}
    )
    members = [
        {
            "member": shape.plain(profiles[row["blocked_id"]]),
            "blockedAt": shape.plain(row["created_at"]),
        }
        for row in member_rows
        if row["blocked_id"] in profiles
    ]
    companies_blocked = [
        {
            "company": shape.plain(company),
            "blockedAt": shape.plain(company_dates.get(ids.decode(ids.COMPANY, company.id))),
        }
        for company in await network.blocked_companies(ctx, me)
    ]
    return {"members": members, "companies": companies_blocked}


async def _access_log(ctx: Context, me: uuid.UUID) -> list[dict]:
    out: list[dict] = []
    position = None
    while True:
        async with ctx.db.autocommit() as conn:
            rows = await access_log_db.events_of(conn, me, after=position, limit=PAGE)
        out += [shape.access_event(row) for row in rows]
        if len(rows) < PAGE:
            return out
        position = rows[-1]["at"], rows[-1]["id"]


async def _sessions(ctx: Context, me: uuid.UUID) -> list[dict]:
    async with ctx.db.autocommit() as conn:
        rows = await export_db.sessions_of(conn, me)
    return [shape.session(row, ctx.identity.session_id) for row in rows]


async def _mail_links(ctx: Context, me: uuid.UUID) -> list[dict]:
    async with ctx.db.autocommit() as conn:
        rows = await export_db.mail_tokens_of(conn, me)
    return [shape.mail_link(row) for row in rows]


async def _open_persona(ctx: Context, me: uuid.UUID) -> dict | None:
    """My open persona, published or not (null: I never wrote one)."""
    row = await open_persona.own(ctx, me)
    if row is None:
        return None
    return {
        **shape.plain(open_persona.public_view(row)),
        "published": row["published"],
        "updatedAt": shape.plain(row["updated_at"]),
    }


async def _api_clients(ctx: Context, me: uuid.UUID) -> list[dict] | None:
    """My company's API clients if I manage them (its admins), else null."""
    if not ctx.allowed(actions.MANAGE_API_CLIENTS):
        return None
    rows = await partner.list_clients(ctx, partner.managed_company(ctx))
    return [shape.api_client(row) for row in rows]


# The document's sections, in order.
SECTIONS: dict[str, Section] = {
    "account": _account,
    "profile": _profile,
    "openPersona": _open_persona,
    "contacts": _contacts,
    "consentReceipts": _receipts,
    "blocks": _blocks,
    "accessLog": _access_log,
    "sessions": _sessions,
    "mailLinks": _mail_links,
    "apiClients": _api_clients,
}


async def document(ctx: Context) -> dict:
    """The export of the viewer's data (a member of their own account, or refused)."""
    me = ctx.authorize(actions.READ_ACCOUNT).member_id
    await ctx.rate_limit("export", me)
    out: dict[str, Any] = {"version": shape.VERSION, "exportedAt": ctx.now().isoformat()}
    for name, build in SECTIONS.items():
        out[name] = await build(ctx, me)
    return out


async def data_export(ctx: Context) -> str:
    """``viewer.dataExport``: the document as a JSON string."""
    return orjson.dumps(await document(ctx)).decode()


def export_route(
    settings: Settings, db: Database, authorizer: Authorizer, limiter: RateLimiter
) -> Route:
    """``GET /account/export``: the same document, as a file the browser downloads.

    The session cookie (or a bearer token) says who asks; without one, 401. The
    document never stays in a cache (``no-store``). What it delivered of others'
    narrow fields is logged as the API would log it.
    """

    async def download(request: Request) -> Response:
        credential = await identify(db, settings.secret_key, request.headers, request.cookies)
        ctx = Context(
            db=db,
            settings=settings,
            authorizer=authorizer,
            limiter=limiter,
            identity=credential.identity,
            rejected_credential=credential.rejected,
            client_address=client_address(request.scope, settings.trusted_proxies),
            request=request,
        )
        try:
            body = orjson.dumps(await document(ctx))
        except ApiError as error:
            if error.code == "RATE_LIMITED":
                return too_many_requests(error.extensions["retryAfter"]).response()
            status = 401 if error.code == "UNAUTHENTICATED" else 403
            return Refusal(status, error.code, error.message).response()
        await ctx.write_access_log()
        return Response(
            body,
            media_type="application/json",
            headers={
                "content-disposition": 'attachment; filename="suplinks-export.json"',
                "cache-control": "no-store",
            },
        )

    return Route("/account/export", download, methods=["GET"])
