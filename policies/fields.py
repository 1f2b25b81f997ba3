"""The registry of private fields: every field a member can hide, with its default audience.

This is the list the policy is asked about. A GraphQL field on ``Profile`` or
``Experience`` is either always shown with the profile (``id``, ``alias``,
``kind``, ``contactability``) or listed here; the schema module checks that at
import time, so a new field cannot ship without a decision.
"""

from __future__ import annotations

from enum import StrEnum


class Audience(StrEnum):
    """Who may read a field, widest first. The sets nest (see DESIGN.md section 3)."""

    PUBLIC = "PUBLIC"
    MEMBERS = "MEMBERS"
    RECRUITERS = "RECRUITERS"
    CONTACTS = "CONTACTS"
    ONLY_ME = "ONLY_ME"


AUDIENCE_ORDER: tuple[Audience, ...] = tuple(Audience)

# Identity fields: shown on the closed persona to contacts and the owner only,
# whatever their audience (DESIGN.md section 3, "Two personas").
IDENTITY_FIELDS: frozenset[str] = frozenset({"fullName", "photoUrl", "email", "phone", "handle"})

# Shown whenever the profile itself is visible: they identify nobody.
ALWAYS_SHOWN_PROFILE_FIELDS: frozenset[str] = frozenset({"id", "alias", "kind", "contactability"})

_C = Audience.CONTACTS
_R = Audience.RECRUITERS
_M = Audience.MEMBERS

# Defaults that protect anonymity: a new candidate shows recruiters their alias,
# headline, region, seniority, sector, size band, skills and experience band,
# and nothing that identifies them.
CANDIDATE_DEFAULTS: dict[str, Audience] = {
    "fullName": _C,
    "handle": _C,
    "headline": _R,
    "summary": _C,
    "photoUrl": _C,
    "email": _C,
    "phone": _C,
    "city": _C,
    "region": _R,
    "country": _C,
    "currentTitle": _C,
    "seniority": _R,
    "currentEmployer": _C,
    "employerSector": _R,
    "employerSizeBand": _R,
    "yearsOfExperience": _C,
    "experienceBand": _R,
    "skills": _R,
    "salaryExpectation": _C,
    "openToOpportunities": _C,
    "experiences": _C,
    "experiences.title": _C,
    "experiences.employer": _C,
    "experiences.employerSector": _C,
    "experiences.start": _C,
    "experiences.end": _C,
    "experiences.description": _C,
}

# A recruiter shows members who they recruit for: a candidate sees the
# recruiter's alias and company before accepting (unless the recruiter runs a
# confidential search, which the policy handles).
RECRUITER_DEFAULTS: dict[str, Audience] = {
    **CANDIDATE_DEFAULTS,
    "headline": _M,
    "currentTitle": _M,
    "currentEmployer": _M,
    "employerSector": _M,
    "employerSizeBand": _M,
}

PROFILE_FIELDS: tuple[str, ...] = tuple(f for f in CANDIDATE_DEFAULTS if "." not in f)
EXPERIENCE_FIELDS: tuple[str, ...] = tuple(
    f.split(".", 1)[1] for f in CANDIDATE_DEFAULTS if f.startswith("experiences.")
)
PRIVATE_FIELDS: frozenset[str] = frozenset(CANDIDATE_DEFAULTS)


def defaults_for(kind: str) -> dict[str, Audience]:
    """The default audience of every private field for a member of this kind."""
    return dict(RECRUITER_DEFAULTS if kind == "RECRUITER" else CANDIDATE_DEFAULTS)


def effective_audiences(kind: str, chosen: dict[str, str] | None) -> dict[str, Audience]:
    """Defaults overlaid with the member's own choices (unknown keys are ignored)."""
    audiences = defaults_for(kind)
    for name, value in (chosen or {}).items():
        if name in audiences:
            audiences[name] = Audience(value)
    return audiences
