"""``Viewer``: the logged-in member's own view of the network."""

from __future__ import annotations

import uuid

import strawberry

from resolvers import viewer as r
from schema.types import Audience, FieldAudience, Profile


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
