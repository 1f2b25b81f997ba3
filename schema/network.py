"""Mutations of the closed network: contact requests, blocks, hiding from my employer."""

from __future__ import annotations

import strawberry

from resolvers import network
from resolvers.mutations import run
from schema.payloads import BlockPayload, ContactRequestPayload, ProfilePayload
from views.contacts import view_edge
from views.profiles import view_profile
from views.selection import selected


async def _request_payload(info: strawberry.Info, outcome) -> ContactRequestPayload:
    edge_id, errors = outcome
    if errors:
        return ContactRequestPayload(user_errors=errors)
    request = await view_edge(info.context, edge_id, selected(info, "request"))
    return ContactRequestPayload(request=request)


async def _block(info: strawberry.Info, action, target: str) -> BlockPayload:
    """Run a block or unblock of ``target`` in one transaction."""
    ctx = info.context
    _, errors = await run(ctx, lambda conn: action(ctx, conn, target))
    return BlockPayload(ok=not errors, user_errors=errors)


@strawberry.type
class NetworkMutation:
    @strawberry.mutation(
        description="Recruiters only, with a personal message. Refusals that would reveal "
        "something about the member answer like an unknown id."
    )
    async def send_contact_request(
        self, info: strawberry.Info, profile_id: strawberry.ID, message: str
    ) -> ContactRequestPayload:
        ctx = info.context
        await ctx.rate_limit("contact", ctx.caller)
        outcome = await run(
            ctx, lambda conn: network.send_contact_request(ctx, conn, profile_id, message)
        )
        return await _request_payload(info, outcome)

    @strawberry.mutation(description="The candidate answers. Declines are silent.")
    async def respond_to_contact_request(
        self,
        info: strawberry.Info,
        request_id: strawberry.ID,
        accept: bool,
        share_with_ats: bool | None = False,
    ) -> ContactRequestPayload:
        ctx = info.context
        outcome = await run(
            ctx,
            lambda conn: network.respond_to_contact_request(
                ctx, conn, request_id, accept, bool(share_with_ats)
            ),
        )
        return await _request_payload(info, outcome)

    @strawberry.mutation(description="The recruiter takes back a pending request.")
    async def withdraw_contact_request(
        self, info: strawberry.Info, request_id: strawberry.ID
    ) -> ContactRequestPayload:
        ctx = info.context
        outcome = await run(
            ctx, lambda conn: network.withdraw_contact_request(ctx, conn, request_id)
        )
        return await _request_payload(info, outcome)

    @strawberry.mutation(
        description="Either side ends an accepted contact, at once (and what the candidate "
        "shared with the company's ATS stops being shared)."
    )
    async def end_contact(
        self, info: strawberry.Info, request_id: strawberry.ID
    ) -> ContactRequestPayload:
        ctx = info.context
        outcome = await run(ctx, lambda conn: network.end_contact(ctx, conn, request_id))
        return await _request_payload(info, outcome)

    @strawberry.mutation(
        description="The candidate stops sharing this contact with the company's applicant "
        "tracking system: out of its pipeline from the next request on; the receipt is kept, "
        "marked withdrawn. The contact itself stays."
    )
    async def withdraw_ats_consent(
        self, info: strawberry.Info, request_id: strawberry.ID
    ) -> ContactRequestPayload:
        ctx = info.context
        outcome = await run(ctx, lambda conn: network.withdraw_ats_consent(ctx, conn, request_id))
        return await _request_payload(info, outcome)

    @strawberry.mutation(description="We stop seeing each other; what is open between us ends.")
    async def block_member(self, info: strawberry.Info, profile_id: strawberry.ID) -> BlockPayload:
        return await _block(info, network.block_member, profile_id)

    @strawberry.mutation
    async def unblock_member(
        self, info: strawberry.Info, profile_id: strawberry.ID
    ) -> BlockPayload:
        return await _block(info, network.unblock_member, profile_id)

    @strawberry.mutation(
        description="Every member whose current employer is this company (now or later) "
        "and I stop seeing each other."
    )
    async def block_company(self, info: strawberry.Info, company_id: strawberry.ID) -> BlockPayload:
        return await _block(info, network.block_company, company_id)

    @strawberry.mutation
    async def unblock_company(
        self, info: strawberry.Info, company_id: strawberry.ID
    ) -> BlockPayload:
        return await _block(info, network.unblock_company, company_id)

    @strawberry.mutation(description="On by default: my current employer's members don't see me.")
    async def set_hide_from_current_employer(
        self, info: strawberry.Info, hide: bool
    ) -> ProfilePayload:
        ctx = info.context
        member_id, errors = await run(
            ctx, lambda conn: network.set_hide_from_current_employer(ctx, conn, hide)
        )
        if errors:
            return ProfilePayload(user_errors=errors)
        profile = await view_profile(ctx, member_id, selected(info, "profile"))
        return ProfilePayload(profile=profile)
