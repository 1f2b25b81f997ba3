"""At 100k candidates, each common filter is served by its index.

The world is the benchmark's (``bench.search_seed``), seeded in SQL in about
15 s. For each filter, ``EXPLAIN`` of the real statement must name one of the
indexes that serve it, and never read the whole ``profile`` or ``member``
table (the members search never returns come from a small partial index). Filters
that match a large share of candidates are served best by reading the
primary key in order and stopping after one page: that is asserted too.
"""

from __future__ import annotations

import json

from sqlalchemy import text

from auth.identity import Identity
from bench.search_seed import RARE_SECTOR, seed_candidates
from db import search as search_db
from policies.authorizer import get_authorizer
from resolvers.search import access_for, criteria
from schema.inputs import CandidateFilter
from schema.types import Seniority
from views import ids

CANDIDATES = 100_000

# (filter, the indexes any one of which must serve it)
CASES = {
    "no filter": (CandidateFilter(), {"profile_pkey"}),
    "rare skill": (CandidateFilter(skills=["skill-150"]), {"ix_profile_skills"}),
    "common skill": (CandidateFilter(skills=["python"]), {"profile_pkey"}),
    "region": (CandidateFilter(region="Region 30"), {"ix_profile_region_lower"}),
    # country is CONTACTS by default: outside contacts, only owners who widened it match.
    "country": (
        CandidateFilter(country="Portugal"),
        {"ix_profile_audience_country", "ix_profile_country_lower"},
    ),
    "seniority and more": (
        CandidateFilter(skills=["java"], region="Region 01", seniority=[Seniority.SENIOR]),
        {"ix_profile_seniority"},
    ),
    "rare sector": (
        CandidateFilter(employer_sector=RARE_SECTOR),
        {"ix_company_sector_lower", "ix_profile_current_employer"},
    ),
    "current employer": (
        CandidateFilter(current_employer_id="EMPLOYER"),
        {"ix_profile_current_employer"},
    ),
    "years": (
        CandidateFilter(min_years_of_experience=30),
        {"ix_profile_years", "ix_profile_audience_years_of_experience", "profile_pkey"},
    ),
    "open to work": (
        CandidateFilter(open_to_opportunities=True),
        {"ix_profile_audience_open_to_opportunities", "ix_profile_open"},
    ),
    "text": (CandidateFilter(text="fraud"), {"ix_profile_headline_tsv"}),
}


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def _seed(db):
    async with db.write() as conn:
        seeded = await seed_candidates(conn, CANDIDATES)
        employer = await conn.execute(
            text(
                "SELECT current_employer_id FROM profile"
                " WHERE current_employer_id IS NOT NULL AND current_employer_id <> :mine LIMIT 1"
            ),
            {"mine": seeded.company_id},
        )
        employer_id = employer.scalar_one()
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")
    return seeded, ids.encode(ids.COMPANY, employer_id)


async def _indexes_used(db, access, viewer, raw: CandidateFilter) -> tuple[set[str], bool]:
    """The indexes the plan of this search reads, and whether it reads a whole big table."""
    statement, params = search_db.statement_for(viewer, access, criteria(raw), None, 51)
    async with db.autocommit() as conn:
        compiled = statement.compile(dialect=conn.dialect)
        bound = compiled.construct_params(params)
        args = tuple(bound[name] for name in compiled.positiontup)
        result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", args)
        plan = result.scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = list(_nodes(plan[0]["Plan"]))
    used = {n["Index Name"] for n in nodes if "Index Name" in n}
    whole = any(
        n["Node Type"] == "Seq Scan" and n["Relation Name"] in {"profile", "member"} for n in nodes
    )
    return used, whole


async def test_common_filters_use_their_indexes_at_100k(db):
    seeded, employer = await _seed(db)
    identity = Identity(
        member_id=seeded.recruiter_id,
        kind="RECRUITER",
        company_id=seeded.company_id,
        email_verified=True,
    )
    access = access_for(get_authorizer(), identity, 5)
    problems = []
    for case, (raw, expected) in CASES.items():
        if raw.current_employer_id == "EMPLOYER":
            raw = CandidateFilter(current_employer_id=employer)
        used, whole = await _indexes_used(db, access, seeded.recruiter_id, raw)
        if not used & expected or whole:
            problems.append(
                f"{case}: reads {sorted(used)}{', and all of a table' if whole else ''}"
            )
    assert not problems, "\n".join(problems)
