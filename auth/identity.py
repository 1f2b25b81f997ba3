"""Who a request comes from: a member's session, a partner ATS token, or nobody.

``identify`` reads ``Authorization: Bearer`` or else the session cookie, checks
the signature, then asks the database whether the session (or the partner's
client) is still live, so a revocation takes effect on the very next request.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from auth import security
from auth.pseudonyms import Audience, audience_of
from db import accounts as accounts_db
from db import partner as partner_db
from db.engine import Database
from policies.facts import ActorFacts

SESSION_COOKIE = "suplinks_session"

# A session's "last used" is written at most this often: not a write per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class Identity:
    """Who is asking: nobody, a member (by session), or a partner ATS client."""

    member_id: uuid.UUID | None = None
    kind: str | None = None  # "CANDIDATE" | "RECRUITER"
    company_id: uuid.UUID | None = None  # a recruiter's company, or a partner's
    company_role: str | None = None  # a recruiter's role in their company
    alias: str | None = None
    email_verified: bool = False  # the member proved their mailbox
    session_id: uuid.UUID | None = None
    partner_client_id: uuid.UUID | None = None  # api_client row id
    partner_label: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def is_member(self) -> bool:
        return self.member_id is not None

    @property
    def is_recruiter(self) -> bool:
        """A verified recruiter: a proven mailbox at a company's domain."""
        return self.kind == "RECRUITER" and self.company_id is not None and self.email_verified

    @property
    def is_partner(self) -> bool:
        return self.partner_client_id is not None

    @property
    def is_anonymous(self) -> bool:
        """No credential, or a dead one: neither a member nor a partner."""
        return not (self.is_member or self.is_partner)

    @property
    def audience(self) -> Audience:
        """Whose pseudonyms this viewer is shown and may use (Promise: Pseudonyms per
        company): their company's for a recruiter and a partner ATS alike (the
        pipeline is the company's), the members' for everyone else."""
        if self.is_partner:
            return self.company_id
        return audience_of(self.kind, self.company_id)

    def actor(self) -> ActorFacts:
        """How the policy sees who is asking: plain values only, so decisions memoize.

        ``verified``: the member proved their mailbox. ``company_role``: a
        recruiter's role in the company their proven address joined them to (a
        member of a company with no stored role is a RECRUITER).
        """
        if self.is_partner:
            return ActorFacts("PARTNER", scopes=tuple(sorted(self.scopes)))
        if self.member_id is None:
            return ANONYMOUS_ACTOR
        role = (self.company_role or "RECRUITER") if self.company_id is not None else None
        return ActorFacts(self.kind or "ANONYMOUS", verified=self.email_verified, company_role=role)


ANONYMOUS_ACTOR = ActorFacts()


ANONYMOUS = Identity()


@dataclass(frozen=True)
class Credential:
    """What the request presented, and who it turned out to be."""

    identity: Identity
    # "bearer" or "cookie" when one was presented but is invalid, expired or revoked.
    rejected: str | None = None


def bearer_token(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def identify(
    db: Database, secret: str, headers: Mapping[str, str], cookies: Mapping[str, str]
) -> Credential:
    """Resolve the viewer from ``Authorization: Bearer`` or else the session cookie."""
    token = bearer_token(headers)
    source = "bearer" if token else "cookie"
    token = token or cookies.get(SESSION_COOKIE)
    if not token:
        return Credential(ANONYMOUS)
    claims = security.read_token(secret, token)
    if claims is None:
        return Credential(ANONYMOUS, rejected=source)
    if claims.subject == "partner":
        partner = await partner_identity(db, claims)
        return Credential(partner or ANONYMOUS, rejected=None if partner else source)
    if claims.subject != "member":
        return Credential(ANONYMOUS, rejected=source)
    async with db.autocommit() as conn:
        row = await accounts_db.session_member(conn, claims.principal)
        if row is not None and _stale(row["last_used_at"]):
            await accounts_db.touch_session(conn, claims.principal)
    if row is None:
        return Credential(ANONYMOUS, rejected=source)
    return Credential(member_identity(row, claims.principal))


def _stale(last_used_at: datetime | None) -> bool:
    return last_used_at is None or datetime.now(UTC) - last_used_at > LAST_USED_GRANULARITY


def member_identity(row: Mapping[str, Any], session_id: uuid.UUID) -> Identity:
    """A member's identity from their session row (``db.accounts.session_member``)."""
    return Identity(
        member_id=row["id"],
        kind=row["kind"],
        company_id=row["company_id"],
        company_role=row["company_role"],
        alias=row["alias"],
        email_verified=row["email_verified_at"] is not None,
        session_id=session_id,
    )


async def partner_identity(db: Database, claims: security.TokenClaims) -> Identity | None:
    """Who a partner token stands for; None once its client is revoked (at once)."""
    async with db.autocommit() as conn:
        row = await partner_db.live_client(conn, claims.principal)
    if row is None:
        return None
    return Identity(
        company_id=row["company_id"],
        partner_client_id=row["id"],
        partner_label=f"{row['name']} (the ATS of {row['company_name']})",
        scopes=claims.scopes,
    )
