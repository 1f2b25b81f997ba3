"""Mutation payloads: a result, or typed ``userErrors`` (never both half-done)."""

from __future__ import annotations

import strawberry

from schema.types import (
    CompanyMember,
    ContactRequest,
    Employer,
    Profile,
    PublicProfile,
    UserError,
)
from schema.viewer import Viewer


@strawberry.type
class AuthPayload:
    token: str | None = None
    viewer: Viewer | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProfilePayload:
    profile: Profile | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompanyPayload:
    company: Employer | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BlockPayload:
    ok: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ContactRequestPayload:
    request: ContactRequest | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletePayload:
    ok: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ApiClientPayload:
    client_id: str | None = None
    client_secret: str | None = None
    webhook_secret: str | None = None  # returned once, by setApiClientWebhook
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompanyMemberPayload:
    member: CompanyMember | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PublicProfilePayload:
    public_profile: PublicProfile | None = None
    published: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)
