"""Pure pieces of the network: keyset cursors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from views import cursors
from web.errors import ApiError


def test_cursors_round_trip_and_refuse_what_is_not_theirs():
    at, row = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), uuid.uuid4()
    token = cursors.encode("contacts", at, row)
    assert cursors.decode("contacts", token) == (at, row)
    assert cursors.decode("contacts", None) is None
    naive = cursors.encode("contacts", at.replace(tzinfo=None), row)
    for bad, kind in (
        (token, "access"),
        ("%%%", "contacts"),
        ("", "contacts"),
        (naive, "contacts"),
    ):
        with pytest.raises(ApiError) as caught:
            cursors.decode(kind, bad)
        assert caught.value.code == "BAD_USER_INPUT"


def test_page_size_bounds():
    assert cursors.page_size(None) == cursors.DEFAULT_PAGE
    assert cursors.page_size(0) == 0
    assert cursors.page_size(10_000) == cursors.MAX_PAGE
    with pytest.raises(ApiError):
        cursors.page_size(-1)
