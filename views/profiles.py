"""Building ``Profile`` objects: the one place where profile fields are decided.

Every resolver that returns a member goes through ``view_profiles`` (or
``build_profile`` for previews). For each profile it asks the authorizer
whether the viewer may see the member at all, then decides each *selected*
private field once; a denied field is left ``None``. The decisions are memo
lookups (see ``policies.authorizer``), so this costs about as much as plain
strawberry fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from enum import Enum
from functools import lru_cache
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

from auth.pseudonyms import audience_of
from db.facts import RawFacts
from policies import actions
from policies.authorizer import Authorizer, FieldDecider
from policies.facts import Relation
from policies.fields import (
    ALWAYS_SHOWN_PROFILE_FIELDS,
    EXPERIENCE,
    EXPERIENCE_FIELDS,
    IDENTITY_FIELDS,
    PROFILE,
    PROFILE_FIELDS,
    Audience,
    PrivateField,
    camel,
    effective_audiences,
    snake,
)
from schema import types as t
from views import ids
from views.aliases import alias_for, viewer_label
from views.selection import Tree
from views.standing import relation_for
from web.context import Context

Row = Mapping[str, Any]
E = TypeVar("E", bound=Enum)

_NARROW = frozenset({Audience.CONTACTS.value, Audience.ONLY_ME.value})


def by_value(enum: type[E]) -> Callable[[str], E]:
    """``enum(value)`` as one dict lookup: Enum's own lookup costs some 2 us, and a
    page of profiles converts a few hundred values."""
    return {member.value: member for member in enum}.__getitem__


_KIND = by_value(t.MemberKind)
_SIZE_BAND = by_value(t.SizeBand)


def employer(company_id, name, sector, size_band) -> t.Employer | None:
    if company_id is None:
        return None
    return t.Employer(
        id=ids.encode(ids.COMPANY, company_id),
        name=name,
        sector=sector,
        size_band=_SIZE_BAND(size_band) if size_band else None,
    )


def _enum(enum: type[E], key: str) -> Callable[[Row], E | None]:
    convert = by_value(enum)
    return lambda row: convert(row[key]) if row[key] else None


def _employer(key: str) -> Callable[[Row], t.Employer | None]:
    # The company's record is joined under these names, for profiles and experiences alike.
    return lambda row: employer(
        row[key], row["employer_name"], row["employer_sector"], row["employer_size_band"]
    )


def _salary(key: str) -> Callable[[Row], t.SalaryRange | None]:
    low, high, currency = f"{key}_min", f"{key}_max", f"{key}_currency"

    def read(row: Row) -> t.SalaryRange | None:
        if row[currency] is None:
            return None
        return t.SalaryRange(min=row[low], max=row[high], currency=row[currency])

    return read


def _list(key: str) -> Callable[[Row], list | None]:
    return lambda row: None if row[key] is None else list(row[key])


# How a value of each declared type that is not a plain scalar is read.
_READERS: dict[str, Callable[[str], Callable[[Row], Any]]] = {
    "Seniority": lambda key: _enum(t.Seniority, key),
    "SizeBand": lambda key: _enum(t.SizeBand, key),
    "Employer": _employer,
    "SalaryRange": _salary,
    "list[str]": _list,
}
_SCALARS = frozenset({"str", "int", "bool"})


def reader(field: PrivateField) -> Callable[[Row], Any]:
    """How a declared field's value is read from a row (``policies/fields.py``)."""
    key = field.source
    if field.coarsen is not None:
        coarsen = field.coarsen
        return lambda row: coarsen(row[key])
    if field.type in _SCALARS:
        return itemgetter(key)
    if field.type not in _READERS:
        raise RuntimeError(f"no reader for {field.name}: {field.type}")
    return _READERS[field.type](key)


# How each private field's value is read from a row; experiences are rows of their own.
PROFILE_VALUES: dict[str, Callable[[Row], Any]] = {
    f.name: reader(f) for f in PROFILE if f.name != "experiences"
}
EXPERIENCE_VALUES: dict[str, Callable[[Row], Any]] = {f.name: reader(f) for f in EXPERIENCE}


def attr(name: str) -> str:
    """The Python attribute of the strawberry type for a GraphQL field name."""
    return snake(name)


def _graphql_names(cls) -> set[str]:
    from strawberry.types.base import get_object_definition

    return {camel(f.python_name) for f in get_object_definition(cls).fields}


def check_registry(profile_type: type = t.Profile, experience_type: type = t.Experience) -> None:
    """Every field of Profile and Experience has a policy decision: fail at import otherwise.

    The declared fields are added to the types from the registry; this catches a
    field written into a type by hand.
    """
    undecided = _graphql_names(profile_type) - set(PROFILE_FIELDS) - ALWAYS_SHOWN_PROFILE_FIELDS
    experience = _graphql_names(experience_type) ^ set(EXPERIENCE_FIELDS)
    if undecided or experience:
        raise RuntimeError(
            "fields without a policy decision: "
            f"Profile {sorted(undecided)}, Experience {sorted(experience)}"
        )


check_registry()


@lru_cache(maxsize=4096)
def _audiences(kind: str, chosen: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    return {k: v.value for k, v in effective_audiences(kind, dict(chosen)).items()}


AudienceKey = tuple[str, tuple[tuple[str, str], ...]]


def audience_key(row: Row) -> AudienceKey:
    """What a profile's audiences depend on: its kind and its owner's choices."""
    return row["kind"], tuple(sorted(row["audiences"].items()))


def audiences_of(row: Row) -> Mapping[str, str]:
    """The effective audience of every private field of this profile."""
    return _audiences(*audience_key(row))


def contactability(ctx: Context, row: Row, facts, rel: Relation) -> t.Contactability:
    """What this viewer may do with the member; says nothing a refusal would not."""
    if rel.is_self:
        return t.Contactability(can_request_contact=False, reason="SELF")
    if not ctx.allowed(actions.SEND_REQUEST) or row["kind"] != "CANDIDATE":
        return t.Contactability(can_request_contact=False, reason="ONLY_RECRUITERS_INITIATE")
    if facts is not None and facts.is_contact:
        return t.Contactability(can_request_contact=False, reason="ALREADY_CONTACT")
    if facts is not None and facts.has_pending_request:
        return t.Contactability(can_request_contact=False, reason="REQUEST_PENDING")
    if not row["contactable"]:
        return t.Contactability(can_request_contact=False, reason="UNAVAILABLE")
    return t.Contactability(can_request_contact=True, reason=None)


Readers = tuple[tuple[str, Callable[[Row], Any]], ...]


class FieldPlan(NamedTuple):
    """The selected private fields a relation may read, under given audiences.

    It depends on the relation, the audiences and the selection only, never on
    a row's values: profiles that share all three share their plan.
    """

    fields: Readers  # (attribute of the strawberry type, how to read it from a row)
    experiences: Readers | None  # per experience row; None: experiences are not delivered
    narrow: frozenset[str]  # delivered fields of CONTACTS-or-narrower audience, or identity


# Coarse companions whose value may be lone: field -> the row key of its crowd.
_CROWDS = {f.name: f.crowd for f in PROFILE if f.crowd}
_EXPERIENCE_CROWDS = {f"experiences.{f.name}": f.crowd for f in EXPERIENCE if f.crowd}
# A coarse companion -> the exact field it stands for.
_EXACT = {
    **{f.name: f.coarse_of for f in PROFILE if f.coarse_of},
    **{f"experiences.{f.name}": f"experiences.{f.coarse_of}" for f in EXPERIENCE if f.coarse_of},
}


def lone_fields(row: Row, k: int) -> frozenset[str]:
    """The coarse companions of this profile whose value fewer than ``k`` companies share."""
    return frozenset(name for name, crowd in _CROWDS.items() if row[crowd] < k)


def readable(decide: FieldDecider, audiences: Mapping[str, str], name: str, lone: bool) -> bool:
    """The policy's decision on one field; for a lone coarse value, with the facts
    Promise (Coarse companions are k-anonymous) reads: may the exact field be read?"""
    if not lone:
        return decide(name, audiences[name])
    exact = _EXACT[name]
    return decide.lone(name, audiences[name], decide(exact, audiences[exact]))


def plan_fields(
    decide: FieldDecider,
    audiences: Mapping[str, str],
    tree: Tree,
    lone: frozenset[str] = frozenset(),
    k: int = 0,
) -> FieldPlan:
    """Ask the policy about each selected private field, once.

    ``lone``: this profile's coarse companions shared by fewer than ``k``
    companies; an experience's own crowd is read from its row.
    """
    fields: list[tuple[str, Callable[[Row], Any]]] = []
    experiences: Readers | None = None
    narrow: set[str] = set()
    for name in tree:
        if name in ALWAYS_SHOWN_PROFILE_FIELDS or name not in audiences:
            continue
        audience = audiences[name]
        if not readable(decide, audiences, name, name in lone):
            continue
        if name == "experiences":
            experiences = _plan_experiences(decide, audiences, tree[name], narrow, k)
        else:
            fields.append((attr(name), PROFILE_VALUES[name]))
        if audience in _NARROW or name in IDENTITY_FIELDS:
            narrow.add(name)
    return FieldPlan(tuple(fields), experiences, frozenset(narrow))


def _plan_experiences(decide, audiences, tree: Tree, narrow: set[str], k: int) -> Readers:
    allowed = []
    for name in tree:
        key = f"experiences.{name}"
        if key not in audiences or not decide(key, audiences[key]):
            continue
        read = EXPERIENCE_VALUES[name]
        crowd = _EXPERIENCE_CROWDS.get(key)
        if crowd and not readable(decide, audiences, key, lone=True):
            read = _unless_lone(read, crowd, k)
        allowed.append((attr(name), read))
        if audiences[key] in _NARROW:
            narrow.add(key)
    return tuple(allowed)


def _unless_lone(read: Callable[[Row], Any], crowd: str, k: int) -> Callable[[Row], Any]:
    """Each experience names its own employer: its value is withheld where it is lone."""
    return lambda row: read(row) if row[crowd] >= k else None


class FieldPlans:
    """The plans of one selection, each made once per relation and audiences.

    A page of profiles mostly shares a handful of relations and the default
    audiences, so most profiles reuse a plan instead of walking the selection.
    The key is derived here from the row itself, so a plan cannot be applied
    to a profile it was not made for.
    """

    def __init__(self, authorizer: Authorizer, tree: Tree, k: int) -> None:
        self._authorizer = authorizer
        self._tree = tree
        self._k = k
        self._plans: dict[tuple[Relation, AudienceKey, frozenset[str]], FieldPlan] = {}

    def __call__(self, rel: Relation, row: Row) -> FieldPlan:
        key = (rel, audience_key(row), lone_fields(row, self._k))
        plan = self._plans.get(key)
        if plan is None:
            decide = self._authorizer.field_decider(rel)
            audiences = _audiences(*key[1])
            plan = plan_fields(decide, audiences, self._tree, key[2], self._k)
            self._plans[key] = plan
        return plan


def build_profile(
    ctx: Context,
    row: Row,
    rel: Relation,
    tree: Tree,
    *,
    experiences: list[Row] | None = None,
    reach: t.Contactability | None = None,
    log_access: bool = True,
    plans: FieldPlans | None = None,
) -> t.Profile:
    """A ``Profile`` with each selected private field decided for ``rel``, under the
    id and alias this viewer's audience knows the member by (Promise: Pseudonyms
    per company): each derived once per profile, never per field, and the alias
    only when selected (unselected, strawberry never reads it).

    ``plans``: made for this ``tree``, shared by the profiles of one page.
    """
    plan = (plans or FieldPlans(ctx.authorizer, tree, ctx.settings.k_anonymity))(rel, row)
    values = {attribute: read(row) for attribute, read in plan.fields}
    if plan.experiences is not None:
        values["experiences"] = [
            t.Experience(**{attribute: read(e) for attribute, read in plan.experiences})
            for e in experiences or []
        ]
    owner = row["member_id"]
    if log_access and plan.narrow and not rel.is_self:
        owner_audience = audience_of(row["kind"], row["company_id"])
        ctx.access_log.record(
            owner, plan.narrow, viewer_label(ctx.settings, ctx.identity, owner_audience)
        )
    audience = ctx.identity.audience
    return t.Profile(
        id=ids.profile_id(ctx.settings, audience, owner),
        alias=alias_for(ctx.settings, audience, owner, row["alias"]) if "alias" in tree else "",
        kind=_KIND(row["kind"]),
        contactability=reach or t.Contactability(can_request_contact=False, reason=None),
        **values,
    )


async def view_profiles(
    ctx: Context, owner_ids: list[uuid.UUID], tree: Tree
) -> list[t.Profile | None]:
    """The closed persona of each member, as this viewer may see it (None: does not exist).

    For a member viewer the rows come with their facts in one statement (see
    ``Context.profiles``), so the facts below cost no second query.
    """
    rows = await ctx.profiles.load_many(owner_ids)
    present = [r["member_id"] for r in rows if r is not None]
    facts = dict(zip(present, await ctx.facts.load_many(present), strict=True))
    return await view_rows(ctx, rows, facts, tree)


async def can_see_members(ctx: Context, owner_ids: list[uuid.UUID]) -> list[bool]:
    """Whether each member exists for this viewer, decided as ``view_profiles`` decides it.

    Through the same loaders: building the visible ones afterwards sends no
    more SQL, and nothing is built (or written to the access log) for a
    member only looked at.
    """
    rows = await ctx.profiles.load_many(owner_ids)
    present = [r["member_id"] for r in rows if r is not None]
    facts = dict(zip(present, await ctx.facts.load_many(present), strict=True))
    return [
        row is not None
        and ctx.authorizer.can_see(relation_for(ctx.identity, row, facts[row["member_id"]]))
        for row in rows
    ]


async def view_rows(
    ctx: Context, rows: list[Row | None], facts: Mapping[uuid.UUID, RawFacts], tree: Tree
) -> list[t.Profile | None]:
    """``view_profiles`` for rows (None: no such member) and facts already in hand.

    Search gets both from its one statement: going through the loaders would
    only store them to read them back.
    """
    rels = {
        r["member_id"]: relation_for(ctx.identity, r, facts[r["member_id"]])
        for r in rows
        if r is not None
    }
    visible = {m for m, rel in rels.items() if ctx.authorizer.can_see(rel)}
    experiences: dict[uuid.UUID, list[Row]] = {}
    if "experiences" in tree and visible:
        wanted = sorted(visible)
        experiences = dict(zip(wanted, await ctx.experiences.load_many(wanted), strict=True))
    plans = FieldPlans(ctx.authorizer, tree, ctx.settings.k_anonymity)
    out: list[t.Profile | None] = []
    for row in rows:
        if row is None or row["member_id"] not in visible:
            out.append(None)
            continue
        owner = row["member_id"]
        rel = rels[owner]
        reach = contactability(ctx, row, facts[owner], rel) if "contactability" in tree else None
        out.append(
            build_profile(
                ctx, row, rel, tree, experiences=experiences.get(owner), reach=reach, plans=plans
            )
        )
    return out


async def view_profile(ctx: Context, owner_id: uuid.UUID | None, tree: Tree) -> t.Profile | None:
    if owner_id is None:
        return None
    return (await view_profiles(ctx, [owner_id], tree))[0]
