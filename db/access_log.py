"""Access events: who received which narrow-audience fields of whom."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Text, bindparam, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import AccessEvent

access_event = AccessEvent.__table__

# One statement for the whole request, whatever the number of owners: the
# field lists travel as one comma-joined string per owner, split server-side.
_INSERT = text(
    """
    INSERT INTO access_event (id, owner_id, viewer_id, viewer_label, fields, at)
    SELECT gen_random_uuid(), o.owner_id, :viewer_id, o.label,
           string_to_array(o.fields, ','), now()
    FROM unnest(:owners, :fields, :labels) AS o(owner_id, fields, label)
    """
).bindparams(
    bindparam("owners", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("fields", type_=ARRAY(Text())),
    bindparam("labels", type_=ARRAY(Text())),
    bindparam("viewer_id", type_=UUID(as_uuid=True)),
)


async def insert_events(
    conn: AsyncConnection,
    *,
    viewer_id: uuid.UUID | None,
    labels: dict[uuid.UUID, str],
    seen: dict[uuid.UUID, set[str]],
) -> None:
    """One event per owner, each naming the viewer as that owner knows them."""
    owners = list(seen)
    await conn.execute(
        _INSERT,
        {
            "owners": owners,
            "fields": [",".join(sorted(seen[o])) for o in owners],
            "viewer_id": viewer_id,
            "labels": [labels[o] for o in owners],
        },
    )


async def events_of(
    conn: AsyncConnection,
    owner_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list:
    """The owner's access events, newest first, after an (at, id) keyset position."""
    query = select(access_event).where(access_event.c.owner_id == owner_id)
    if after is not None:
        query = query.where(tuple_(access_event.c.at, access_event.c.id) < tuple_(*after))
    query = query.order_by(access_event.c.at.desc(), access_event.c.id.desc()).limit(limit)
    return list((await conn.execute(query)).mappings())
