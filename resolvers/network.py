"""The closed network: contact requests, blocks, and the viewer's own edges.

Promises kept here (docs/design.md, docs/network.md):

- Only recruiters start a contact, with a personal message (length bounds, no
  near-copy of a message sent to ``template_message_limit`` other candidates in
  the last 90 days: see ``resolvers.templates``), within
  their quotas, to a contactable candidate who does not block them
  (Promise (Only recruiters start a contact)).
- Every refusal that would reveal something about the target (unknown,
  deleted, blocked either way, hidden from their employer, not contactable)
  is ``web.errors.not_found()``, the answer to an unknown id
  (Promises (Hidden members do not exist), (Opaque ids)).
- A block ends what is open between the two sides in the same transaction;
  from then on a member block hides each from the other, a company block or
  hiding from one's employer hides only the member who set it
  (Promise (Company blocks and hiding are one-way)).
- Edges are read only by their endpoints (Promise (Edges are private)); see ``contact_view``.

Each mutation body runs inside ``resolvers.mutations.run`` (one transaction);
time comes from ``ctx.now()`` so that tests can move it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from db import network as network_db
from db import profiles as profiles_db
from policies import actions
from policies.actions import Action
from policies.authorizer import Authorizer
from policies.facts import ContactTarget, EdgeFacts
from resolvers import consent, notices, templates, validation
from schema import types as t
from views import ids
from views.contacts import counterpart_of, page_of_edges, view_edge
from views.profiles import build_profile, employer
from views.selection import Tree, selected
from views.standing import relation_for
from web.context import Context
from web.errors import not_found, problem

MESSAGE_MIN = 30
MESSAGE_MAX = 2000
# Messages older than this no longer count as templates of a new one.
TEMPLATE_WINDOW_DAYS = 90
CONTACTS_CURSOR = "contacts"


# --- shared checks -----------------------------------------------------------------


async def _visible_member(ctx: Context, conn: AsyncConnection, member_id: uuid.UUID, now: datetime):
    """The member's profile row if the policy lets this viewer see them, else None.

    One statement brings the row together with the viewer's facts towards it,
    so an unknown, a deleted and a hidden member cost the same statements
    (Promise (Hidden members do not exist): a refusal must not take longer
    for a member who exists). Read inside the mutation's transaction (after
    ``lock_members``), so that a block committed meanwhile is seen.
    """
    rows, found = await profiles_db.load_profiles_seen_by(
        conn, ctx.identity.member_id, [member_id], now
    )
    row = rows.get(member_id)
    if row is None:
        return None
    rel = relation_for(ctx.identity, row, found[member_id])
    return row if ctx.authorizer.can_see(rel) else None


async def _my_edge(
    ctx: Context, conn: AsyncConnection, request_id: str, now: datetime, action: Action
) -> dict:
    """The edge, locked for a state change, if the policy lets this viewer do ``action``
    on it; else its refusal (NOT_FOUND for an edge that is not theirs, as for an unknown id)."""
    ctx.authorize(actions.ACT_IN_NETWORK)
    edge_id = ids.decode(ids.CONTACT_REQUEST, request_id)
    if edge_id is None:
        raise not_found("requestId")
    me = ctx.identity.member_id
    edge = (await network_db.edges_by_ids(conn, me, now, [edge_id], lock=True)).get(edge_id)
    facts = await _edge_facts(ctx, conn, edge, now)
    if edge is None:
        raise not_found("requestId")
    ctx.authorize(action, facts)
    return edge


async def _edge_facts(
    ctx: Context, conn: AsyncConnection, edge: dict | None, now: datetime
) -> EdgeFacts:
    """The viewer's end of the edge, whether the other end exists for them, and
    whether the contact is live (Promise (Consent is the candidate's to take back)).

    Promises (Edges are private), (Hidden members do not exist): an unknown
    edge, someone else's edge and mine whose counterpart is hidden from me
    all refuse alike, after the same statements: where there is no
    counterpart of mine, ``ids.NOBODY`` is looked up instead. Otherwise an
    edge whose counterpart blocked me (one more lookup) would tell itself
    from one whose counterpart deleted their account (gone with it).
    """
    me = ctx.identity.member_id
    sides = {edge["candidate_id"]: "candidate", edge["recruiter_id"]: "recruiter"} if edge else {}
    side = sides.get(me)
    counterpart = counterpart_of(edge, me) if side is not None else ids.NOBODY
    visible = await _visible_member(ctx, conn, counterpart, now) is not None
    live = side is not None and edge["status"] == "ACCEPTED"
    return EdgeFacts(side=side, counterpart_visible=visible, live=live)


def _contact_target(row) -> ContactTarget:
    """The member a recruiter asks to contact (None: unknown, or hidden from them)."""
    if row is None:
        return ContactTarget()
    return ContactTarget(visible=True, kind=row["kind"], contactable=bool(row["contactable"]))


def _expect(edge: dict, status: str) -> None:
    """The edge must be in ``status`` as this viewer reads it."""
    if edge["status"] == status:
        return
    if edge["status"] == "EXPIRED":
        raise problem("REQUEST_EXPIRED", "This request has expired.", "requestId")
    raise problem("INVALID_STATUS", f"This request is {edge['status']}, not {status}.", "requestId")


def _message(raw: str) -> str:
    # Sized before any work on it; the trimmed, normalised text is measured below.
    if len(raw) > 2 * MESSAGE_MAX:
        raise problem(
            "MESSAGE_TOO_LONG", f"The message must be at most {MESSAGE_MAX} characters.", "message"
        )
    message = validation.text(raw, "message", max_length=2 * MESSAGE_MAX, multiline=True) or ""
    if len(message) < MESSAGE_MIN:
        raise problem(
            "MESSAGE_TOO_SHORT",
            f"Write a personal message of at least {MESSAGE_MIN} characters.",
            "message",
        )
    if len(message) > MESSAGE_MAX:
        raise problem(
            "MESSAGE_TOO_LONG", f"The message must be at most {MESSAGE_MAX} characters.", "message"
        )
    return message


# --- contact requests -----------------------------------------------------------------


async def send_contact_request(
    ctx: Context, conn: AsyncConnection, profile_id: str, raw_message: str
) -> uuid.UUID:
    """A recruiter asks a candidate for contact. Checks run in an order that leaks nothing:
    first the sender's own standing, then the target (unknown and invisible alike),
    then the pair and the sender's quotas."""
    me = ctx.authorize(actions.SEND_REQUEST)
    message = _message(raw_message)
    target = ids.member_named(ctx.settings, ctx.identity.audience, profile_id)
    now = ctx.now()
    await network_db.lock_members(conn, [me.member_id, target])
    ctx.authorize(actions.CONTACT, _contact_target(await _visible_member(ctx, conn, target, now)))
    if await network_db.open_edge_exists(conn, me.member_id, target, now):
        raise problem(
            "DUPLICATE_REQUEST",
            "You already have an open request or a contact with this member.",
            "profileId",
        )
    settings = ctx.settings
    if await network_db.pending_count(conn, me.member_id, now) >= settings.max_pending_requests:
        raise problem(
            "QUOTA_EXCEEDED",
            f"You have {settings.max_pending_requests} pending requests: "
            "wait for answers or withdraw some.",
        )
    sent_today = await network_db.sent_since(conn, me.member_id, now - timedelta(days=1))
    if sent_today >= settings.max_requests_per_day:
        raise problem(
            "QUOTA_EXCEEDED",
            f"At most {settings.max_requests_per_day} requests in 24 hours.",
        )
    earlier = await network_db.recent_messages(
        conn, me.member_id, target, now - timedelta(days=TEMPLATE_WINDOW_DAYS)
    )
    reused = len(templates.near_duplicates(message, earlier))
    if reused >= settings.template_message_limit:
        raise problem(
            "TEMPLATE_MESSAGE",
            f"This message nearly repeats one sent to {reused} candidates: write a personal one.",
            "message",
        )
    return await network_db.insert_request(
        conn,
        recruiter=me.member_id,
        candidate=target,
        company_id=me.company_id,
        message=message,
        now=now,
        expires_at=now + timedelta(days=settings.contact_request_ttl_days),
    )


async def respond_to_contact_request(
    ctx: Context, conn: AsyncConnection, request_id: str, accept: bool, share_with_ats: bool
) -> uuid.UUID:
    """The candidate accepts (each side then reads the other's CONTACTS fields) or
    declines (silently: see ``db.network``)."""
    now = ctx.now()
    edge = await _my_edge(ctx, conn, request_id, now, actions.RESPOND)
    _expect(edge, "PENDING")
    await record_answer(
        conn, ctx.authorizer, edge, accept=accept, share_with_ats=share_with_ats, now=now
    )
    return edge["id"]


async def record_answer(
    conn: AsyncConnection,
    authorizer: Authorizer,
    edge: Mapping[str, Any],
    *,
    accept: bool,
    share_with_ats: bool,
    now: datetime,
) -> None:
    """Store a candidate's answer; sharing with the company's ATS records its consent
    receipt in the same transaction (the demo seed answers through here too)."""
    await network_db.respond(
        conn, edge["id"], accept=accept, share_with_ats=share_with_ats, now=now
    )
    if accept and share_with_ats:
        await consent.record_receipt(
            conn,
            authorizer,
            contact_id=edge["id"],
            candidate_id=edge["candidate_id"],
            recruiter_id=edge["recruiter_id"],
            company_id=edge["company_id"],
            now=now,
        )


async def withdraw_ats_consent(ctx: Context, conn: AsyncConnection, request_id: str) -> uuid.UUID:
    """The candidate stops sharing a contact with the company's ATS: from the next
    request on, they are out of its pipeline. The contact itself stays."""
    now = ctx.now()
    edge = await _my_edge(ctx, conn, request_id, now, actions.WITHDRAW_CONSENT)
    if not edge["consented"]:
        raise problem(
            "NOT_SHARED",
            "This contact is not shared with the company's applicant tracking system.",
            "requestId",
        )
    withdrawn = await network_db.stop_sharing(conn, edge["id"], now)
    await notices.notify(ctx.settings, conn, notices.CONSENT_WITHDRAWN, withdrawn, now)
    return edge["id"]


async def withdraw_contact_request(
    ctx: Context, conn: AsyncConnection, request_id: str
) -> uuid.UUID:
    now = ctx.now()
    edge = await _my_edge(ctx, conn, request_id, now, actions.WITHDRAW_REQUEST)
    _expect(edge, "PENDING")
    await network_db.close(conn, edge["id"], "WITHDRAWN", now)  # a request shares nothing yet
    return edge["id"]


async def end_contact(ctx: Context, conn: AsyncConnection, request_id: str) -> uuid.UUID:
    """Either side ends an accepted contact; the reveal stops with the next request."""
    now = ctx.now()
    edge = await _my_edge(ctx, conn, request_id, now, actions.END_CONTACT)
    _expect(edge, "ACCEPTED")
    withdrawn = await network_db.close(conn, edge["id"], "ENDED", now)
    await notices.notify(ctx.settings, conn, notices.CONTACT_ENDED, withdrawn, now)
    return edge["id"]


# --- blocks ---------------------------------------------------------------------------


async def block_member(ctx: Context, conn: AsyncConnection, profile_id: str) -> None:
    me = ctx.authorize(actions.ACT_IN_NETWORK).member_id
    target = ids.member_named(ctx.settings, ctx.identity.audience, profile_id)
    if target == me:
        raise problem("CANNOT_BLOCK_SELF", "You cannot block yourself.", "profileId")
    now = ctx.now()
    await network_db.lock_members(conn, [me, target])
    if await network_db.member_block_exists(conn, me, target):
        return  # already blocked by me: nothing changes, and nothing is revealed
    if await _visible_member(ctx, conn, target, now) is None:
        raise not_found("profileId")
    await network_db.add_member_block(conn, me, target)
    withdrawn = await network_db.close_open_edges(conn, me, now, other=target)
    await notices.notify(ctx.settings, conn, notices.CONTACT_ENDED, withdrawn, now)


async def unblock_member(ctx: Context, conn: AsyncConnection, profile_id: str) -> None:
    me = ctx.authorize(actions.ACT_IN_NETWORK).member_id
    target = ids.member_named(ctx.settings, ctx.identity.audience, profile_id)
    if await network_db.remove_member_block(conn, me, target):
        return
    # Not blocked by me: fine for someone I can see, an unknown id otherwise.
    if await _visible_member(ctx, conn, target, ctx.now()) is None:
        raise not_found("profileId")


async def _company(conn: AsyncConnection, opaque: str) -> uuid.UUID:
    """Companies are public records: an unknown one is simply a typed error."""
    company_id = ids.decode(ids.COMPANY, opaque)
    if company_id is None or not await profiles_db.company_exists(conn, company_id):
        raise problem("UNKNOWN_COMPANY", "No such company.", "companyId")
    return company_id


async def block_company(ctx: Context, conn: AsyncConnection, company_id: str) -> None:
    """I vanish for every verified member of the company, now or later, and see them
    as before (Promise (Company blocks and hiding are one-way)); what is open with
    its current members ends now, and what I shared with the company's ATS stops
    being shared."""
    me = ctx.authorize(actions.ACT_IN_NETWORK).member_id
    target = await _company(conn, company_id)
    await network_db.lock_members(conn, [me])
    now = ctx.now()
    await network_db.add_company_block(conn, me, target)
    ended = await network_db.close_open_edges(conn, me, now, employer=target)
    # Whoever works there now, the company's ATS gets nothing more from me.
    withdrawn = await network_db.stop_sharing_with_company(conn, me, target, now)
    # Told exactly as an ended contact and a withdrawal are: the block stays one-way.
    await notices.notify(ctx.settings, conn, notices.CONTACT_ENDED, ended, now)
    await notices.notify(ctx.settings, conn, notices.CONSENT_WITHDRAWN, withdrawn, now)


async def unblock_company(ctx: Context, conn: AsyncConnection, company_id: str) -> None:
    me = ctx.authorize(actions.ACT_IN_NETWORK).member_id
    await network_db.remove_company_block(conn, me, await _company(conn, company_id))


async def set_hide_from_current_employer(
    ctx: Context, conn: AsyncConnection, hide: bool
) -> uuid.UUID:
    """On (the default for candidates): I vanish for the verified members of the
    employer I declared, and see them as before (Promise (Company blocks and hiding
    are one-way)); what is open between us ends now."""
    me = ctx.authorize(actions.ACT_IN_NETWORK).member_id
    await network_db.lock_members(conn, [me])
    current_employer = await network_db.set_hide_from_current_employer(conn, me, hide)
    if hide and current_employer is not None:
        now = ctx.now()
        withdrawn = await network_db.close_open_edges(conn, me, now, employer=current_employer)
        await notices.notify(ctx.settings, conn, notices.CONTACT_ENDED, withdrawn, now)
    return me


# --- the viewer's own lists --------------------------------------------------------------


async def contacts(
    ctx: Context,
    info,
    member_id: uuid.UUID,
    status: str | None,
    first: int | None,
    after: str | None,
) -> t.ContactRequestConnection:
    """My own edges, newest first, each counterpart seen with my rights."""
    now = ctx.now()

    async def fetch(conn: AsyncConnection, position, limit: int) -> list[dict]:
        return await network_db.my_edges(
            conn, member_id, now, status=status, after=position, limit=limit
        )

    return await page_of_edges(
        ctx,
        selected(info, "edges", "node"),
        fetch,
        cursor_kind=CONTACTS_CURSOR,
        key="created_at",
        first=first,
        after=after,
    )


async def request_by_id(ctx: Context, info, opaque_id: str) -> t.ContactRequest | None:
    return await view_edge(ctx, ids.decode(ids.CONTACT_REQUEST, opaque_id), selected(info))


async def blocked_members(ctx: Context, info, member_id: uuid.UUID) -> list[t.Profile]:
    """The members I blocked, so that I can unblock them.

    They are invisible to me (``can_see`` is false for a blocked relation), so
    they cannot come from ``view_profiles``: see ``blocked_profiles``.
    """
    async with ctx.db.autocommit() as conn:
        blocked = await network_db.blocked_member_ids(conn, member_id)
    return list((await blocked_profiles(ctx, blocked, selected(info))).values())


async def blocked_profiles(
    ctx: Context, member_ids: list[uuid.UUID], tree: Tree
) -> dict[uuid.UUID, t.Profile]:
    """Members I blocked, in the order given. Each is built by ``build_profile`` with
    my real relation to them, under which the policy denies every private field: I
    get back only the id and alias I already had when I blocked them."""
    rows = [row for row in await ctx.profiles.load_many(member_ids) if row is not None]
    found = await ctx.facts.load_many([row["member_id"] for row in rows])
    reach = t.Contactability(can_request_contact=False, reason="BLOCKED")
    return {
        row["member_id"]: build_profile(
            ctx, row, relation_for(ctx.identity, row, facts), tree, reach=reach
        )
        for row, facts in zip(rows, found, strict=True)
    }


async def blocked_companies(ctx: Context, member_id: uuid.UUID) -> list[t.Employer]:
    async with ctx.db.autocommit() as conn:
        rows = await network_db.blocked_companies(conn, member_id)
    return [employer(r["id"], r["name"], r["sector"], r["size_band"]) for r in rows]
