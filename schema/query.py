"""The ``Query`` root."""

from __future__ import annotations

import strawberry

from policies import actions
from resolvers import network, open_persona
from resolvers import profiles as r
from schema.types import Employer, Node, Profile, PublicProfile
from schema.viewer import Viewer
from views.ids import CONTACT_REQUEST, PROFILE, kind_of


@strawberry.type
class ProfileQuery:
    @strawberry.field(description="The logged-in member; null when not logged in.")
    def viewer(self, info: strawberry.Info) -> Viewer | None:
        ctx = info.context
        if ctx.rejected_credential:
            ctx.authorize(actions.READ_ACCOUNT)  # UNAUTHENTICATED: the token is dead, say so
        if not ctx.allowed(actions.READ_ACCOUNT):
            return None
        return Viewer(member_id=ctx.identity.member_id)

    @strawberry.field(description="Canonical company records.")
    async def companies(
        self, info: strawberry.Info, search: str | None = None, first: int = 20
    ) -> list[Employer]:
        return await r.companies(info.context, search, first)

    @strawberry.field(description="null: unknown OR not visible to you (the same answer).")
    async def profile(self, info: strawberry.Info, id: strawberry.ID) -> Profile | None:
        return await r.profile_by_id(info.context, info, id)

    @strawberry.field
    async def node(self, info: strawberry.Info, id: strawberry.ID) -> Node | None:
        kind = kind_of(id)
        if kind == PROFILE:
            return await r.profile_by_id(info.context, info, id)
        if kind == CONTACT_REQUEST:
            return await network.request_by_id(info.context, info, id)
        return None

    @strawberry.field(
        description="The open persona: the same answer for every viewer; null unless published."
    )
    async def public_profile(self, info: strawberry.Info, handle: str) -> PublicProfile | None:
        return await open_persona.public_profile(info.context, handle)
