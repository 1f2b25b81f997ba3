"""The ``Mutation`` root: each runs in one transaction, bad input -> typed userErrors."""

from __future__ import annotations

import strawberry

from resolvers import accounts, profiles
from resolvers.mutations import run
from schema.inputs import ProfileInput, SignUpInput
from schema.payloads import AuthPayload, DeletePayload, ProfilePayload
from schema.types import Audience
from schema.viewer import Viewer
from views.profiles import view_profile
from views.selection import selected


async def _profile_payload(info: strawberry.Info, outcome) -> ProfilePayload:
    member_id, errors = outcome
    if errors:
        return ProfilePayload(user_errors=errors)
    profile = await view_profile(info.context, member_id, selected(info, "profile"))
    return ProfilePayload(profile=profile)


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="A recruiter's company is the one of their email's domain.")
    async def sign_up(self, info: strawberry.Info, input: SignUpInput) -> AuthPayload:
        ctx = info.context

        async def body(conn):
            member_id = await accounts.sign_up(
                conn,
                email=input.email,
                password=input.password,
                kind=input.kind.value,
                full_name=input.full_name,
            )
            return member_id, await accounts.open_session(ctx, conn, member_id)

        outcome, errors = await run(ctx, body)
        if errors:
            return AuthPayload(user_errors=errors)
        member_id, token = outcome
        return AuthPayload(token=token, viewer=Viewer(member_id=member_id))

    @strawberry.mutation(description="Sets the session cookie too, for GraphiQL.")
    async def log_in(self, info: strawberry.Info, email: str, password: str) -> AuthPayload:
        ctx = info.context

        await ctx.rate_limit("login", email.strip().lower())

        async def body(conn):
            member_id = await accounts.authenticate(conn, email=email, password=password)
            return member_id, await accounts.open_session(ctx, conn, member_id)

        outcome, errors = await run(ctx, body)
        if errors:
            return AuthPayload(user_errors=errors)
        member_id, token = outcome
        return AuthPayload(token=token, viewer=Viewer(member_id=member_id))

    @strawberry.mutation(description="Revokes this session server-side and clears the cookie.")
    async def log_out(self, info: strawberry.Info) -> bool:
        ctx = info.context
        result, _ = await run(ctx, lambda conn: accounts.close_session(ctx, conn))
        return bool(result)

    @strawberry.mutation(description="Only the fields given change.")
    async def update_profile(self, info: strawberry.Info, input: ProfileInput) -> ProfilePayload:
        ctx = info.context
        outcome = await run(ctx, lambda conn: profiles.update_profile(ctx, conn, input))
        return await _profile_payload(info, outcome)

    @strawberry.mutation(description="Who may read one of my fields.")
    async def set_field_audience(
        self, info: strawberry.Info, field: str, audience: Audience
    ) -> ProfilePayload:
        ctx = info.context
        outcome = await run(
            ctx, lambda conn: profiles.set_field_audience(ctx, conn, field, audience.value)
        )
        return await _profile_payload(info, outcome)

    @strawberry.mutation(description="Erase my account and all my data, for good.")
    async def delete_account(self, info: strawberry.Info, password: str) -> DeletePayload:
        ctx = info.context
        ok, errors = await run(ctx, lambda conn: accounts.delete_account(ctx, conn, password))
        return DeletePayload(ok=bool(ok), user_errors=errors)
