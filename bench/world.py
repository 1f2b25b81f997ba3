"""The benchmark's data: one verified recruiter and N candidates they may all see.

Rows are bulk-inserted (no password hashing, no API round trips): only the
read path is measured. The candidates mix what a recruiter meets in practice:
default audiences, widened and narrowed choices, accepted contacts (who show
their identity) and pending requests. None of them works at the recruiter's
company, so "hide me from my current employer" hides nobody and every variant
returns the same N profiles.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from auth.identity import Identity
from db.engine import Database
from db.models import Company, Contact, Member, Profile

UNUSABLE_PASSWORD = "!"  # nobody logs in as a benchmark member

EMPLOYERS = [
    ("Northwind Analytics", "Software", "S51_200"),
    ("Globex Bank", "Banking", "S1001_5000"),
    ("Initech", "Software", "S201_1000"),
    ("Free Telecom", "Telecommunications", "S5001_PLUS"),
    ("Umbrella Health", "Healthcare", "S11_50"),
    ("Stark Logistics", "Logistics", "S1_10"),
]
REGIONS = ["Ile-de-France", "Bretagne", "Occitanie", "Hauts-de-France", "Grand Est"]
TITLES = ["Backend Engineer", "Data Engineer", "SRE", "Engineering Manager", "ML Engineer"]
SKILLS = ["python", "postgresql", "graphql", "go", "kubernetes", "react", "spark", "rust"]
SENIORITIES = ["JUNIOR", "MID", "SENIOR", "LEAD", "EXECUTIVE"]

# Member choices cycled over the candidates (index % 3): defaults, some fields
# widened, some narrowed. Identity fields stay hidden from non-contacts whatever
# their audience, which the "widened" choice exercises with fullName.
AUDIENCE_CHOICES: tuple[dict[str, str], ...] = (
    {},
    {"summary": "MEMBERS", "city": "RECRUITERS", "fullName": "RECRUITERS", "country": "MEMBERS"},
    {"headline": "CONTACTS", "skills": "ONLY_ME", "region": "MEMBERS", "currentTitle": "MEMBERS"},
)
CONTACT_EVERY = 10  # candidates 0, 10, 20... accepted a contact with the recruiter
PENDING_AT = 3  # candidates 3, 13, 23... have a pending request from the recruiter


@dataclass(frozen=True)
class World:
    viewer: Identity  # a verified recruiter
    owner_ids: list[uuid.UUID]  # the candidates, in query order
    contacts: int
    pending: int


def _contact(recruiter, candidate, company, status, now) -> dict:
    message = f"Hello from the benchmark ({status.lower()})."
    return {
        "id": uuid.uuid4(),
        "recruiter_id": recruiter,
        "candidate_id": candidate,
        "company_id": company,
        "status": status,
        "message": message,
        "created_at": now,
        "expires_at": now + timedelta(days=30),
        "responded_at": now if status == "ACCEPTED" else None,
        "share_with_ats": False,
    }


async def seed(db: Database, profiles: int, *, seed: int = 7) -> World:
    """Insert the recruiter and ``profiles`` candidates; deterministic for a given seed."""
    rnd = random.Random(seed)
    tag = uuid.uuid4().hex[:8]  # unique emails and aliases even on a non-empty database
    agency = uuid.uuid4()
    companies = [
        {
            "id": agency,
            "name": "Bench Recruiting",
            "email_domain": f"bench-{tag}.example",
            "sector": "Staffing",
            "size_band": "S11_50",
        }
    ]
    employer_ids = []
    for i, (name, sector, size) in enumerate(EMPLOYERS):
        employer_ids.append(uuid.uuid4())
        companies.append(
            {
                "id": employer_ids[-1],
                "name": name,
                "email_domain": f"employer{i}-{tag}.example",
                "sector": sector,
                "size_band": size,
            }
        )
    recruiter = uuid.uuid4()
    members = [
        {
            "id": recruiter,
            "email": f"recruiter@bench-{tag}.example",
            "password_hash": UNUSABLE_PASSWORD,
            "kind": "RECRUITER",
            "company_id": agency,
            "alias": f"bench-recruiter-{tag}",
            "email_verified_at": datetime.now(UTC),
        }
    ]
    recruiter_profile = {
        "member_id": recruiter,
        "full_name": "Rita Recruiter",
        "headline": "Hiring engineers",
        "current_employer_id": agency,
        "skills": [],
        "open_to_opportunities": False,
        "contactable": False,
        "hide_from_current_employer": False,
        "confidential_search": False,
        "audiences": {},
    }
    rows: list[dict] = []
    owner_ids: list[uuid.UUID] = []
    contacts: list[dict] = []
    now = datetime.now(UTC)
    for i in range(profiles):
        member_id = uuid.uuid4()
        owner_ids.append(member_id)
        members.append(
            {
                "id": member_id,
                "email": f"candidate{i}@mail-{tag}.example",
                "password_hash": UNUSABLE_PASSWORD,
                "kind": "CANDIDATE",
                "company_id": None,
                "alias": f"bench-{tag}-{i:05d}",
                "email_verified_at": now,
            }
        )
        years = rnd.randrange(0, 30)
        rows.append(
            {
                "member_id": member_id,
                "full_name": f"Candidate {i} Lastname",
                "headline": f"{rnd.choice(TITLES)} with {years} years",
                "summary": f"Candidate {i}: " + " ".join(rnd.sample(SKILLS, 3)),
                "photo_url": f"https://photos.example/{i}.jpg",
                "phone": f"+33 6 00 00 {i // 100:02d} {i % 100:02d}",
                "city": f"City {i % 17}",
                "region": rnd.choice(REGIONS),
                "country": "France",
                "current_title": rnd.choice(TITLES),
                "seniority": rnd.choice(SENIORITIES),
                "current_employer_id": rnd.choice(employer_ids),
                "years_of_experience": years,
                "skills": rnd.sample(SKILLS, rnd.randrange(1, 5)),
                "salary_min": 40_000 + 1_000 * (i % 40),
                "salary_max": 60_000 + 1_000 * (i % 40),
                "salary_currency": "EUR",
                "open_to_opportunities": i % 2 == 0,
                "contactable": True,
                "hide_from_current_employer": True,
                "confidential_search": False,
                "audiences": AUDIENCE_CHOICES[i % len(AUDIENCE_CHOICES)],
            }
        )
        if i % CONTACT_EVERY == 0:
            contacts.append(_contact(recruiter, member_id, agency, "ACCEPTED", now))
        elif i % CONTACT_EVERY == PENDING_AT:
            contacts.append(_contact(recruiter, member_id, agency, "PENDING", now))
    async with db.write() as conn:
        await conn.execute(insert(Company.__table__), companies)
        await conn.execute(insert(Member.__table__), members)
        await conn.execute(insert(Profile.__table__), [recruiter_profile])
        if rows:
            await conn.execute(insert(Profile.__table__), rows)
        if contacts:
            await conn.execute(insert(Contact.__table__), contacts)
    viewer = Identity(
        member_id=recruiter,
        kind="RECRUITER",
        company_id=agency,
        alias=f"bench-recruiter-{tag}",
        email_verified=True,
    )
    accepted = sum(c["status"] == "ACCEPTED" for c in contacts)
    return World(viewer, owner_ids, accepted, len(contacts) - accepted)
