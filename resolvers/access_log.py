"""``viewer.accessLog``: who received my narrow-audience or identity fields, and when.

Events are recorded while profiles are built (``views.profiles``) and
written in one insert per request (``web.extensions.AccessLogWriter``).

The ``viewer`` label is fixed when the event is written: the viewer's alias
(a partner ATS: its client's name). Only contacts (and consented partners)
ever receive such fields, and an alias is shown wherever a profile is, so the
owner already knew that alias; names are never copied into the log, so the
log cannot reveal more than the owner could read at the time.
"""

from __future__ import annotations

import uuid

from db import access_log as access_log_db
from schema import types as t
from views import cursors
from web.context import Context

ACCESS_CURSOR = "access"


async def access_log(
    ctx: Context, member_id: uuid.UUID, first: int | None, after: str | None
) -> t.AccessEventConnection:
    limit = cursors.page_size(first)
    position = cursors.decode(ACCESS_CURSOR, after)
    async with ctx.db.autocommit() as conn:
        rows = await access_log_db.events_of(conn, member_id, after=position, limit=limit + 1)
    edges = [
        t.AccessEventEdge(
            node=t.AccessEvent(
                at=row["at"].isoformat(), viewer=row["viewer_label"], fields=list(row["fields"])
            ),
            cursor=cursors.encode(ACCESS_CURSOR, row["at"], row["id"]),
        )
        for row in rows[:limit]
    ]
    return t.AccessEventConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > limit, end_cursor=edges[-1].cursor if edges else None
        ),
    )
