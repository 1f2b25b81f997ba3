"""Building ``ContactRequest`` objects: the one place where an edge is shown.

Rule 3 (edges are private): the policy decides whether this viewer may read
the edge at all (``Authorizer.can_read_edge``, the same answer for each of its
fields, which are all non-null, so a denied edge is simply absent). Only then
is its counterpart built, through ``view_profiles`` with the selection below
``counterpart``, for every edge of the batch at once: one mechanism, no query
per row. An edge whose counterpart the viewer may no longer see (a block
either way, a deleted account) does not exist for them either.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from db import network as network_db
from policies.facts import EdgeRelation
from resolvers import ids
from resolvers.context import Context
from resolvers.profile_view import view_profiles
from resolvers.selection import Tree
from schema import types as t

Row = Mapping[str, Any]


def counterpart_of(row: Row, viewer: uuid.UUID | None) -> uuid.UUID:
    """The other endpoint; for a viewer on neither end (a partner), the candidate."""
    return row["recruiter_id"] if viewer == row["candidate_id"] else row["candidate_id"]


def edge_relation(ctx: Context, row: Row) -> EdgeRelation:
    viewer = ctx.identity.member_id
    return EdgeRelation(
        is_endpoint=viewer is not None and viewer in (row["recruiter_id"], row["candidate_id"])
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def view_edges(
    ctx: Context, rows: Sequence[Row], tree: Tree
) -> list[t.ContactRequest | None]:
    """Each edge as this viewer may see it (None: it does not exist for them)."""
    readable = [row for row in rows if ctx.authorizer.can_read_edge(edge_relation(ctx, row))]
    viewer = ctx.identity.member_id
    others = [counterpart_of(row, viewer) for row in readable]
    profiles = dict(
        zip(
            (row["id"] for row in readable),
            await view_profiles(ctx, others, tree.get("counterpart", {})),
            strict=True,
        )
    )
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
    async with ctx.db.read() as conn:
        rows = await network_db.edges_by_ids(conn, ctx.identity.member_id, ctx.now(), [edge_id])
    if edge_id not in rows:
        return None
    return (await view_edges(ctx, [rows[edge_id]], tree))[0]
