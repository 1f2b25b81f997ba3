"""Building ``ContactRequest`` objects: the one place where an edge is shown.

Promise (Edges are private): the policy decides whether this viewer may read
the edge at all (``Authorizer.can_read_edge``, the same answer for each of its
fields, which are all non-null, so a denied edge is simply absent): its two
endpoints, and the company side of an edge its candidate shared with the
company's ATS (Promise (Partners see only consented fields)). Only then is
its counterpart built, through ``view_profiles`` with the selection below
``counterpart``, for every edge of the batch at once: one mechanism, no query
per row. An edge whose counterpart the viewer may no longer see (a block
either way, a deleted account) does not exist for them either.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from db import network as network_db
from policies.facts import EdgeRelation
from schema import types as t
from views import cursors, ids
from views.profiles import can_see_members, view_profiles
from views.selection import Tree
from web.context import Context

Row = Mapping[str, Any]
Position = tuple[datetime, uuid.UUID]


def counterpart_of(row: Row, viewer: uuid.UUID | None) -> uuid.UUID:
    """The other endpoint; for a viewer on neither end (a partner), the candidate."""
    return row["recruiter_id"] if viewer == row["candidate_id"] else row["candidate_id"]


def edge_relation(ctx: Context, row: Row) -> EdgeRelation:
    """The viewer is an endpoint; or on the company side (its ATS or one of its
    recruiters) of an edge the candidate shared with the company's ATS."""
    identity = ctx.identity
    viewer = identity.member_id
    company_side = (identity.is_partner or identity.is_recruiter) and (
        identity.company_id == row["company_id"]
    )
    return EdgeRelation(
        is_endpoint=viewer is not None and viewer in (row["recruiter_id"], row["candidate_id"]),
        is_consented_partner=company_side and bool(row["consented"]),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def visible_edges(ctx: Context, rows: Sequence[Row]) -> list[Row]:
    """The rows whose edge this viewer may read and whose counterpart exists for them."""
    readable = [row for row in rows if ctx.authorizer.can_read_edge(edge_relation(ctx, row))]
    viewer = ctx.identity.member_id
    seen = await can_see_members(ctx, [counterpart_of(row, viewer) for row in readable])
    return [row for row, visible in zip(readable, seen, strict=True) if visible]


async def view_edges(
    ctx: Context, rows: Sequence[Row], tree: Tree
) -> list[t.ContactRequest | None]:
    """Each edge as this viewer may see it (None: it does not exist for them).

    An edge the viewer may not read has its counterpart looked up all the
    same, as ``ids.NOBODY``: it then costs what an edge whose counterpart is
    hidden costs (Promise (Hidden members do not exist)).
    """
    viewer = ctx.identity.member_id
    others = [
        counterpart_of(row, viewer)
        if ctx.authorizer.can_read_edge(edge_relation(ctx, row))
        else ids.NOBODY
        for row in rows
    ]
    found = await view_profiles(ctx, others, tree.get("counterpart", {}))
    profiles = {row["id"]: profile for row, profile in zip(rows, found, strict=True)}
    out: list[t.ContactRequest | None] = []
    for row in rows:
        counterpart = profiles.get(row["id"])
        if counterpart is None:
            out.append(None)
            continue
        out.append(
            t.ContactRequest(
                id=ids.encode(ids.CONTACT_REQUEST, row["id"]),
                status=t.ContactStatus(row["status"]),
                message=row["message"],
                created_at=_iso(row["created_at"]),
                responded_at=_iso(row["responded_at"]),
                counterpart=counterpart,
                shared_with_ats=bool(row["share_with_ats"]),
            )
        )
    return out


async def view_edge(ctx: Context, edge_id: uuid.UUID | None, tree: Tree) -> t.ContactRequest | None:
    """One edge by id; unknown and not-yours answer the same (None): the policy decides."""
    if edge_id is None:
        return None
    async with ctx.db.autocommit() as conn:
        rows = await network_db.edges_by_ids(conn, ctx.identity.member_id, ctx.now(), [edge_id])
    if edge_id not in rows:
        # The lookup a real edge costs: an unknown id takes as long as a hidden one.
        await view_profiles(ctx, [ids.NOBODY], {})
        return None
    return (await view_edges(ctx, [rows[edge_id]], tree))[0]


async def page_of_edges(
    ctx: Context,
    tree: Tree,
    fetch: Callable[[AsyncConnection, Position | None, int], Awaitable[list[dict]]],
    *,
    cursor_kind: str,
    key: str,
    first: int | None,
    after: str | None,
) -> t.ContactRequestConnection:
    """One page of a newest-first list of edges, keyset-paged on (``key``, id).

    ``fetch(conn, position, limit)`` gives the rows after ``position``. The
    policy drops the edges this viewer may not see *before* the page is cut:
    rows are fetched until the page holds ``first`` visible edges and one more
    visible edge is known to follow, or the list ends. So ``hasNextPage`` and
    the cursors count only what the viewer may see: an edge hidden by a block
    answers exactly like one whose counterpart deleted their account
    (Promises (Hidden members do not exist), (Edges are private)).
    """
    limit = cursors.page_size(first)
    position = cursors.decode(cursor_kind, after)
    kept: list[Row] = []
    while len(kept) <= limit:
        async with ctx.db.autocommit() as conn:
            rows = await fetch(conn, position, limit + 1)
        kept += await visible_edges(ctx, rows)
        if len(rows) <= limit:
            break
        position = rows[-1][key], rows[-1]["id"]
    page = kept[:limit]
    edges = [
        t.ContactRequestEdge(node=view, cursor=cursors.encode(cursor_kind, row[key], row["id"]))
        for row, view in zip(page, await view_edges(ctx, page, tree), strict=True)
        if view is not None  # decided above through the same loaders: never None here
    ]
    end = edges[-1].cursor if edges else None
    return t.ContactRequestConnection(
        edges=edges, page_info=t.PageInfo(has_next_page=len(kept) > limit, end_cursor=end)
    )
