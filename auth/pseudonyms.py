"""Keys of the per-company pseudonyms: who may decode which member id.

Promise (Pseudonyms per company). A member's id, as an audience sees it, is
the member's UUID under deterministic authenticated encryption (AES-SIV) with
a key of that audience: a company (its recruiters and its partner ATS share
it, the pipeline being the company's), or the members without a company.
Deterministic, so one audience always sees one id for one member and no
lookup table grows; authenticated, so an id opens only under the key it was
sealed with: another company's id is as unknown as a random string.

Every key is derived (HKDF-SHA256) from ``SUPLINKS_SECRET_KEY``, the
audience and a key version. The version travels in the id (its first byte),
so the version can move on (``SUPLINKS_PSEUDONYM_KEY_VERSION``) while ids
issued under the previous ones keep opening for a window of versions
(``SUPLINKS_PSEUDONYM_OLD_VERSIONS``): an ATS that stored ids, or a recruiter
holding a page, keeps working through a rotation.

Alias keys have no version: an alias is a name people remember, and it would
be a surprise if every candidate of a pipeline were renamed by a rotation.
An alias is a keyed hash, not a cipher: nothing decodes it.
"""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# A company's id, or None: the members without a company (candidates).
Audience = uuid.UUID | None

_SALT = b"suplinks pseudonyms"


def audience_of(kind: str | None, company_id: uuid.UUID | None) -> Audience:
    """The audience a member belongs to: their company's if they are one of its
    recruiters, else the members'. A candidate's declared employer is no company
    membership (it makes nobody a member of anything)."""
    return company_id if kind == "RECRUITER" else None


def _label(audience: Audience) -> bytes:
    return b"members" if audience is None else b"company:" + audience.bytes


@lru_cache(maxsize=4096)
def _key(secret: str, purpose: bytes, audience: Audience, version: int, length: int) -> bytes:
    info = b"|".join((purpose, _label(audience), b"v%d" % version))
    return HKDF(hashes.SHA256(), length=length, salt=_SALT, info=info).derive(secret.encode())


@lru_cache(maxsize=4096)
def _cipher(secret: str, audience: Audience, version: int) -> AESSIV:
    """One cipher per (audience, version), built once: a page encodes many ids with it."""
    return AESSIV(_key(secret, b"id", audience, version, 64))


def seal(secret: str, audience: Audience, version: int, kind: bytes, member_id: uuid.UUID) -> bytes:
    """``member_id`` as ``audience`` knows it: the key version, then the AES-SIV output.

    ``kind`` is bound as associated data, so an id of one kind never opens as another.
    """
    return bytes((version,)) + _cipher(secret, audience, version).encrypt(member_id.bytes, [kind])


def unseal(
    secret: str, audience: Audience, versions: range, kind: bytes, sealed: bytes
) -> uuid.UUID | None:
    """The member behind ``sealed`` if ``audience``'s key of an accepted version opens it."""
    if len(sealed) != 33 or sealed[0] not in versions:
        return None
    try:
        plain = _cipher(secret, audience, sealed[0]).decrypt(sealed[1:], [kind])
    except InvalidTag:
        return None
    return uuid.UUID(bytes=plain)


def alias_digest(secret: str, audience: Audience, member_id: uuid.UUID) -> bytes:
    """A keyed hash of the member under ``audience``'s alias key (no version: see above).

    Keyed BLAKE2b: a MAC like HMAC-SHA256, in one pass instead of two (a page
    names up to a hundred members).
    """
    key = _key(secret, b"alias", audience, 0, 32)
    return hashlib.blake2b(member_id.bytes, key=key, digest_size=16).digest()
