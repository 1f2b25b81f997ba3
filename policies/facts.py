"""The immutable value objects that the policy reasons about.

Oso never sees an ORM row: only these frozen values. That keeps Polar away
from the database (no lazy loads, no ``MissingGreenlet``) and makes every
decision a pure function of its inputs, hence safe to memoize.
"""

from __future__ import annotations

from typing import NamedTuple


class Relation(NamedTuple):
    """How one viewer stands to one member's closed persona, for one request.

    A ``NamedTuple`` rather than a dataclass: it hashes fast, and it is hashed
    once per profile on the hot path.
    """

    is_self: bool = False
    is_member: bool = False  # the viewer is logged in
    is_recruiter: bool = False  # a verified recruiter (work email of a registered company)
    is_contact: bool = False  # an accepted contact between the two
    is_partner: bool = False  # a partner ATS the member consented to share with
    blocked: bool = False  # a member block, either way (a member block is mutual)
    # One-way company hiding: the owner hides from a company the viewer is a
    # verified member of (one of its recruiters, or a proven mailbox at its
    # domain); a declared current employer makes nobody a member.
    owner_blocks_viewers_company: bool = False  # the owner blocked such a company
    owner_hides_from_viewers_company: bool = False  # "hide me from my current employer", at one
    owner_confidential: bool = False  # the owner is a recruiter on a confidential search
    # For a partner ATS: the fields its company's consent receipts list (sorted).
    consented_fields: tuple[str, ...] = ()


class FieldRef(NamedTuple):
    """One field of a member, with the audience its owner chose for it.

    ``lone``: a coarse companion whose value fewer than k registered companies
    share (``policies.fields.PrivateField.crowd``); ``exact_readable``: whether
    this viewer may read the exact field it stands for (asked of the policy
    first, for a lone value only).
    """

    name: str
    audience: str
    identity: bool
    lone: bool = False
    exact_readable: bool = False


class EdgeRelation(NamedTuple):
    """How a viewer stands to one contact request."""

    is_endpoint: bool = False
    # The company side of an edge its candidate shared with the company's ATS:
    # that ATS, or one of the company's recruiters (whose pipeline it is).
    is_consented_partner: bool = False


class EdgeField(NamedTuple):
    name: str


# --- doing: who acts, and on what ---------------------------------------------


class ActorFacts(NamedTuple):
    """Who asks to act, as the policy sees them (built from ``auth.identity.Identity``).

    ``verified``: the member proved their mailbox (a mailed one-time link).
    ``company_role``: a recruiter's role in the company their proven address
    joined them to; None outside a company.
    """

    kind: str = "ANONYMOUS"  # "ANONYMOUS" | "CANDIDATE" | "RECRUITER" | "PARTNER"
    verified: bool = False
    company_role: str | None = None  # "ADMIN" | "RECRUITER"
    scopes: tuple[str, ...] = ()  # a partner token's OAuth scopes (sorted)


class EdgeFacts(NamedTuple):
    """How the actor stands to one contact request they ask to act on."""

    side: str | None = None  # "candidate" | "recruiter": the actor's end; None: not theirs
    # The other end exists for the actor (neither blocks the other, no account deleted).
    counterpart_visible: bool = False
    # The contact is accepted, as the actor reads it: something of theirs is still
    # live on it (the reveal, and any consent to share it with the company's ATS).
    live: bool = False


class ContactTarget(NamedTuple):
    """The member a recruiter asks to contact."""

    visible: bool = False  # the member exists for the recruiter (the "see" decision above)
    kind: str | None = None  # "CANDIDATE" | "RECRUITER"
    contactable: bool = False  # the candidate accepts requests


class Colleague(NamedTuple):
    """A member whose company role an actor asks to change, or whom they ask to remove."""

    same_company: bool = False  # a recruiter of the actor's own company
    is_self: bool = False
    last_admin: bool = False  # the company's only admin
    new_role: str | None = None  # "ADMIN" | "RECRUITER"; None: out of the company


class RootField(NamedTuple):
    """A root field of an operation (``pipeline``, ``viewer``, ``__schema``...)."""

    name: str


class OpenPersona(NamedTuple):
    """A member's open persona, as reading it depends on: its owner's choice alone.

    Nothing about the reader is in it, so the decision is the same for every
    reader (Promise (Unlinkable)).
    """

    published: bool = False
