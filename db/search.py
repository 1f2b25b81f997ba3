"""Candidate search: rows, filters, order and one page, in one SQL statement.

Nothing here decides privacy. The caller (``resolvers.search``) hands over an
``Access`` built from the policy's answers: the relationship tiers a visible
candidate can be in (an accepted contact of the viewer, or not), and for each
tier and field the audiences the viewer may read. This module only turns that
into SQL:

- one branch per tier, ``UNION ALL``-ed: a row is in exactly one tier, and
  inside its branch "may read F" is a plain ``audience of F IN (...)`` test,
  so every clause on a field F is ``<F matches> AND <F readable in this tier>``;
- the effective audience of F is the owner's choice, else the default;
- ranking and the page boundary use only what the branch may read.

The branches filter and sort narrow keys (member id, tier, relevance) over
``profile`` alone: a common word matches thousands of rows, and carrying
whole rows, or joining ``member`` for each, through that sort is what made a
search slow. Only the page's keys are then joined to the same
``profile_query`` rows that ``Profile`` objects are built from, with the
facts the page needs (``is_contact``, ``has_pending_request``), so that the
resolver builds the page from them with no more SQL. When no clause depends
on the tier (no filter), both tiers share one branch.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    TextClause,
    bindparam,
    false,
    select,
    text,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, REAL, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from db.facts import HIDING_FACTS, contact_in_state, pending_request, viewer_edges
from db.models import SEARCHED_FIELDS, Company, Profile
from db.profiles import profile_query
from db.sqlguard import literal
from fastpaths import fetch_mappings

# The owner's profile row is the table ``profile`` in ``profile_query``; its
# current employer is the alias ``employer``.
IS_CONTACT = contact_in_state("profile", "ACCEPTED")
_QUERY = "websearch_to_tsquery('english', :text)"
# The audiences a clause may name (those of ``policies.fields.Audience``: db/
# does not import policies/, a test compares them).
AUDIENCES = frozenset({"MEMBERS", "RECRUITERS", "CONTACTS", "ONLY_ME"})
profile = Profile.__table__
_employer = Company.__table__.alias("employer")
# How many registered companies share the sector a search filters on: under k it is
# lone, and matched only where the employer itself is readable (``db.profiles.crowd``).
_SECTOR_CROWD = (
    "(SELECT count(*) FROM company AS peers WHERE lower(peers.sector) = lower(:employer_sector))"
)


@dataclass(frozen=True)
class Tier:
    """Candidates in one relationship to the viewer, and what the viewer may read of them."""

    contact: bool  # accepted contacts of the viewer, or everyone else
    readable: tuple[tuple[str, frozenset[str]], ...]  # field -> audiences readable here
    # The facts (keys of ``db.facts.HIDING_FACTS``) that hide a candidate of this tier.
    hidden_by: tuple[str, ...]
    # Coarse field -> audiences readable when its value is lone (shared by fewer
    # than k companies) and the exact field is readable: Promise (Coarse
    # companions are k-anonymous).
    lone: tuple[tuple[str, frozenset[str]], ...] = ()

    def audiences(self, name: str, lone: bool = False) -> frozenset[str]:
        return dict(self.lone if lone else self.readable)[name]


@dataclass(frozen=True)
class Access:
    """The tiers of candidates the viewer may see (absent tier: none of those rows)."""

    defaults: tuple[tuple[str, str], ...]  # field -> audience where the owner chose none
    tiers: tuple[Tier, ...]
    k_anonymity: int = 5  # the least crowd a coarse value may be matched in


@dataclass(frozen=True)
class Criteria:
    """A normalized filter; None or empty means "no clause"."""

    skills: tuple[str, ...] = ()  # lower-cased, all of
    region: str | None = None
    country: str | None = None
    seniority: tuple[str, ...] = ()  # any of
    employer_sector: str | None = None
    employer_id: uuid.UUID | None = None
    min_years: int | None = None  # exact years, where yearsOfExperience is readable
    band_floor: int | None = None  # years from which the experience band alone proves min_years
    open_to_opportunities: bool | None = None
    text: str | None = None


@dataclass(frozen=True)
class After:
    """Where the previous page ended: the last row's sort key."""

    member_id: uuid.UUID
    rank: float | None = None  # present when the search has text


def readable(access: Access, tier: Tier, name: str, lone: bool = False) -> str:
    """SQL: the row's effective audience of ``name`` is one this tier may read.

    Equal to ``coalesce(audiences ->> name, default) IN (...)``, but written on
    the bare ``audiences ->> name``, whose statistics (migration 0002) give
    the planner true row counts whatever the default is.
    """
    chosen = f"(profile.audiences ->> {literal(name, SEARCHED_FIELDS)})"
    audiences = tier.audiences(name, lone)
    if not audiences:
        return "false"
    values = ", ".join(literal(a, AUDIENCES) for a in sorted(audiences))
    if dict(access.defaults)[name] in audiences:
        return f"({chosen} IN ({values}) OR {chosen} IS NULL)"
    return f"{chosen} IN ({values})"


def _clauses(access: Access, tier: Tier, shape: frozenset[str]) -> list[str]:
    """One SQL clause per criterion present; each requires its field to be readable."""

    def r(name: str) -> str:
        return readable(access, tier, name)

    out = []
    if "skills" in shape:
        out.append(f"profile.skills @> CAST(:skills AS varchar[]) AND {r('skills')}")
    if "region" in shape:
        out.append(f"lower(profile.region) = lower(:region) AND {r('region')}")
    if "country" in shape:
        out.append(f"lower(profile.country) = lower(:country) AND {r('country')}")
    if "seniority" in shape:
        out.append(f"profile.seniority = ANY(:seniority) AND {r('seniority')}")
    if "employer_sector" in shape:
        # Every row this filter matches has the filtered sector, so one crowd for all.
        lone = f"({r('currentEmployer')} AND {readable(access, tier, 'employerSector', True)})"
        out.append(
            f"lower(employer.sector) = lower(:employer_sector) AND {r('employerSector')}"
            f" AND ({_SECTOR_CROWD} >= :k_anonymity OR {lone})"
        )
    if "employer_id" in shape:
        out.append(f"profile.current_employer_id = :employer_id AND {r('currentEmployer')}")
    if "min_years" in shape:
        years = f"({r('yearsOfExperience')} AND profile.years_of_experience >= :min_years)"
        if "band_floor" in shape:
            band = f"({r('experienceBand')} AND profile.years_of_experience >= :band_floor)"
            years = f"({years} OR {band})"
        out.append(years)
    if "open_to_opportunities" in shape:
        out.append(
            f"profile.open_to_opportunities = :open_to_opportunities AND {r('openToOpportunities')}"
        )
    if "text" in shape:
        out.append(
            f"(({r('headline')} AND profile.headline_tsv @@ {_QUERY})"
            f" OR ({r('summary')} AND profile.summary_tsv @@ {_QUERY}))"
        )
    return [f"({clause})" for clause in out]


def rank_expression(access: Access, tier: Tier) -> str:
    """Relevance from readable fields only: the sum of each readable field's ``ts_rank``."""
    return (
        f"(CASE WHEN {readable(access, tier, 'headline')}"
        f" THEN ts_rank(profile.headline_tsv, {_QUERY}) ELSE 0 END"
        f" + CASE WHEN {readable(access, tier, 'summary')}"
        f" THEN ts_rank(profile.summary_tsv, {_QUERY}) ELSE 0 END)"
    )


_TYPES = {
    "viewer": UUID(as_uuid=True),
    "skills": ARRAY(String()),
    "seniority": ARRAY(String()),
    "employer_id": UUID(as_uuid=True),
    "min_years": Integer(),
    "band_floor": Integer(),
    "open_to_opportunities": Boolean(),
    "after_id": UUID(as_uuid=True),
    "after_rank": REAL(),
    "k_anonymity": Integer(),
}


def _sql(fragment: str) -> TextClause:
    """A SQL fragment with its parameters typed (``::type`` casts are not parameters)."""
    names = set(re.findall(r"(?<!:):([a-z_]+)", fragment))
    return text(fragment).bindparams(*(bindparam(n, type_=_TYPES.get(n)) for n in names))


def _tier_conditions(
    access: Access, tier: Tier, shape: frozenset[str], paged: bool
) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """What a row of this tier must satisfy (clauses, page boundary), its rank,
    and the facts that hide it."""
    rank = rank_expression(access, tier) if "text" in shape else "NULL::real"
    where = _clauses(access, tier, shape)
    if paged:
        where.append(
            f"({rank} < :after_rank OR ({rank} = :after_rank AND profile.member_id > :after_id))"
            if "text" in shape
            else "profile.member_id > :after_id"
        )
    return tuple(where), rank, tier.hidden_by


# Members search never returns: recruiters, a small set (a partial index holds
# it, migrations 0003 and 0009). A deleted account has no row left to exclude.
NOT_SEARCHABLE = "SELECT id FROM member WHERE kind <> 'CANDIDATE'"


def excluded(contact: bool | None, hidden_by: tuple[str, ...]) -> str:
    """SQL: the rows a branch leaves out, as one set of member ids probed per row.

    Members whom one of the ``hidden_by`` facts hides from the viewer (the
    policy's answer: blocks either way, one-way company hiding), members
    search never returns, and for the other tier the viewer's accepted
    contacts: one hashed set built once per statement, instead of a probe per
    rule. The contacts' branch starts from the viewer's (few) accepted
    contacts instead.
    """
    sets = [*(HIDING_FACTS[name]() for name in hidden_by), NOT_SEARCHABLE]
    if contact is False:
        sets.append(viewer_edges("ACCEPTED"))
    rows = [f"profile.member_id NOT IN ({' UNION ALL '.join(sets)})"]
    if contact:
        rows.append(f"profile.member_id = ANY(ARRAY({viewer_edges('ACCEPTED')}))")
    return " AND ".join(rows)


def _branch(
    where: tuple[str, ...],
    rank: str,
    hidden_by: tuple[str, ...],
    contact: bool | None,
    shape: frozenset[str],
) -> Select:
    """The best keys of one tier (``contact``), or of all of them (None), on their own.

    Only the sort key travels: the rows are narrow while the statement filters
    and sorts every match, and the page's full rows are joined afterwards.
    """
    conditions = [
        excluded(contact, hidden_by),
        "profile.contactable",
        "profile.member_id <> :viewer",
        *where,
    ]
    order = f"{rank} DESC, profile.member_id" if "text" in shape else "profile.member_id"
    is_contact = _sql(IS_CONTACT) if contact is None else (true() if contact else false())
    source = profile
    if "employer_sector" in shape:
        source = profile.outerjoin(_employer, _employer.c.id == profile.c.current_employer_id)
    return (
        select(
            profile.c.member_id,
            type_coerce(is_contact, Boolean()).label("is_contact"),
            type_coerce(_sql(rank), REAL()).label("rank"),
        )
        .select_from(source)
        .where(_sql(" AND ".join(conditions)))
        .order_by(_sql(order))
        .limit(bindparam("limit", type_=Integer()))
    )


@lru_cache(maxsize=1024)
def _statement(access: Access, shape: frozenset[str], paged: bool) -> Select | None:
    """One statement per shape of search: which criteria, first page or not."""
    tiers = {tier.contact: _tier_conditions(access, tier, shape, paged) for tier in access.tiers}
    if not tiers:
        return None
    if set(tiers) == {True, False} and len(set(tiers.values())) == 1:
        # Both tiers ask the same of their rows (no clause reads a field): one branch.
        branches = [_branch(*tiers[True], None, shape)]
    else:
        branches = [_branch(*conditions, contact, shape) for contact, conditions in tiers.items()]
    if len(branches) == 1:
        keys = branches[0]
    else:
        both = union_all(*branches).subquery("tiers")
        keys = select(both).order_by(*_order(both.c, shape)).limit(bindparam("limit"))
    hits = keys.subquery("hits")
    pending = type_coerce(_sql(pending_request("profile")), Boolean())
    return (
        profile_query()
        .join(hits, hits.c.member_id == profile.c.member_id)
        .add_columns(hits.c.is_contact, hits.c.rank, pending.label("has_pending_request"))
        .order_by(*_order(hits.c, shape))
    )


def _order(columns, shape: frozenset[str]) -> tuple:
    """Best first: relevance when the search has text, then the member id."""
    if "text" in shape:
        return (columns.rank.desc(), columns.member_id)
    return (columns.member_id,)


def statement_for(
    viewer_id: uuid.UUID,
    access: Access,
    criteria: Criteria,
    after: After | None,
    limit: int,
    now: datetime | None = None,
) -> tuple[Select, dict] | None:
    """The statement of this search and its parameters (None: the viewer may see no one)."""
    values = {
        f.name: getattr(criteria, f.name)
        for f in fields(criteria)
        if getattr(criteria, f.name) not in (None, ())
    }
    statement = _statement(access, frozenset(values), after is not None)
    if statement is None:
        return None
    params = {**values, "viewer": viewer_id, "limit": limit, "now": now or datetime.now(UTC)}
    for name in ("skills", "seniority"):
        if name in params:
            params[name] = list(params[name])
    if "employer_sector" in params:
        params["k_anonymity"] = access.k_anonymity
    if after is not None:
        params["after_id"] = after.member_id
        if "text" in values:
            params["after_rank"] = after.rank
    return statement, params


async def search_candidates(
    conn: AsyncConnection,
    viewer_id: uuid.UUID,
    access: Access,
    criteria: Criteria,
    after: After | None,
    limit: int,
    now: datetime | None = None,
) -> list[Mapping]:
    """Up to ``limit`` candidate rows after ``after``, best first; one statement."""
    prepared = statement_for(viewer_id, access, criteria, after, limit, now)
    if prepared is None:
        return []
    return await fetch_mappings(conn, *prepared)
