"""Profiles and experiences: the rows behind the ``Profile`` type."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection

from db.engine import one_of
from db.facts import RawFacts, fact_columns, facts_of
from db.models import Company, Experience, Member, Profile

company = Company.__table__
member = Member.__table__
profile = Profile.__table__
experience = Experience.__table__

_employer = company.alias("employer")


def crowd(employer, *, with_size_band: bool):
    """How many registered companies share ``employer``'s sector (and size band):
    the fact behind Promise (Coarse companions are k-anonymous). Counted per row,
    on the index of migration 0007, so that it is never stale; sectors compare
    case-insensitively, as search filters them. No employer: 0."""
    peers = company.alias("peers")
    same = [func.lower(peers.c.sector) == func.lower(employer.c.sector)]
    if with_size_band:
        same.append(peers.c.size_band == employer.c.size_band)
    return select(func.count()).select_from(peers).where(*same).scalar_subquery()


# One row per member: the profile, what the account adds (kind, alias, email)
# and the current employer's canonical record with its crowds.
PROFILE_COLUMNS = (
    *(c for c in profile.c if not c.name.endswith("_tsv")),
    member.c.kind,
    member.c.alias,
    member.c.email,
    member.c.company_id,
    _employer.c.name.label("employer_name"),
    _employer.c.sector.label("employer_sector"),
    _employer.c.size_band.label("employer_size_band"),
    crowd(_employer, with_size_band=False).label("sector_crowd"),
    crowd(_employer, with_size_band=True).label("pair_crowd"),
)


def _profile_rows():
    """Profiles with their accounts and current employers (the FROM of a profile row)."""
    return profile.join(member, member.c.id == profile.c.member_id).outerjoin(
        _employer, _employer.c.id == profile.c.current_employer_id
    )


def profile_query():
    return select(*PROFILE_COLUMNS).select_from(_profile_rows())


async def load_profiles(conn: AsyncConnection, member_ids: list[uuid.UUID]) -> dict:
    """Live members' profiles by id, in one query; deleted or unknown ids are absent."""
    result = await conn.execute(profile_query().where(one_of(profile.c.member_id, member_ids)))
    return {row["member_id"]: row for row in result.mappings()}


async def load_profiles_seen_by(
    conn: AsyncConnection, viewer_id: uuid.UUID, member_ids: list[uuid.UUID], now: datetime
) -> tuple[dict, dict[uuid.UUID, RawFacts]]:
    """Live members' profiles and the viewer's facts towards each, in one statement.

    The facts are computed for every id asked, whether it names a member or not
    (the ids drive the statement, the profiles are joined to them): a refusal
    for an unknown or deleted id then costs what one for a hidden member costs
    (Promise (Hidden members do not exist); ``bench/refusals.py`` measures it).
    """
    wanted = (
        func.unnest(bindparam("wanted", member_ids, type_=ARRAY(UUID(as_uuid=True))))
        .table_valued("member_id")
        .render_derived(name="wanted")
    )
    statement = select(*PROFILE_COLUMNS, *fact_columns("wanted")).select_from(
        wanted.outerjoin(_profile_rows(), profile.c.member_id == wanted.c.member_id)
    )
    result = await conn.execute(statement, {"viewer": viewer_id, "now": now})
    rows = {row["member_id"]: row for row in result.mappings() if row["member_id"] is not None}
    return rows, {member_id: facts_of(row) for member_id, row in rows.items()}


async def load_experiences(conn: AsyncConnection, member_ids: list[uuid.UUID]) -> dict:
    result = await conn.execute(
        select(
            experience,
            company.c.name.label("employer_name"),
            company.c.sector.label("employer_sector"),
            company.c.size_band.label("employer_size_band"),
            crowd(company, with_size_band=False).label("sector_crowd"),
        )
        .select_from(experience.outerjoin(company, company.c.id == experience.c.employer_id))
        .where(one_of(experience.c.member_id, member_ids))
        .order_by(experience.c.member_id, experience.c.position)
    )
    grouped: dict[uuid.UUID, list] = defaultdict(list)
    for row in result.mappings():
        grouped[row["member_id"]].append(row)
    return grouped


async def update_profile(conn: AsyncConnection, member_id: uuid.UUID, values: dict) -> None:
    if values:
        await conn.execute(
            update(profile)
            .where(profile.c.member_id == member_id)
            .values(**values, updated_at=func.now())
        )


async def employer_and_hiding(conn: AsyncConnection, member_id: uuid.UUID) -> tuple:
    """The member's current employer and their "hide me from my current employer" choice."""
    result = await conn.execute(
        select(profile.c.current_employer_id, profile.c.hide_from_current_employer).where(
            profile.c.member_id == member_id
        )
    )
    return tuple(result.one())


async def set_audience(conn: AsyncConnection, member_id: uuid.UUID, field: str, audience: str):
    await conn.execute(
        update(profile)
        .where(profile.c.member_id == member_id)
        .values(audiences=profile.c.audiences.op("||")(func.jsonb_build_object(field, audience)))
    )


async def company_exists(conn: AsyncConnection, company_id: uuid.UUID) -> bool:
    result = await conn.execute(select(company.c.id).where(company.c.id == company_id))
    return result.first() is not None


async def replace_experiences(conn: AsyncConnection, member_id: uuid.UUID, rows: list[dict]):
    await conn.execute(delete(experience).where(experience.c.member_id == member_id))
    if rows:
        await conn.execute(
            insert(experience), [{"id": uuid.uuid4(), "member_id": member_id, **r} for r in rows]
        )
