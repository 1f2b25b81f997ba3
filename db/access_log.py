"""Access events: who received which narrow-audience fields of whom."""

from __future__ import annotations

import uuid

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

# One statement for the whole request, whatever the number of owners: the
# field lists travel as one comma-joined string per owner, split server-side.
_INSERT = text(
    """
    INSERT INTO access_event (id, owner_id, viewer_id, viewer_label, fields, at)
    SELECT gen_random_uuid(), o.owner_id, :viewer_id, :label,
           string_to_array(o.fields, ','), now()
    FROM unnest(:owners, :fields) AS o(owner_id, fields)
    """
).bindparams(
    bindparam("owners", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("fields", type_=ARRAY(Text())),
    bindparam("viewer_id", type_=UUID(as_uuid=True)),
)


async def insert_events(
    conn: AsyncConnection,
    *,
    viewer_id: uuid.UUID | None,
    label: str,
    seen: dict[uuid.UUID, set[str]],
) -> None:
    owners = list(seen)
    await conn.execute(
        _INSERT,
        {
            "owners": owners,
            "fields": [",".join(sorted(seen[o])) for o in owners],
            "viewer_id": viewer_id,
            "label": label,
        },
    )
