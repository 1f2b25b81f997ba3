"""Helpers for the search tests: rows written straight to the tables, in few statements.

The API builds what it can (companies, accounts, profiles, audiences); edges
that other areas own (contacts, blocks) and large numbers of candidates are
inserted here directly, exactly as those areas store them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, update

from db.engine import Database
from db.models import Company, CompanyBlock, Contact, Member, MemberBlock, Profile
from views import ids

SEARCH = """
query($f: CandidateFilter, $first: Int, $after: String) {
  searchCandidates(filter: $f, first: $first, after: $after) {
    edges { cursor node { id alias region skills headline openToOpportunities } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def uid(opaque: str | uuid.UUID) -> uuid.UUID:
    """The row id behind a test's handle (``candidate``) or an opaque company id."""
    if isinstance(opaque, uuid.UUID):
        return opaque
    decoded = ids.decode(ids.PROFILE, opaque) or ids.decode(ids.COMPANY, opaque)
    assert decoded is not None, opaque
    return decoded


def contact_row(recruiter: uuid.UUID, candidate: uuid.UUID, company: uuid.UUID, status: str):
    now = datetime.now(UTC)
    return {
        "id": uuid.uuid4(),
        "recruiter_id": recruiter,
        "candidate_id": candidate,
        "company_id": company,
        "status": status,
        "message": "Hello, would you like to talk?",
        "created_at": now,
        "expires_at": now + timedelta(days=30),
        "share_with_ats": False,
    }


async def add_contact(
    db: Database, recruiter: str, candidate: str, company: str, status: str = "ACCEPTED"
) -> None:
    await add_contacts(db, recruiter, [uid(candidate)], company, status)


async def add_contacts(
    db: Database,
    recruiter: str,
    candidates: list[uuid.UUID],
    company: str,
    status: str = "ACCEPTED",
) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(Contact.__table__),
            [contact_row(uid(recruiter), c, uid(company), status) for c in candidates],
        )


async def block_member(db: Database, blocker: str, blocked: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(MemberBlock.__table__),
            [{"blocker_id": uid(blocker), "blocked_id": uid(blocked)}],
        )


async def block_company(db: Database, blocker: str, company: str) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(CompanyBlock.__table__),
            [{"blocker_id": uid(blocker), "company_id": uid(company)}],
        )


async def set_profile(db: Database, member: str, **values) -> None:
    """Profile columns the API of another area sets (e.g. hide_from_current_employer)."""
    async with db.write() as conn:
        await conn.execute(
            update(Profile.__table__).where(Profile.member_id == uid(member)).values(**values)
        )


async def delete_member(db: Database, member: str) -> None:
    """As ``deleteAccount`` does: the row goes, and everything of the member with it."""
    async with db.write() as conn:
        await conn.execute(delete(Member.__table__).where(Member.id == uid(member)))


async def insert_candidates(db: Database, count: int, **profile) -> list[uuid.UUID]:
    """``count`` candidates with the same profile values (defaults: default audiences)."""
    member_ids = [uuid.uuid4() for _ in range(count)]
    async with db.write() as conn:
        await conn.execute(
            insert(Member.__table__),
            [
                {
                    "id": m,
                    "email": f"{m.hex}@bulk.example",
                    "password_hash": "not-a-hash",
                    "kind": "CANDIDATE",
                    "alias": f"Bulk {m.hex[:12]}",
                }
                for m in member_ids
            ],
        )
        await conn.execute(
            insert(Profile.__table__),
            [
                {
                    "member_id": m,
                    "full_name": "Bulk Person",
                    "open_to_opportunities": False,
                    "contactable": True,
                    "hide_from_current_employer": True,
                    "confidential_search": False,
                    "skills": [],
                    "audiences": {},
                    **profile,
                }
                for m in member_ids
            ],
        )
    return member_ids


async def insert_company(db: Database, sector: str = "Software") -> uuid.UUID:
    company = uuid.uuid4()
    async with db.write() as conn:
        await conn.execute(
            insert(Company.__table__),
            [
                {
                    "id": company,
                    "name": f"Company {company.hex[:6]}",
                    "email_domain": f"{company.hex[:12]}.example",
                    "sector": sector,
                    "size_band": "S51_200",
                }
            ],
        )
    return company


async def candidate(db: Database, audiences: dict[str, str] | None = None, **profile) -> str:
    """One candidate (stored as the API stores them); returns a handle for the test
    (their row id in the shape of an opaque id: what ``found`` gives back)."""
    (member,) = await insert_candidates(db, 1, audiences=audiences or {}, **profile)
    return ids.encode(ids.PROFILE, member)


def handle(api, opaque: str, viewer) -> str:
    """The test's handle of a profile id ``viewer`` was given (see ``candidate``)."""
    member = api.uuid_seen(opaque, viewer)
    assert member is not None, opaque
    return ids.encode(ids.PROFILE, member)


async def add_peer_companies(db: Database, sector: str, size_band: str, n: int = 5) -> None:
    """``n`` more registered companies in this sector and size band, so that the pair is
    no longer lone (Promise (Coarse companions are k-anonymous), k = 5 by default)."""
    rows = [
        {
            "id": uuid.uuid4(),
            "name": f"Peer {sector} {i}",
            "email_domain": f"peer-{uuid.uuid4().hex[:12]}.example",
            "sector": sector,
            "size_band": size_band,
        }
        for i in range(n)
    ]
    if rows:
        async with db.write() as conn:
            await conn.execute(insert(Company.__table__), rows)
