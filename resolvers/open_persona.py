"""The open persona: its owner writes and publishes it; anyone reads it, the same.

It is its own content (Promise (Unlinkable)): nothing here reads the closed
profile, except the linkability warnings, which show its owner what the two share.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from auth.security import handle_digest
from db import open_personas as open_db
from db.company_names import handle_key
from policies import actions
from policies.facts import OpenPersona
from policies.fields import Audience
from resolvers import validation
from schema import types as t
from schema.inputs import PublicProfileInput
from views import linkability
from views.profiles import audiences_of
from views.standing import preview_relation
from web.context import Context
from web.errors import UserInputError, problem

MAX_LINKS = 10
# The audiences that read the closed persona besides its owner, widest first.
READERS = tuple(a for a in Audience if a is not Audience.ONLY_ME)

# The closed persona's texts that linkability compares: (field, profile column).
CLOSED_TEXTS = (("fullName", "full_name"), ("headline", "headline"), ("summary", "summary"))

HANDLE_REQUIRED = (
    "HANDLE_REQUIRED",
    "Choose a handle first: it is your open persona's address.",
    "handle",
)


def public_view(row: Mapping[str, Any]) -> t.PublicProfile:
    return t.PublicProfile(
        handle=row["handle"],
        display_name=row["display_name"],
        headline=row["headline"],
        summary=row["summary"],
        photo_url=row["photo_url"],
        links=list(row["links"]),
        skills=list(row["skills"]),
    )


# --- reading --------------------------------------------------------------------


async def public_profile(ctx: Context, handle: str) -> t.PublicProfile | None:
    """The same answer for every viewer; unpublished, no such handle, or a handle
    that could not be one: null, all alike (No membership oracle)."""
    try:
        clean = validation.handle(handle)
    except UserInputError:
        clean = None
    row = None
    if clean is not None:
        async with ctx.db.autocommit() as conn:
            row = await open_db.by_handle(conn, clean)
    published = row is not None and row["published"]
    if row is None or not ctx.allowed(actions.READ_OPEN_PERSONA, OpenPersona(published)):
        return None
    return public_view(row)


async def own(ctx: Context, member_id: uuid.UUID) -> Mapping[str, Any] | None:
    async with ctx.db.autocommit() as conn:
        return await open_db.load(conn, member_id)


# --- editing ----------------------------------------------------------------------


async def claim_handle(
    ctx: Context, conn: AsyncConnection, me: uuid.UUID, current: Mapping | None, value
) -> dict[str, Any]:
    """A new address for my open persona. Held by someone else or ever released
    (by a deleted account, or a changed handle, mine included): the same
    HANDLE_TAKEN, which does not say whether it was ever a member's. My old
    handle is released for good."""
    handle = validation.handle(value)
    if handle is None:
        raise problem("REQUIRED", "handle must not be empty.", "handle")
    if current is not None and current["handle"] == handle:
        return {}
    key = handle_key(handle)
    await open_db.lock_handle(conn, key)
    if await open_db.handle_taken(conn, key, handle_digest(ctx.settings.secret_key, key), me):
        raise problem("HANDLE_TAKEN", "This handle is taken.", "handle")
    if current is not None and handle_key(current["handle"]) != key:
        await release(ctx, conn, current["handle"])
    return {"handle": handle, "handle_key": key}


async def release(ctx: Context, conn: AsyncConnection, handle: str | None) -> None:
    """A handle its owner lets go of (changed, or the account deleted): buried."""
    if handle:
        await open_db.bury(conn, handle_digest(ctx.settings.secret_key, handle_key(handle)))


def _links(values: list[str] | None) -> list[str]:
    raw = validation.items(values, "links", max_items=MAX_LINKS)
    checked = (validation.url(link, "links") for link in raw)
    return list(dict.fromkeys(link for link in checked if link))


def _content(given: Mapping[str, Any]) -> dict[str, Any]:
    """The content columns of the given inputs, with the closed profile's hygiene."""
    checks = {
        "display_name": lambda v: validation.name(v, "displayName", max_length=200),
        "headline": lambda v: validation.text(v, "headline", max_length=200),
        "summary": lambda v: validation.text(v, "summary", max_length=4000, multiline=True),
        "photo_url": lambda v: validation.url(v, "photoUrl"),
        "links": _links,
        "skills": lambda v: validation.skills(v, max_length=60),
    }
    return {column: check(given[column]) for column, check in checks.items() if column in given}


async def update(ctx: Context, conn: AsyncConnection, data: PublicProfileInput) -> uuid.UUID:
    me = ctx.authorize(actions.EDIT_ACCOUNT).member_id
    given = {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}
    current = await open_db.load(conn, me)
    values = _content(given)
    if "handle" in given:
        values |= await claim_handle(ctx, conn, me, current, given["handle"])
    elif current is None:
        raise problem(*HANDLE_REQUIRED)
    await open_db.save(conn, me, values)
    return me


async def publish(ctx: Context, conn: AsyncConnection, published: bool) -> uuid.UUID:
    me = ctx.authorize(actions.EDIT_ACCOUNT).member_id
    if await open_db.load(conn, me) is None:
        raise problem(*HANDLE_REQUIRED)
    await open_db.set_published(conn, me, published)
    return me


# --- linkability --------------------------------------------------------------------


def _closed_view(
    ctx: Context, row, experiences, audience: Audience, domains
) -> linkability.ClosedView:
    """What ``audience`` reads of my closed persona: the policy decides, as for ``previewAs``."""
    rel = preview_relation(row["kind"], audience.value, bool(row["confidential_search"]))
    decide = ctx.authorizer.field_decider(rel)
    audiences = audiences_of(row)

    def shown(field: str, value):
        return value if decide(field, audiences[field]) else None

    employers = []
    if shown("currentEmployer", row["current_employer_id"]):
        employers.append(
            linkability.Employer(
                "currentEmployer", row["employer_name"], domains.get(row["current_employer_id"])
            )
        )
    if shown("experiences", True) and shown("experiences.employer", True):
        employers += [
            linkability.Employer(
                "experiences.employer", e["employer_name"], domains.get(e["employer_id"])
            )
            for e in experiences
            if e["employer_id"] is not None
        ]
    return linkability.ClosedView(
        texts={field: shown(field, row[column]) for field, column in CLOSED_TEXTS},
        photo_url=shown("photoUrl", row["photo_url"]),
        skills=shown("skills", row["skills"]),
        employers=tuple(employers),
    )


async def warnings(
    ctx: Context, member_id: uuid.UUID, audience: str | None
) -> list[t.LinkabilityWarning]:
    """For each audience of my closed persona (or the one asked), what could join it
    to my open persona as published. Unpublished, nobody can join them: none."""
    persona = await own(ctx, member_id)
    published = persona is not None and persona["published"]
    if persona is None or not ctx.allowed(actions.READ_OPEN_PERSONA, OpenPersona(published)):
        return []
    row = await ctx.profiles.load(member_id)
    experiences = await ctx.experiences.load(member_id)
    shared = linkability.shared_skills(persona["skills"], row["skills"])
    employer_ids = {row["current_employer_id"], *(e["employer_id"] for e in experiences)} - {None}
    async with ctx.db.autocommit() as conn:
        domains = await open_db.company_domains(conn, sorted(employer_ids))
        counted = (
            await open_db.members_with_skills(conn, shared, linkability.RARE_SKILL_SET + 1)
            if shared
            else 0
        )
    open_view = linkability.OpenView(
        texts={
            "displayName": persona["display_name"],
            "headline": persona["headline"],
            "summary": persona["summary"],
        },
        photo_url=persona["photo_url"],
        links=persona["links"],
        skills=persona["skills"],
    )
    wanted = [a for a in READERS if audience in (None, a.value)]
    closed = {a.value: _closed_view(ctx, row, experiences, a, domains) for a in wanted}
    found = linkability.warnings(
        open_view, closed, rare_skill_set=0 < counted <= linkability.RARE_SKILL_SET
    )
    return [
        t.LinkabilityWarning(
            public_field=w.public_field,
            closed_field=w.closed_field,
            audience=t.Audience(w.audience),
            reason=w.reason,
        )
        for w in found
    ]
