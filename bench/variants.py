"""The same GraphQL query, answered four ways (and one more to show a cost apart).

Each variant is a strawberry schema whose root field ``profiles(ids)`` loads
the same rows through the request's ``profiles`` DataLoader; they differ only
in how (and whether) the privacy policy is applied:

1. ``plain``: no policy. A plain ``Profile`` type filled straight from the rows.
2. ``policy``: the product's path. The real schema (its types, its extensions)
   plus one root field calling ``views.profiles.view_profiles``, taking and
   giving per-company pseudonymous ids (the other variants use plain row ids).
   ``policy_unlogged`` is the same without the access-log extension.
3. ``obvious``: every field has a resolver asking Oso afresh, on ORM-style
   objects (``bench.obvious``).
4. ``fresh``: the same per-field resolvers asking the product's own Oso
   afresh on its value objects (``Authorizer.ask_field``, no memo): what the
   memo alone buys.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry.tools import merge_types

import schema.schema as product
from bench.obvious import ProfileRecord, Viewer, obvious_oso
from policies.authorizer import Authorizer
from policies.fields import PROFILE
from schema import types as t
from views import ids
from views.profiles import PROFILE_VALUES, attr, audiences_of, view_profiles
from views.selection import selected
from views.standing import relation_for
from web.context import Context
from web.extensions import AccessLogWriter

Row = Mapping[str, Any]

# 15 private fields: identity, free text, coarse companions, numbers, enums, a list.
FIELDS: tuple[str, ...] = (
    "fullName",
    "headline",
    "summary",
    "email",
    "phone",
    "city",
    "region",
    "country",
    "currentTitle",
    "seniority",
    "employerSector",
    "employerSizeBand",
    "yearsOfExperience",
    "experienceBand",
    "skills",
)

QUERY = (
    "query Bench($ids: [ID!]!) {\n  profiles(ids: $ids) {\n    id\n"
    + "".join(f"    {name}\n" for name in FIELDS)
    + "  }\n}"
)


def owner_ids(opaque: list[strawberry.ID]) -> list[uuid.UUID]:
    """Plain row ids, for the variants without pseudonyms (the product's are sealed)."""
    decoded = (ids.decode(ids.PROFILE, o) for o in opaque)
    return [d for d in decoded if d is not None]


def profile_id(row: Row) -> strawberry.ID:
    return strawberry.ID(ids.encode(ids.PROFILE, row["member_id"]))


def pseudonymous_owner_ids(ctx: Context, opaque: list[strawberry.ID]) -> list[uuid.UUID]:
    """The product's decoding: each id opens under the viewer's company key, or is unknown."""
    decoded = (ids.profile_member(ctx.settings, ctx.identity.audience, o) for o in opaque)
    return [d for d in decoded if d is not None]


# -- 1. no policy ---------------------------------------------------------------


@strawberry.type(name="Profile")
class PlainProfile:
    id: strawberry.ID
    full_name: str | None
    headline: str | None
    summary: str | None
    email: str | None
    phone: str | None
    city: str | None
    region: str | None
    country: str | None
    current_title: str | None
    seniority: t.Seniority | None
    employer_sector: str | None
    employer_size_band: t.SizeBand | None
    years_of_experience: int | None
    experience_band: str | None
    skills: list[str] | None


@strawberry.type(name="Query")
class PlainQuery:
    @strawberry.field
    async def profiles(
        self, info: strawberry.Info, ids: list[strawberry.ID]
    ) -> list[PlainProfile | None]:
        rows = await info.context.profiles.load_many(owner_ids(ids))
        return [
            None
            if row is None
            else PlainProfile(
                id=profile_id(row), **{attr(f): PROFILE_VALUES[f](row) for f in FIELDS}
            )
            for row in rows
        ]


# -- 2. the product's policy path -------------------------------------------------


@strawberry.type
class BenchQuery:
    @strawberry.field
    async def profiles(
        self, info: strawberry.Info, ids: list[strawberry.ID]
    ) -> list[t.Profile | None]:
        ctx = info.context
        return await view_profiles(ctx, pseudonymous_owner_ids(ctx, ids), selected(info))


# Every variant completes its result with the product's executor (the shortcut
# for plain leaf fields), so that the ratios compare policy work only.
EXECUTOR = product.schema.execution_context_class


def policy_schema(*, access_log: bool = True) -> strawberry.Schema:
    """The product's schema (same roots, types and extensions) plus ``profiles(ids)``.

    ``access_log=False`` drops the extension that records, in one insert per
    request, who received which narrow-audience field: it shows what that
    write costs apart from the decisions themselves.
    """
    extensions = [e for e in product.schema.extensions if access_log or e is not AccessLogWriter]
    return product.SuplinksSchema(
        query=merge_types("Query", (product.Query, BenchQuery)),
        mutation=product.Mutation,
        types=[t.Profile],
        extensions=extensions,
        execution_context_class=EXECUTOR,
    )


# -- 3 and 4. a fresh policy question in every field's resolver -------------------


@strawberry.type(name="Profile")
class GuardedProfile:
    """Each field asks ``allowed(field)`` when strawberry resolves it."""

    id: strawberry.ID
    row: strawberry.Private[Row]
    allowed: strawberry.Private[Callable[[str], bool]]

    def _read(self, name: str) -> Any:
        return PROFILE_VALUES[name](self.row) if self.allowed(name) else None

    @strawberry.field
    def full_name(self) -> str | None:
        return self._read("fullName")

    @strawberry.field
    def headline(self) -> str | None:
        return self._read("headline")

    @strawberry.field
    def summary(self) -> str | None:
        return self._read("summary")

    @strawberry.field
    def email(self) -> str | None:
        return self._read("email")

    @strawberry.field
    def phone(self) -> str | None:
        return self._read("phone")

    @strawberry.field
    def city(self) -> str | None:
        return self._read("city")

    @strawberry.field
    def region(self) -> str | None:
        return self._read("region")

    @strawberry.field
    def country(self) -> str | None:
        return self._read("country")

    @strawberry.field
    def current_title(self) -> str | None:
        return self._read("currentTitle")

    @strawberry.field
    def seniority(self) -> t.Seniority | None:
        return self._read("seniority")

    @strawberry.field
    def employer_sector(self) -> str | None:
        return self._read("employerSector")

    @strawberry.field
    def employer_size_band(self) -> t.SizeBand | None:
        return self._read("employerSizeBand")

    @strawberry.field
    def years_of_experience(self) -> int | None:
        return self._read("yearsOfExperience")

    @strawberry.field
    def experience_band(self) -> str | None:
        return self._read("experienceBand")

    @strawberry.field
    def skills(self) -> list[str] | None:
        return self._read("skills")


# Promise (Coarse companions are k-anonymous), as the product applies it: a coarse
# companion whose value fewer than k companies share (its row's crowd) reads only
# where the exact field it stands for does. Every variant honours it, so that they
# all return the same data (the policy path's own rule: views.profiles.readable).
_CROWDS = {f.name: (f.crowd, f.coarse_of) for f in PROFILE if f.crowd}


def _k_anonymous(
    ask: Callable[[str], bool], lone: Callable[[str, str], bool], row: Row, k: int
) -> Callable[[str], bool]:
    """``ask`` for every field, with a lone coarse companion decided by ``lone(field,
    exact)`` instead (the obvious way: asked afresh for every field of every row)."""

    def allowed(name: str) -> bool:
        crowd = _CROWDS.get(name)
        if crowd is None or row[crowd[0]] >= k:
            return ask(name)
        return lone(name, crowd[1])

    return allowed


async def _rows_and_facts(ctx: Context, opaque: list[strawberry.ID]):
    rows = await ctx.profiles.load_many(owner_ids(opaque))
    present = [r["member_id"] for r in rows if r is not None]
    facts = dict(zip(present, await ctx.facts.load_many(present), strict=True))
    return rows, facts


_OSO = obvious_oso()


@strawberry.type(name="Query")
class ObviousQuery:
    @strawberry.field
    async def profiles(
        self, info: strawberry.Info, ids: list[strawberry.ID]
    ) -> list[GuardedProfile | None]:
        rows, facts = await _rows_and_facts(info.context, ids)
        viewer = Viewer(info.context.identity)
        out: list[GuardedProfile | None] = []
        for row in rows:
            if row is None:
                out.append(None)
                continue
            record = ProfileRecord(row, facts[row["member_id"]], audiences_of(row))
            if not _OSO.query_rule_once("allow", viewer, "see", record):
                out.append(None)
                continue
            ask = functools.partial(_OSO.query_rule_once, "allow_field", viewer, "read", record)
            allowed = _k_anonymous(
                ask,
                lambda name, exact, ask=ask: ask(name) and ask(exact),
                row,
                info.context.settings.k_anonymity,
            )
            out.append(GuardedProfile(id=profile_id(row), row=row, allowed=allowed))
        return out


def _fresh_decider(authorizer: Authorizer, rel, audiences: Mapping[str, str], row: Row, k: int):
    def ask(name: str) -> bool:
        return authorizer.ask_field(rel, name, audiences[name])

    def lone(name: str, exact: str) -> bool:
        return authorizer.ask_field(rel, name, audiences[name], True, ask(exact))

    return _k_anonymous(ask, lone, row, k)


@strawberry.type(name="Query")
class FreshQuery:
    @strawberry.field
    async def profiles(
        self, info: strawberry.Info, ids: list[strawberry.ID]
    ) -> list[GuardedProfile | None]:
        ctx: Context = info.context
        rows, facts = await _rows_and_facts(ctx, ids)
        out: list[GuardedProfile | None] = []
        for row in rows:
            if row is None:
                out.append(None)
                continue
            rel = relation_for(ctx.identity, row, facts[row["member_id"]])
            if not ctx.authorizer.ask_see(rel):
                out.append(None)
                continue
            ask = _fresh_decider(
                ctx.authorizer, rel, audiences_of(row), row, ctx.settings.k_anonymity
            )
            out.append(GuardedProfile(id=profile_id(row), row=row, allowed=ask))
        return out


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    schema: strawberry.Schema
    # Takes and gives the product's per-company pseudonyms (the others: plain row ids),
    # so the policy path's ratio includes sealing and opening every id.
    pseudonymous: bool = False


def variants() -> list[Variant]:
    """The variants, in table order."""
    return [
        Variant(
            "plain",
            "1. no policy (plain strawberry fields)",
            strawberry.Schema(PlainQuery, execution_context_class=EXECUTOR),
        ),
        Variant(
            "policy",
            "2. policy path (view_profiles, memoized Oso, per-company ids)",
            policy_schema(),
            pseudonymous=True,
        ),
        Variant(
            "policy_unlogged",
            "2b. policy path without the access-log insert",
            policy_schema(access_log=False),
            pseudonymous=True,
        ),
        Variant(
            "obvious",
            "3. obvious: fresh Oso query per field, ORM-style objects",
            strawberry.Schema(ObviousQuery, execution_context_class=EXECUTOR),
        ),
        Variant(
            "fresh",
            "4. fresh Oso query per field, value objects (no memo)",
            strawberry.Schema(FreshQuery, execution_context_class=EXECUTOR),
        ),
    ]
