"""The logged-in member's own corner: their profile, audiences and previews."""

from __future__ import annotations

import uuid

from policies.fields import PRIVATE_FIELDS
from schema import types as t
from views.profiles import audiences_of, build_profile, view_profile
from views.selection import selected
from views.standing import preview_relation
from web.context import Context


async def own_profile(ctx: Context, info, member_id: uuid.UUID) -> t.Profile:
    profile = await view_profile(ctx, member_id, selected(info))
    assert profile is not None, "a live session always has a live member"
    return profile


async def field_audiences(ctx: Context, member_id: uuid.UUID) -> list[t.FieldAudience]:
    row = await ctx.profiles.load(member_id)
    audiences = audiences_of(row)
    return [
        t.FieldAudience(field=name, audience=t.Audience(audiences[name]))
        for name in sorted(PRIVATE_FIELDS)
    ]


async def hide_from_current_employer(ctx: Context, member_id: uuid.UUID) -> bool:
    row = await ctx.profiles.load(member_id)
    return bool(row["hide_from_current_employer"])


async def preview_as(ctx: Context, info, member_id: uuid.UUID, audience: str) -> t.Profile:
    """My profile exactly as a viewer of ``audience`` receives it: the same policy path."""
    tree = selected(info)
    row = await ctx.profiles.load(member_id)
    rel = preview_relation(row["kind"], audience, bool(row["confidential_search"]))
    experiences = await ctx.experiences.load(member_id) if "experiences" in tree else None
    return build_profile(ctx, row, rel, tree, experiences=experiences, log_access=False)
