"""Companies: their recruiters and roles, managed by their admins."""

from __future__ import annotations

import strawberry

from resolvers import companies as r
from resolvers.mutations import run
from schema.inputs import CompanyInput
from schema.payloads import CompanyMemberPayload, CompanyPayload
from schema.types import CompanyMember, CompanyRole
from views.profiles import view_profile
from views.selection import selected
from web.errors import retired


@strawberry.type
class CompanyQuery:
    @strawberry.field(description="My company's recruiters and their roles (its admins only).")
    async def company_members(self, info: strawberry.Info) -> list[CompanyMember]:
        return await r.company_members(info.context, selected(info))


@strawberry.type
class CompanyMutation:
    @strawberry.mutation(
        description="Retired: a company is created when a recruiter who signed up with "
        "`company` proves their mailbox at its domain. Answers FORBIDDEN."
    )
    def register_company(self, input: CompanyInput) -> CompanyPayload:
        raise retired(
            "Companies are created by proving a mailbox at their domain: "
            "sign up as a RECRUITER with `company`."
        )

    @strawberry.mutation(description="Admins only; a company always keeps one admin.")
    async def set_company_role(
        self, info: strawberry.Info, profile_id: strawberry.ID, role: CompanyRole
    ) -> CompanyMemberPayload:
        ctx = info.context
        member_id, errors = await run(
            ctx, lambda conn: r.set_company_role(ctx, conn, profile_id, role.value)
        )
        if errors:
            return CompanyMemberPayload(user_errors=errors)
        profile = await view_profile(ctx, member_id, selected(info, "member", "profile"))
        if profile is None:  # a colleague hidden from me (Promise: Hidden members do not exist)
            return CompanyMemberPayload()
        return CompanyMemberPayload(member=CompanyMember(profile=profile, role=role))

    @strawberry.mutation(
        description="Admins remove a recruiter, a recruiter may leave; their open edges end. "
        "`member` is null once removed."
    )
    async def remove_from_company(
        self, info: strawberry.Info, profile_id: strawberry.ID
    ) -> CompanyMemberPayload:
        ctx = info.context
        _, errors = await run(ctx, lambda conn: r.remove_from_company(ctx, conn, profile_id))
        return CompanyMemberPayload(user_errors=errors)
