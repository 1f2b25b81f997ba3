"""The ``Mutation`` root: each runs in one transaction, bad input -> typed userErrors."""

from __future__ import annotations

import strawberry

from resolvers import accounts, open_persona, profiles
from resolvers.mutations import checked, run
from schema.inputs import ProfileInput, PublicProfileInput, SignUpInput
from schema.payloads import AuthPayload, DeletePayload, ProfilePayload, PublicProfilePayload
from schema.types import Audience, UserError
from schema.viewer import Viewer
from views import ids
from views.profiles import view_profile
from views.selection import selected
from web.errors import ApiError

EMAIL_NOT_VERIFIED = UserError(
    field="email",
    message="Prove your mailbox first: we mailed you a new link.",
    code="EMAIL_NOT_VERIFIED",
)


def _auth_payload(outcome) -> AuthPayload:
    result, errors = outcome
    if errors:
        return AuthPayload(user_errors=errors)
    member_id, token = result
    return AuthPayload(token=token, viewer=Viewer(member_id=member_id))


def _true_or_raise(outcome) -> bool:
    """A Boolean mutation has no userErrors: its bad input is a BAD_USER_INPUT error."""
    _, errors = outcome
    if errors:
        raise ApiError("BAD_USER_INPUT", errors[0].message, field=errors[0].field)
    return True


async def _profile_payload(info: strawberry.Info, outcome) -> ProfilePayload:
    member_id, errors = outcome
    if errors:
        return ProfilePayload(user_errors=errors)
    profile = await view_profile(info.context, member_id, selected(info, "profile"))
    return ProfilePayload(profile=profile)


async def _public_profile_payload(info: strawberry.Info, outcome) -> PublicProfilePayload:
    member_id, errors = outcome
    if errors:
        return PublicProfilePayload(user_errors=errors)
    row = await open_persona.own(info.context, member_id)
    return PublicProfilePayload(
        public_profile=open_persona.public_view(row), published=row["published"]
    )


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Answers the same for a new and a taken address (token null); the mail "
        "says which. The account acts once verifyEmail proves its mailbox."
    )
    async def sign_up(self, info: strawberry.Info, input: SignUpInput) -> AuthPayload:
        ctx = info.context
        await ctx.rate_limit_email("signup", input.email)

        async def body(conn):
            await accounts.sign_up(
                ctx,
                conn,
                email=input.email,
                password=input.password,
                kind=input.kind.value,
                full_name=input.full_name,
                company=input.company,
            )

        _, errors = await run(ctx, body)
        return AuthPayload(user_errors=errors)

    @strawberry.mutation(description="Sets the session cookie too, for GraphiQL.")
    async def log_in(self, info: strawberry.Info, email: str, password: str) -> AuthPayload:
        ctx = info.context

        await ctx.rate_limit_email("login", email)
        member, errors = await checked(
            accounts.authenticate(ctx.db, email=email, password=password)
        )
        if errors:
            return AuthPayload(user_errors=errors)
        outcome, errors = await run(ctx, lambda conn: accounts.log_in(ctx, conn, member))
        if errors:
            return AuthPayload(user_errors=errors)
        if outcome.token is None:
            return AuthPayload(user_errors=[EMAIL_NOT_VERIFIED])
        return AuthPayload(token=outcome.token, viewer=Viewer(member_id=outcome.member_id))

    @strawberry.mutation(description="The mailed token: proves the mailbox, opens a session.")
    async def verify_email(self, info: strawberry.Info, token: str) -> AuthPayload:
        ctx = info.context

        async def body(conn):
            member_id = await accounts.verify_email(ctx, conn, token)
            return member_id, await accounts.open_session(ctx, conn, member_id)

        return _auth_payload(await run(ctx, body))

    @strawberry.mutation(description="Always true; mails a new link to an unverified account.")
    async def resend_verification(self, info: strawberry.Info, email: str) -> bool:
        ctx = info.context
        await ctx.rate_limit_mail(email)
        await run(ctx, lambda conn: accounts.resend_verification(ctx, conn, email))
        return True

    @strawberry.mutation(description="Always true; mails a reset link only to a member.")
    async def request_password_reset(self, info: strawberry.Info, email: str) -> bool:
        ctx = info.context
        await ctx.rate_limit_mail(email)
        await run(ctx, lambda conn: accounts.request_password_reset(ctx, conn, email))
        return True

    @strawberry.mutation(description="The mailed token; ends every other session.")
    async def reset_password(
        self, info: strawberry.Info, token: str, new_password: str
    ) -> AuthPayload:
        ctx = info.context

        async def body(conn):
            member_id = await accounts.reset_password(ctx, conn, token, new_password)
            return member_id, await accounts.open_session(ctx, conn, member_id)

        return _auth_payload(await run(ctx, body))

    @strawberry.mutation(description="Effective once the new mailbox is verified (mailed link).")
    async def change_email(self, info: strawberry.Info, new_email: str, password: str) -> bool:
        ctx = info.context
        await ctx.rate_limit_mail(new_email)
        return _true_or_raise(
            await run(ctx, lambda conn: accounts.change_email(ctx, conn, new_email, password))
        )

    @strawberry.mutation(description="Ends one of my sessions (this one too).")
    async def end_session(self, info: strawberry.Info, id: strawberry.ID) -> DeletePayload:
        ctx = info.context
        session_id = ids.decode(ids.SESSION, id)
        ok, errors = await run(ctx, lambda conn: accounts.end_session(ctx, conn, session_id))
        return DeletePayload(ok=bool(ok), user_errors=errors)

    @strawberry.mutation(description="Ends every session of mine but this one.")
    async def end_all_other_sessions(self, info: strawberry.Info) -> DeletePayload:
        ctx = info.context
        ok, errors = await run(ctx, lambda conn: accounts.end_all_other_sessions(ctx, conn))
        return DeletePayload(ok=bool(ok), user_errors=errors)

    @strawberry.mutation(
        description="The old password required. Every session ends; the payload's token "
        "is a new one."
    )
    async def change_password(
        self, info: strawberry.Info, old_password: str, new_password: str
    ) -> AuthPayload:
        ctx = info.context
        outcome = await run(
            ctx, lambda conn: accounts.change_password(ctx, conn, old_password, new_password)
        )
        return _auth_payload(outcome)

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

    @strawberry.mutation(
        description="My open persona's own content; the first needs a handle. "
        "A handle is never reused: one held or ever released answers HANDLE_TAKEN."
    )
    async def update_public_profile(
        self, info: strawberry.Info, input: PublicProfileInput
    ) -> PublicProfilePayload:
        ctx = info.context
        outcome = await run(ctx, lambda conn: open_persona.update(ctx, conn, input))
        return await _public_profile_payload(info, outcome)

    @strawberry.mutation(description="On: anyone reads my open persona, the same. Off: nobody.")
    async def publish_open_persona(
        self, info: strawberry.Info, published: bool
    ) -> PublicProfilePayload:
        ctx = info.context
        outcome = await run(ctx, lambda conn: open_persona.publish(ctx, conn, published))
        return await _public_profile_payload(info, outcome)

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
