"""Opaque ids: a type prefix and the row's random UUID, base64url-encoded.

UUIDv4 rows give no order and no count; the prefix lets ``node(id)`` route.
Anything that does not decode is simply unknown: callers answer it exactly
like an id that decodes but names nothing (or nothing this viewer may see).

Members are the exception (Promise: Pseudonyms per company): a profile id is
the member sealed under the key of the viewer's audience (``profile_id``,
``auth.pseudonyms``), so it names the member for that audience only.

Contact request ids and consent receipt ids stay plain row ids: an edge
belongs to one company (the recruiter's when it was sent) and its candidate,
and a receipt to its candidate alone, so no two companies are ever shown the
same one. The candidate and that company sharing it is no join they lack:
they are in contact, which is what the id names.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from functools import lru_cache

from auth import pseudonyms
from auth.pseudonyms import Audience
from config import Settings

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
    """The opaque id of a row every viewer is shown alike (a member: ``profile_id``)."""
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


_PROFILE_KIND = PROFILE.encode()
_PROFILE_LENGTH = len(PROFILE) + 1 + 44  # 33 sealed bytes in unpadded base64url
# Ids sealed and opened, remembered process-wide (about 4 MB at most): a page
# names the same members again and again, and a pure function of its whole
# input (secret, audience, versions, member or id) is safe to memoize.
_MEMO = 16384


def profile_id(settings: Settings, audience: Audience, member_id: uuid.UUID) -> str:
    """The id of member ``member_id`` as ``audience`` knows it: the one way to name a member.

    ``audience``: the viewer's (``Identity.audience``): a company's id for its
    recruiters and its partner ATS, None for the members without a company.
    Two companies get two unrelated ids for one member, and each id opens only
    for the audience it was issued to (``profile_member``). Sealed with the
    current key version; cheap (ciphers are cached, ids memoized), but call it
    once per row of a page, not per field.
    """
    return _sealed(settings.secret_key, audience, settings.pseudonym_key_version, member_id)


@lru_cache(maxsize=_MEMO)
def _sealed(secret: str, audience: Audience, version: int, member_id: uuid.UUID) -> str:
    sealed = pseudonyms.seal(secret, audience, version, _PROFILE_KIND, member_id)
    return f"{PROFILE}_{base64.urlsafe_b64encode(sealed).decode()}"


def profile_member(settings: Settings, audience: Audience, opaque: str | None) -> uuid.UUID | None:
    """The member behind a profile id that ``audience`` was given (``profile_id``'s inverse).

    None for anything else: a malformed string, another audience's id, a key
    version out of the window. Callers answer None exactly as an unknown member.
    """
    if not opaque or len(opaque) != _PROFILE_LENGTH or not opaque.startswith(PROFILE + "_"):
        return None
    current = settings.pseudonym_key_version
    versions = range(max(1, current - settings.pseudonym_old_versions), current + 1)
    try:
        return _opened(settings.secret_key, audience, versions, opaque)
    except LookupError:
        return None


def member_named(settings: Settings, audience: Audience, opaque: str | None) -> uuid.UUID:
    """The member a profile id names for ``audience``, else ``NOBODY``: every path that
    looks a member up by id looks one up, so an id that names nobody (forged, another
    company's, a deleted member's) costs what a hidden member costs (Promise (Hidden
    members do not exist))."""
    return profile_member(settings, audience, opaque) or NOBODY


@lru_cache(maxsize=_MEMO)
def _opened(secret: str, audience: Audience, versions: range, opaque: str) -> uuid.UUID:
    """Raises LookupError for an id that does not open: only ids that do are remembered,
    so a flood of made-up ids cannot push the real ones out."""
    try:
        sealed = base64.urlsafe_b64decode(opaque[len(PROFILE) + 1 :].encode())
    except (binascii.Error, ValueError, UnicodeEncodeError):
        sealed = b""
    member = pseudonyms.unseal(secret, audience, versions, _PROFILE_KIND, sealed)
    if member is None:
        raise LookupError(opaque)
    return member


def kind_of(opaque: str) -> str | None:
    prefix, _, _ = opaque.partition("_")
    return prefix if prefix in (PROFILE, CONTACT_REQUEST, COMPANY) else None
