"""The obvious implementation, kept as the benchmark's yardstick.

Oso is handed the viewer and the profile objects themselves (ORM style: the
row's attributes, the relationship flags loaded for this viewer, a method that
gives a field's audience) and asked afresh for every field of every row. Every
attribute Polar reads crosses its FFI into Python, and nothing is memoized.

It is not made artificially slow: the relationship facts come from the same
one-query-per-batch DataLoader as the product, and each profile's effective
audiences are computed once per profile, not per field.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from oso import Oso

from auth.identity import Identity
from db.facts import RawFacts
from policies.fields import IDENTITY_FIELDS

POLICY_PATH = Path(__file__).with_name("obvious.polar")


class Viewer:
    """The logged-in member, as an ORM would hand it over."""

    def __init__(self, identity: Identity) -> None:
        self.member_id = identity.member_id
        self.is_member = identity.is_member
        self.is_recruiter = identity.is_recruiter


class ProfileRecord:
    """A profile row with its relationship to the viewer, as an ORM object would carry it."""

    def __init__(self, row: Mapping[str, Any], facts: RawFacts, audiences: Mapping[str, str]):
        self.row = row
        self.member_id: uuid.UUID = row["member_id"]
        self.kind: str = row["kind"]
        self.confidential_search: bool = bool(row["confidential_search"])
        self.is_contact = facts.is_contact
        # Hidden either way the policy hides: a member block, or one-way company hiding.
        self.blocked = (
            facts.blocked
            or facts.owner_blocks_viewers_company
            or facts.owner_hides_from_viewers_company
        )
        self._audiences = audiences

    def audience_of(self, field: str) -> str:
        return self._audiences[field]


def obvious_oso() -> Oso:
    """An Oso loaded with ``obvious.polar``; built once, queried afresh for every field."""
    oso = Oso()
    oso.register_class(Viewer)
    oso.register_class(ProfileRecord)
    oso.register_constant(sorted(IDENTITY_FIELDS), "IDENTITY_FIELDS")
    oso.load_str(POLICY_PATH.read_text())
    return oso
