"""Profiles: reading members' closed personas and editing one's own."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from db import accounts as accounts_db
from db import network as network_db
from db import open_personas as open_personas_db
from db import profiles as profiles_db
from policies import actions
from policies.fields import (
    EXPERIENCE,
    PRIVATE_FIELDS,
    PROFILE,
    Choice,
    CompanyRef,
    Date,
    Flag,
    Name,
    PrivateField,
    Salary,
    Skills,
    Text,
    Url,
    Whole,
    camel,
    snake,
)
from resolvers import notices, open_persona, validation
from schema import types as t
from schema.inputs import ExperienceInput, ProfileInput
from views import ids
from views.profiles import employer, view_profile
from views.selection import selected
from web.context import Context
from web.errors import problem

# --- reading ----------------------------------------------------------------


async def profile_by_id(ctx: Context, info, opaque_id: str) -> t.Profile | None:
    """The closed persona: logged-in viewers only; unknown and invisible answer the same."""
    if not ctx.allowed(actions.READ_NETWORK):
        return None
    return await view_profile(
        ctx, ids.member_named(ctx.settings, ctx.identity.audience, opaque_id), selected(info)
    )


async def companies(ctx: Context, search: str | None, first: int) -> list[t.Employer]:
    first = max(0, min(first, 100))
    with validation.query_arguments():
        search = validation.text(search, "search", max_length=200)
    async with ctx.db.autocommit() as conn:
        rows = await accounts_db.search_companies(conn, search, first)
    return [employer(r["id"], r["name"], r["sector"], r["size_band"]) for r in rows]


# --- editing one's own profile -----------------------------------------------


async def _company_id(conn: AsyncConnection, opaque: str | None, field: str) -> uuid.UUID | None:
    if opaque is None:
        return None
    company_id = ids.decode(ids.COMPANY, opaque)
    if company_id is None or not await profiles_db.company_exists(conn, company_id):
        raise problem("UNKNOWN_COMPANY", "No such company.", field)
    return company_id


def _salary(value, column: str, field: str) -> dict[str, Any]:
    """A ``Salary`` edit: three columns named after ``column``."""
    low_column, high_column, currency_column = (f"{column}_{p}" for p in ("min", "max", "currency"))
    if value is None:
        return {low_column: None, high_column: None, currency_column: None}
    currency = (value.currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise problem("INVALID_CURRENCY", "currency is a 3-letter ISO code.", field)
    low = validation.integer(value.min, field, low=0, high=100_000_000)
    high = validation.integer(value.max, field, low=0, high=100_000_000)
    if low is not None and high is not None and low > high:
        raise problem("OUT_OF_RANGE", "min must not exceed max.", field)
    return {low_column: low, high_column: high, currency_column: currency}


def _flag(value: bool | None, field: str) -> bool:
    if value is None:
        raise problem("REQUIRED", f"{field} must be true or false.", field)
    return value


async def input_columns(
    conn: AsyncConnection, field: PrivateField, value: Any, prefix: str = ""
) -> dict[str, Any]:
    """The column values of one given input, checked as its declaration says."""
    name = prefix + field.input_name
    column = field.source
    match field.edit:
        case Text(max_length=limit, required=required, multiline=multiline):
            return {
                column: validation.text(
                    value, name, max_length=limit, required=required, multiline=multiline
                )
            }
        case Name(max_length=limit, required=required):
            return {column: validation.name(value, name, max_length=limit, required=required)}
        case Date():
            return {column: validation.date_text(value, name)}
        case Url():
            return {column: validation.url(value, name)}
        case Whole(low=low, high=high):
            return {column: validation.integer(value, name, low=low, high=high)}
        case Choice():
            return {column: value.value if value else None}
        case Flag():
            return {column: _flag(value, name)}
        case Skills():
            return {column: validation.skills(value, max_length=60)}
        case Salary():
            return _salary(value, column, name)
        case CompanyRef():
            return {column: await _company_id(conn, value, name)}
    raise TypeError(f"{field.name} is not editable")


_EDITABLE = tuple(f for f in PROFILE if f.edit is not None)
_EXPERIENCE_EDITABLE = tuple(f for f in EXPERIENCE if f.edit is not None)


async def _profile_values(conn: AsyncConnection, kind: str, me: uuid.UUID, data: ProfileInput):
    """The columns to change: only the fields that were given."""
    given = {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}
    if "current_employer_id" in given and kind == "RECRUITER":
        raise problem(
            "EMPLOYER_FIXED",
            "A recruiter's employer is the company of their work email.",
            "currentEmployerId",
        )
    values: dict[str, Any] = {}
    for field in _EDITABLE:
        if snake(field.input_name) in given:
            values |= await input_columns(conn, field, given[snake(field.input_name)])
    for setting in ("contactable", "confidential_search"):
        if setting in given:
            values[setting] = _flag(given[setting], camel(setting))
    return values


async def _experience_rows(
    conn: AsyncConnection, me: uuid.UUID, items: list[ExperienceInput]
) -> list[dict]:
    validation.items(items, "experiences", max_items=30)
    rows = []
    for position, item in enumerate(items):
        row: dict[str, Any] = {"position": position}
        for field in _EXPERIENCE_EDITABLE:
            value = getattr(item, snake(field.input_name))
            row |= await input_columns(conn, field, value, prefix="experiences.")
        rows.append(row)
    return rows


async def update_profile(ctx: Context, conn: AsyncConnection, data: ProfileInput) -> uuid.UUID:
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    values = await _profile_values(conn, me.kind or "", me.member_id, data)
    if "current_employer_id" in values:
        await _change_employer(ctx, conn, me.member_id, values["current_employer_id"])
    await profiles_db.update_profile(conn, me.member_id, values)
    if data.handle is not strawberry.UNSET:
        await _open_persona_handle(ctx, conn, me.member_id, data.handle)
    if data.experiences is not strawberry.UNSET:
        rows = await _experience_rows(conn, me.member_id, data.experiences or [])
        await profiles_db.replace_experiences(conn, me.member_id, rows)
    return me.member_id


async def _open_persona_handle(ctx: Context, conn: AsyncConnection, me: uuid.UUID, value) -> None:
    """``ProfileInput.handle``, kept by the contract: the open persona's address,
    claimed exactly as ``updatePublicProfile`` claims it."""
    current = await open_personas_db.load(conn, me)
    values = await open_persona.claim_handle(ctx, conn, me, current, value)
    await open_personas_db.save(conn, me, values)


async def _change_employer(
    ctx: Context, conn: AsyncConnection, me: uuid.UUID, employer: uuid.UUID | None
) -> None:
    """A new employer I hide from: what is open between me and its members ends now,
    exactly as when I switch hiding on (Promise: Company blocks and hiding are one-way)."""
    await network_db.lock_members(conn, [me])
    current, hiding = await profiles_db.employer_and_hiding(conn, me)
    if hiding and employer is not None and employer != current:
        now = ctx.now()
        withdrawn = await network_db.close_open_edges(conn, me, now, employer=employer)
        await notices.notify(ctx.settings, conn, notices.CONTACT_ENDED, withdrawn, now)


async def set_field_audience(ctx: Context, conn: AsyncConnection, field: str, audience: str):
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    if field not in PRIVATE_FIELDS:
        raise problem(
            "UNKNOWN_FIELD",
            f"No private field {field!r}. Fields: {', '.join(sorted(PRIVATE_FIELDS))}.",
            "field",
        )
    await profiles_db.set_audience(conn, me.member_id, field, audience)
    return me.member_id
