"""From raw facts to the policy's ``Relation``: how a viewer stands to a member."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auth.identity import Identity
from db.facts import RawFacts
from policies.facts import Relation


def relation_for(identity: Identity, owner: Mapping[str, Any], facts: RawFacts) -> Relation:
    """The policy input for this viewer and this owner's closed persona (no decision
    is taken here).

    A partner ATS stands to a candidate who consented to share with it as a
    contact does, restricted to the consented fields; to anyone else it
    stands as nobody (Promise (Partners see only consented fields)).
    """
    partner = identity.is_partner and facts.partner_consent
    return Relation(
        is_self=identity.member_id is not None and identity.member_id == owner["member_id"],
        is_member=identity.is_member,
        is_recruiter=identity.is_recruiter,
        is_contact=facts.is_contact or partner,
        is_partner=partner,
        blocked=facts.blocked,
        owner_blocks_viewers_company=facts.owner_blocks_viewers_company,
        owner_hides_from_viewers_company=facts.owner_hides_from_viewers_company,
        owner_confidential=owner["kind"] == "RECRUITER" and bool(owner["confidential_search"]),
        consented_fields=facts.consented_fields if partner else (),
    )


def preview_relation(kind: str, audience: str, confidential: bool) -> Relation:
    """A viewer who belongs to ``audience`` and to no narrower one, for ``previewAs``."""
    base = {"owner_confidential": kind == "RECRUITER" and confidential}
    if audience == "MEMBERS":
        return Relation(is_member=True, **base)
    if audience == "RECRUITERS":
        return Relation(is_member=True, is_recruiter=True, **base)
    if audience == "CONTACTS":
        # A candidate's contacts are recruiters; a recruiter's contacts are candidates.
        return Relation(is_member=True, is_recruiter=kind == "CANDIDATE", is_contact=True, **base)
    return Relation(is_self=True, is_member=True, **base)
