"""Profiles: reading members (closed and open personas) and editing one's own."""

from __future__ import annotations

import uuid
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from db import accounts as accounts_db
from db import network as network_db
from db import profiles as profiles_db
from db.facts import NO_FACTS
from policies import actions
from policies.fields import PRIVATE_FIELDS
from resolvers import validation
from schema import types as t
from schema.inputs import ExperienceInput, ProfileInput
from views import ids
from views.profiles import (
    PROFILE_VALUES,
    attr,
    audiences_of,
    camel,
    employer,
    view_profile,
)
from views.selection import selected
from views.standing import relation_for
from web.context import Context
from web.errors import problem

# --- reading ----------------------------------------------------------------


async def profile_by_id(ctx: Context, info, opaque_id: str) -> t.Profile | None:
    """The closed persona: logged-in viewers only; unknown and invisible answer the same."""
    if not ctx.allowed(actions.READ_NETWORK):
        return None
    return await view_profile(ctx, ids.decode(ids.PROFILE, opaque_id), selected(info))


async def public_profile(ctx: Context, info, handle: str) -> t.PublicProfile | None:
    """The open persona: PUBLIC fields only, no id and no alias."""
    clean = validation.HANDLE_RE.match(handle.strip().lower() or "-")
    if not clean:
        return None
    async with ctx.db.read() as conn:
        owner = await profiles_db.member_by_handle(conn, clean.group(0))
    if owner is None:
        return None
    row = await ctx.profiles.load(owner)
    facts = await ctx.facts.load(owner) if ctx.identity.is_member else NO_FACTS
    rel = relation_for(ctx.identity, row, facts, persona="open")
    if row is None or not ctx.authorizer.can_see(rel):
        return None
    decide = ctx.authorizer.field_decider(rel)
    audiences = audiences_of(row)
    values: dict[str, Any] = {
        attr(name): PROFILE_VALUES[name](row)
        for name in selected(info)
        if name in PROFILE_VALUES and name != "handle" and decide(name, audiences[name])
    }
    return t.PublicProfile(handle=row["handle"], **values)


async def companies(ctx: Context, search: str | None, first: int) -> list[t.Employer]:
    first = max(0, min(first, 100))
    async with ctx.db.read() as conn:
        rows = await accounts_db.search_companies(conn, (search or "").strip() or None, first)
    return [employer(r["id"], r["name"], r["sector"], r["size_band"]) for r in rows]


# --- editing one's own profile -----------------------------------------------

_TEXT_LIMITS = {
    "headline": 200,
    "summary": 4000,
    "phone": 40,
    "city": 100,
    "region": 100,
    "country": 100,
    "current_title": 200,
}


async def _company_id(conn: AsyncConnection, opaque: str | None, field: str) -> uuid.UUID | None:
    if opaque is None:
        return None
    company_id = ids.decode(ids.COMPANY, opaque)
    if company_id is None or not await profiles_db.company_exists(conn, company_id):
        raise problem("UNKNOWN_COMPANY", "No such company.", field)
    return company_id


def _skills(skills: list[str] | None) -> list[str]:
    clean: list[str] = []
    for raw in skills or []:
        skill = validation.text(raw, "skills", max_length=60)
        if skill and skill.lower() not in clean:
            clean.append(skill.lower())
    if len(clean) > 50:
        raise problem("TOO_MANY", "At most 50 skills.", "skills")
    return clean


def _salary(value) -> dict[str, Any]:
    if value is None:
        return {"salary_min": None, "salary_max": None, "salary_currency": None}
    currency = (value.currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise problem("INVALID_CURRENCY", "currency is a 3-letter ISO code.", "salaryExpectation")
    low = validation.integer(value.min, "salaryExpectation", low=0, high=100_000_000)
    high = validation.integer(value.max, "salaryExpectation", low=0, high=100_000_000)
    if low is not None and high is not None and low > high:
        raise problem("OUT_OF_RANGE", "min must not exceed max.", "salaryExpectation")
    return {"salary_min": low, "salary_max": high, "salary_currency": currency}


async def _profile_values(conn: AsyncConnection, kind: str, me: uuid.UUID, data: ProfileInput):
    """The columns to change: only the fields that were given."""
    given = {k: v for k, v in vars(data).items() if v is not strawberry.UNSET}
    values: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        if name in given:
            values[name] = validation.text(given[name], camel(name), max_length=limit)
    if "full_name" in given:
        values["full_name"] = validation.text(
            given["full_name"], "fullName", max_length=200, required=True
        )
    if "photo_url" in given:
        values["photo_url"] = validation.url(given["photo_url"], "photoUrl")
    if "seniority" in given:
        values["seniority"] = given["seniority"].value if given["seniority"] else None
    if "years_of_experience" in given:
        values["years_of_experience"] = validation.integer(
            given["years_of_experience"], "yearsOfExperience", low=0, high=70
        )
    if "skills" in given:
        values["skills"] = _skills(given["skills"])
    if "salary_expectation" in given:
        values.update(_salary(given["salary_expectation"]))
    for flag in ("open_to_opportunities", "contactable", "confidential_search"):
        if flag in given:
            if given[flag] is None:
                raise problem("REQUIRED", f"{camel(flag)} must be true or false.", camel(flag))
            values[flag] = given[flag]
    if "handle" in given:
        values["handle"] = validation.handle(given["handle"])
        holder = values["handle"] and await profiles_db.handle_owner(conn, values["handle"])
        if holder and holder != me:
            raise problem("HANDLE_TAKEN", "This handle is taken.", "handle")
    if "current_employer_id" in given:
        if kind == "RECRUITER":
            raise problem(
                "EMPLOYER_FIXED",
                "A recruiter's employer is the company of their work email.",
                "currentEmployerId",
            )
        values["current_employer_id"] = await _company_id(
            conn, given["current_employer_id"], "currentEmployerId"
        )
    return values


async def _experience_rows(conn: AsyncConnection, items: list[ExperienceInput]) -> list[dict]:
    if len(items) > 30:
        raise problem("TOO_MANY", "At most 30 experiences.", "experiences")
    rows = []
    for position, item in enumerate(items):
        rows.append(
            {
                "position": position,
                "title": validation.text(item.title, "experiences.title", max_length=200),
                "employer_id": await _company_id(conn, item.employer_id, "experiences.employerId"),
                "start": validation.text(item.start, "experiences.start", max_length=10),
                "end": validation.text(item.end, "experiences.end", max_length=10),
                "description": validation.text(
                    item.description, "experiences.description", max_length=4000
                ),
            }
        )
    return rows


async def update_profile(ctx: Context, conn: AsyncConnection, data: ProfileInput) -> uuid.UUID:
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    values = await _profile_values(conn, me.kind or "", me.member_id, data)
    if "current_employer_id" in values:
        await _change_employer(ctx, conn, me.member_id, values["current_employer_id"])
    await profiles_db.update_profile(conn, me.member_id, values)
    if data.experiences is not strawberry.UNSET:
        rows = await _experience_rows(conn, data.experiences or [])
        await profiles_db.replace_experiences(conn, me.member_id, rows)
    return me.member_id


async def _change_employer(
    ctx: Context, conn: AsyncConnection, me: uuid.UUID, employer: uuid.UUID | None
) -> None:
    """A new employer I hide from: what is open between me and its members ends now,
    exactly as when I switch hiding on (Promise: Company blocks and hiding are one-way)."""
    await network_db.lock_members(conn, [me])
    current, hiding = await profiles_db.employer_and_hiding(conn, me)
    if hiding and employer is not None and employer != current:
        await network_db.close_open_edges(conn, me, ctx.now(), employer=employer)


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
