"""Opaque ids: a type prefix and the row's random UUID, base64url-encoded.

UUIDv4 rows give no order and no count; the prefix lets ``node(id)`` route.
Anything that does not decode is simply unknown: callers answer it exactly
like an id that decodes but names nothing (or nothing this viewer may see).
"""

from __future__ import annotations

import base64
import binascii
import uuid

PROFILE = "pf"
CONTACT_REQUEST = "cr"
COMPANY = "co"
CONSENT_RECEIPT = "rc"
SESSION = "se"

# A member id no account has (ids are random UUID4s, whose version is never 0).
# Looking it up costs what looking up a real member costs: refusals that must
# take alike look it up where there is no member to look up.
NOBODY = uuid.UUID(int=0)


def encode(kind: str, value: uuid.UUID) -> str:
    return f"{kind}_{base64.urlsafe_b64encode(value.bytes).rstrip(b'=').decode()}"


def decode(kind: str, opaque: str | None) -> uuid.UUID | None:
    """The UUID behind an opaque id of this kind, or None if it is not one."""
    if not opaque or not opaque.startswith(kind + "_") or len(opaque) != len(kind) + 23:
        return None
    body = opaque[len(kind) + 1 :] + "=="
    try:
        raw = base64.urlsafe_b64decode(body.encode())
    except (binascii.Error, ValueError):
        return None
    return uuid.UUID(bytes=raw) if len(raw) == 16 else None


def kind_of(opaque: str) -> str | None:
    prefix, _, _ = opaque.partition("_")
    return prefix if prefix in (PROFILE, CONTACT_REQUEST, COMPANY) else None


def candidate_id_for_partner(company_id: uuid.UUID, candidate_id: uuid.UUID) -> str:
    """The candidate's id as the ATS of ``company_id`` knows it from ``pipeline``.

    Erasure notices name the candidate with this (docs/webhooks.md), so a
    partner can find what to delete. Every caller goes through here: when ids
    become per company, this is the one line that changes.
    """
    return encode(PROFILE, candidate_id)
