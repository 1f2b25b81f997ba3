"""Demo data for ``make run``: companies, candidates, recruiters and contacts.

Members are created through the same functions as the API's ``signUp``,
``verifyEmail`` and ``updateProfile``, so demo accounts are exactly like real
ones (hashed passwords, random aliases, default audiences), with their mailbox
already proven (recruiters join the company of their domain then); contacts are sent and answered
through the same functions as ``sendContactRequest`` and
``respondToContactRequest`` (sharing with the ATS records a consent receipt).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from config import Settings
from db.engine import Database
from db.models import Member

DEMO_PASSWORD = "suplinks-demo-2026"

COMPANIES = [
    ("Free Telecom Demo", "telecom.example", "Telecommunications", "S5001_PLUS"),
    ("Northwind Analytics", "northwind.example", "Software", "S51_200"),
    ("Globex Bank", "globex.example", "Banking", "S1001_5000"),
    ("Initech", "initech.example", "Software", "S201_1000"),
    # Enough software companies that "Software" names none of them (k = 5 by
    # default): recruiters see a Software candidate's sector, not the size band,
    # and neither for the lone Telecommunications and Banking companies
    # (Promise (Coarse companions are k-anonymous)).
    ("Hooli Demo", "hooli.example", "Software", "S1001_5000"),
    ("Pied Piper Demo", "piedpiper.example", "Software", "S11_50"),
    ("Vandelay Software Demo", "vandelay.example", "Software", "S51_200"),
    ("Umbrella Systems Demo", "umbrella.example", "Software", "S5001_PLUS"),
]

RECRUITERS = [
    ("rita@northwind.example", "Rita Northwind", {"headline": "Hiring data engineers"}),
    (
        "sam@globex.example",
        "Sam Globex",
        {"headline": "Tech recruiting", "confidential_search": True},
    ),
    ("tom@telecom.example", "Tom Telecom", {"headline": "Talent partner"}),
]

# Open personas: their own content, written apart from the closed profiles
# (nothing below repeats a closed value); Alice's is published, Chloe's a draft.
OPEN_PERSONAS = {
    "alice@mail.example": {
        "display_name": "Alice builds",
        "headline": "Notes on databases and distributed systems",
        "summary": "I write about query planners and speak at meetups.",
        "links": ["https://alice-builds.example/blog"],
        "skills": ["sql", "distributed systems"],
        "published": True,
    },
    "chloe@mail.example": {
        "display_name": "Chloe L.",
        "headline": "Engineering management, in public",
        "published": False,
    },
}

# (email, name, employer domain, profile values, open persona handle)
CANDIDATES = [
    (
        "alice@mail.example",
        "Alice Martin",
        "telecom.example",
        {
            "headline": "Senior backend engineer",
            "summary": "Python, PostgreSQL and networks.",
            "city": "Lyon",
            "region": "Auvergne-Rhone-Alpes",
            "country": "France",
            "current_title": "Staff Engineer",
            "seniority": "SENIOR",
            "years_of_experience": 9,
            "skills": ["python", "postgresql", "graphql"],
            "open_to_opportunities": True,
        },
        "alice-builds",
    ),
    (
        "bob@mail.example",
        "Bob Durand",
        "initech.example",
        {
            "headline": "Data engineer",
            "summary": "Pipelines and warehouses at scale.",
            "city": "Paris",
            "region": "Ile-de-France",
            "country": "France",
            "current_title": "Data Engineer",
            "seniority": "MID",
            "years_of_experience": 4,
            "skills": ["python", "spark", "sql"],
            "open_to_opportunities": True,
        },
        None,
    ),
    (
        "chloe@mail.example",
        "Chloe Bernard",
        "globex.example",
        {
            "headline": "Engineering manager",
            "summary": "Leading platform teams.",
            "city": "Nantes",
            "region": "Pays de la Loire",
            "country": "France",
            "current_title": "Engineering Manager",
            "seniority": "LEAD",
            "years_of_experience": 14,
            "skills": ["leadership", "kubernetes", "go"],
        },
        "chloe-leads",
    ),
    (
        "david@mail.example",
        "David Petit",
        None,
        {
            "headline": "Junior frontend developer",
            "summary": "React and accessibility.",
            "city": "Lille",
            "region": "Hauts-de-France",
            "country": "France",
            "seniority": "JUNIOR",
            "years_of_experience": 1,
            "skills": ["typescript", "react"],
            "open_to_opportunities": True,
        },
        None,
    ),
    (
        "emma@mail.example",
        "Emma Leroy",
        "northwind.example",
        {
            "headline": "Machine learning engineer",
            "summary": "Recommendation systems.",
            "city": "Toulouse",
            "region": "Occitanie",
            "country": "France",
            "current_title": "ML Engineer",
            "seniority": "SENIOR",
            "years_of_experience": 7,
            "skills": ["python", "pytorch", "sql"],
        },
        None,
    ),
    (
        "farid@mail.example",
        "Farid Moreau",
        "telecom.example",
        {
            "headline": "Network architect",
            "summary": "5G core and routing.",
            "city": "Rennes",
            "region": "Bretagne",
            "country": "France",
            "current_title": "Network Architect",
            "seniority": "LEAD",
            "years_of_experience": 16,
            "skills": ["networking", "5g", "linux"],
        },
        None,
    ),
]


async def seed_demo(db: Database, settings: Settings, *, quiet: bool = False) -> bool:
    """Seed the demo data set if the database has no member yet; True if it did."""
    # Imported here: the demo goes through the API's own account functions.
    from db import companies as companies_db
    from db import profiles as profiles_db
    from db.company_names import name_key

    async with db.write() as conn:
        if (await conn.execute(select(func.count()).select_from(Member.__table__))).scalar():
            if not quiet:
                print("Demo data: the database already has members; nothing seeded.")
            return False
        company_ids = {}
        for name, domain, sector, size in COMPANIES:
            # Each recruiter below joins their domain's company as its first admin.
            row = await companies_db.insert_company(
                conn, name=name, key=name_key(name), domain=domain, sector=sector, size_band=size
            )
            company_ids[domain] = row["id"]
        people = {}
        for email, name, values in RECRUITERS:
            member_id = await _verified_member(settings, conn, email, name, "RECRUITER")
            await profiles_db.update_profile(conn, member_id, values)
            people[email] = member_id
        for email, name, employer, values, handle in CANDIDATES:
            member_id = await _verified_member(settings, conn, email, name, "CANDIDATE")
            extra = {"current_employer_id": company_ids.get(employer)}
            await profiles_db.update_profile(conn, member_id, {**values, **extra})
            if handle:
                await _open_persona(conn, member_id, handle, OPEN_PERSONAS.get(email, {}))
            people[email] = member_id
        rita, northwind = people["rita@northwind.example"], company_ids["northwind.example"]
        await _contact(
            conn,
            rita,
            people["alice@mail.example"],
            northwind,
            "Alice, your talk on PostgreSQL at the Lyon meetup was great. "
            "We are building a data platform and would love to chat.",
            accept=True,
        )
        await _contact(
            conn,
            people["sam@globex.example"],
            people["bob@mail.example"],
            company_ids["globex.example"],
            "Bob, your pipeline work caught my eye: we have a data role "
            "that fits your Spark experience. Open to a call?",
        )
        # Shared with Northwind's ATS: its `pipeline` (docs/ats.md) lists these two.
        await _contact(
            conn,
            rita,
            people["david@mail.example"],
            northwind,
            "David, your accessibility work on React forms is exactly what our "
            "dashboard team needs. Could we talk about a junior role?",
            accept=True,
            share=True,
        )
        await _contact(
            conn,
            rita,
            people["chloe@mail.example"],
            northwind,
            "Chloe, we are growing our platform group and need a manager who "
            "has run Kubernetes teams. Would you be open to a conversation?",
            accept=True,
            share=True,
        )
    if not quiet:
        print_logins()
    return True


async def _verified_member(settings: Settings, conn, email: str, name: str, kind: str):
    """An account as signUp creates it, its mailbox proven as verifyEmail does."""
    from auth import security
    from db import accounts as accounts_db
    from resolvers import accounts

    member_id = await accounts.create_member(
        conn,
        email=email,
        password_hash=await security.hash_password(DEMO_PASSWORD),
        kind=kind,
        full_name=name,
    )
    await accounts.prove_mailbox(
        settings, conn, await accounts_db.member_by_id(conn, member_id), email
    )
    return member_id


async def _open_persona(conn, member_id, handle: str, content: dict) -> None:
    """An open persona as updatePublicProfile and publishOpenPersona write it."""
    from db import open_personas as open_personas_db
    from db.company_names import handle_key

    values = {k: v for k, v in content.items() if k != "published"}
    await open_personas_db.save(
        conn, member_id, {"handle": handle, "handle_key": handle_key(handle), **values}
    )
    await open_personas_db.set_published(conn, member_id, content.get("published", False))


async def _contact(
    conn, recruiter_id, candidate_id, company_id, message, *, accept=False, share=False
) -> None:
    """A request sent, and answered when ``accept``, through the API's own functions
    (sharing with the company's ATS records the consent receipt, as the API does)."""
    from db import network as network_db
    from policies.authorizer import get_authorizer
    from resolvers.network import record_answer

    now = datetime.now(UTC)
    edge_id = await network_db.insert_request(
        conn,
        recruiter=recruiter_id,
        candidate=candidate_id,
        company_id=company_id,
        message=message,
        now=now,
        expires_at=now + timedelta(days=30),
    )
    if accept:
        edge = {
            "id": edge_id,
            "candidate_id": candidate_id,
            "recruiter_id": recruiter_id,
            "company_id": company_id,
        }
        await record_answer(
            conn, get_authorizer(), edge, accept=True, share_with_ats=share, now=now
        )


def print_logins() -> None:
    print(f"Demo logins, every mailbox verified (password for all: {DEMO_PASSWORD})")
    for email, name, _ in RECRUITERS:
        print(f"  recruiter  {email:<26} {name}")
    for email, name, *_ in CANDIDATES:
        print(f"  candidate  {email:<26} {name}")
