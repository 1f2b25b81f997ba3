"""Opaque keyset cursors for "newest first" lists: (timestamp, row id).

A cursor only carries the position of a row the viewer already received (its
time and id), so it reveals nothing they could not read; it is opaque so that
clients do not build on its shape. A cursor that does not decode is a client
error (``BAD_USER_INPUT``), never a silent restart from the top.

The row ids here are contact requests' and access events', never a member's:
an edge is shown to its candidate and one company only, an event to its owner
alone (Promise: Pseudonyms per company; search cursors carry the viewer's
profile id instead, see ``resolvers.search``).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from config import MAX_PAGE
from web.errors import ApiError

DEFAULT_PAGE = 20


def encode(kind: str, at: datetime, row_id: uuid.UUID) -> str:
    raw = f"{kind}|{at.isoformat()}|{row_id}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(kind: str, cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The position after which to continue, or None for the first page."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, at, row_id = raw.split("|")
        if prefix != kind:
            raise ValueError(prefix)
        position = datetime.fromisoformat(at), uuid.UUID(row_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ApiError("BAD_USER_INPUT", "This cursor is not valid here.") from exc
    if position[0].tzinfo is None:
        raise ApiError("BAD_USER_INPUT", "This cursor is not valid here.")
    return position


def page_size(first: int | None) -> int:
    """``first`` within bounds: 20 when absent, at most 100, never negative."""
    if first is None:
        return DEFAULT_PAGE
    if first < 0:
        raise ApiError("BAD_USER_INPUT", "first must not be negative.")
    return min(first, MAX_PAGE)
