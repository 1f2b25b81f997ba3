"""``Viewer``: the logged-in member's own view of the network."""

from __future__ import annotations

import uuid

import strawberry

from resolvers import access_log, accounts, companies, consent, export, network
from resolvers import open_persona as personas
from resolvers import viewer as r
from schema.types import (
    AccessEventConnection,
    Audience,
    CompanyRole,
    ConsentReceipt,
    ContactRequestConnection,
    ContactStatus,
    Employer,
    FieldAudience,
    LinkabilityWarning,
    Profile,
    PublicProfile,
    Session,
)
from views import ids


@strawberry.type(description="The logged-in member. Everything here is about you.")
class Viewer:
    member_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="My own profile, every field.")
    async def profile(self, info: strawberry.Info) -> Profile:
        return await r.own_profile(info.context, info, self.member_id)

    @strawberry.field
    async def field_audiences(self, info: strawberry.Info) -> list[FieldAudience]:
        return await r.field_audiences(info.context, self.member_id)

    @strawberry.field
    async def hide_from_current_employer(self, info: strawberry.Info) -> bool:
        return await r.hide_from_current_employer(info.context, self.member_id)

    @strawberry.field(description="My profile exactly as that audience receives it.")
    async def preview_as(self, info: strawberry.Info, audience: Audience) -> Profile:
        return await r.preview_as(info.context, info, self.member_id, audience.value)

    @strawberry.field(description="My open persona, published or not; null before I write one.")
    async def open_persona(self, info: strawberry.Info) -> PublicProfile | None:
        row = await personas.own(info.context, self.member_id)
        return None if row is None else personas.public_view(row)

    @strawberry.field
    async def open_persona_published(self, info: strawberry.Info) -> bool:
        row = await personas.own(info.context, self.member_id)
        return row is not None and row["published"]

    @strawberry.field(
        description="Values that could join my published open persona to my closed one, "
        "per audience of the closed one (or for one audience, beside previewAs)."
    )
    async def linkability(
        self, info: strawberry.Info, audience: Audience | None = None
    ) -> list[LinkabilityWarning]:
        return await personas.warnings(
            info.context, self.member_id, audience.value if audience else None
        )

    @strawberry.field(
        description="My own edges, newest first; each counterpart as I may see them. "
        "Nobody else can list them, count them or see mutual contacts."
    )
    async def contacts(
        self,
        info: strawberry.Info,
        status: ContactStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ContactRequestConnection:
        return await network.contacts(
            info.context, info, self.member_id, status.value if status else None, first, after
        )

    @strawberry.field(description="Members I blocked: only their id and alias.")
    async def blocked_members(self, info: strawberry.Info) -> list[Profile]:
        return await network.blocked_members(info.context, info, self.member_id)

    @strawberry.field
    async def blocked_companies(self, info: strawberry.Info) -> list[Employer]:
        return await network.blocked_companies(info.context, self.member_id)

    @strawberry.field(
        description="Who received my CONTACTS-or-narrower or identity fields, newest first."
    )
    async def access_log(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None
    ) -> AccessEventConnection:
        return await access_log.access_log(info.context, self.member_id, first, after)

    @strawberry.field(
        description="My consents to share a contact with a company's applicant tracking "
        "system, live and withdrawn, newest first."
    )
    async def consent_receipts(self, info: strawberry.Info) -> list[ConsentReceipt]:
        return await consent.receipts(info.context, self.member_id)

    @strawberry.field(
        description="Everything SUPLINKS holds about me, as one JSON document "
        "(docs/data-export.md); also GET /account/export with the session cookie."
    )
    async def data_export(self, info: strawberry.Info) -> str:
        return await export.data_export(info.context)

    @strawberry.field(description="My role in my company; null for candidates.")
    async def company_role(self, info: strawberry.Info) -> CompanyRole | None:
        return await companies.company_role(info.context, self.member_id)

    @strawberry.field(description="Whether I proved my mailbox (always, once logged in).")
    def email_verified(self, info: strawberry.Info) -> bool:
        identity = info.context.identity
        return identity.member_id == self.member_id and identity.email_verified

    @strawberry.field(description="My live sessions, newest first; end them with endSession.")
    async def sessions(self, info: strawberry.Info) -> list[Session]:
        ctx = info.context
        return [
            Session(
                id=strawberry.ID(ids.encode(ids.SESSION, row["id"])),
                created_at=row["created_at"].isoformat(),
                last_used_at=row["last_used_at"].isoformat() if row["last_used_at"] else None,
                client=row["client"],
                current=row["id"] == ctx.identity.session_id,
            )
            for row in await accounts.sessions(ctx)
        ]
