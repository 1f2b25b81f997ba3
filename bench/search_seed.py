"""Many candidates, fast: one INSERT ... SELECT over generate_series per table.

Used by the search benchmark and by the EXPLAIN test. The world looks like a
real one: most candidates keep the default audiences, some widen or narrow a
few fields; skills, regions and words follow skewed distributions (a few
common, many rare); a few are not contactable or block someone.
Values are drawn with ``setseed`` so that two runs build the same world.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.sqlguard import integer

SECTORS = [
    "Software",
    "Telecommunications",
    "Banking",
    "Insurance",
    "Retail",
    "Energy",
    "Healthcare",
    "Media",
    "Transport",
    "Public sector",
    "Consulting",
    "Manufacturing",
]
RARE_SECTOR = "Aerospace"  # 3 companies of 300: about 1% of candidates
SIZE_BANDS = ["S1_10", "S11_50", "S51_200", "S201_1000", "S1001_5000", "S5001_PLUS"]
SENIORITIES = ["JUNIOR", "MID", "SENIOR", "LEAD", "EXECUTIVE"]
REGIONS = [f"Region {i:02d}" for i in range(40)]
COUNTRIES = ["France", "Germany", "Spain", "Italy", "Belgium", "Netherlands", "Portugal"]
COMMON_SKILLS = [
    "python",
    "java",
    "javascript",
    "typescript",
    "sql",
    "postgresql",
    "go",
    "rust",
    "kotlin",
    "swift",
    "react",
    "graphql",
    "kubernetes",
    "terraform",
    "aws",
    "gcp",
    "azure",
    "docker",
    "linux",
    "spark",
]
SKILLS = COMMON_SKILLS + [f"skill-{i:03d}" for i in range(280)]
# Real words first (the likelier picks), then a long tail of made-up ones ("zx1234"):
# 5,000 words in all, whose document frequencies range from most profiles to a few dozen.
WORDS = [
    "engineer",
    "developer",
    "backend",
    "frontend",
    "platform",
    "data",
    "analyst",
    "scientist",
    "manager",
    "lead",
    "architect",
    "designer",
    "product",
    "mobile",
    "cloud",
    "security",
    "network",
    "infrastructure",
    "reliability",
    "machine",
    "learning",
    "payments",
    "banking",
    "telecom",
    "retail",
    "logistics",
    "growth",
    "marketing",
    "sales",
    "finance",
    "operations",
    "support",
    "quality",
    "testing",
    "automation",
    "devops",
    "distributed",
    "systems",
    "scalable",
    "services",
    "api",
    "microservices",
    "database",
    "streaming",
    "analytics",
    "research",
    "startup",
    "enterprise",
    "consulting",
    "open",
    "source",
    "community",
    "mentor",
    "team",
    "hiring",
    "remote",
    "agile",
    "delivery",
    "compiler",
    "embedded",
    "firmware",
    "robotics",
    "vision",
    "language",
    "search",
    "ranking",
    "recommendation",
    "privacy",
    "compliance",
    "audit",
    "risk",
    "fraud",
    "trading",
    "pricing",
    "billing",
    "identity",
    "access",
    "storage",
]
VOCABULARY = 5000


def _word_sql(count: int) -> str:
    """``count`` words drawn with a skew (power 3: a few very common, most rare)."""
    return (
        "(SELECT string_agg(CASE WHEN w.k < cardinality(v.words) THEN v.words[1 + w.k]"
        " ELSE 'zx' || w.k END, ' ')"
        f" FROM generate_series(1, {integer(count)} + (m.id IS NULL)::int) AS g,"
        " LATERAL (SELECT floor(power(random(), 3) * CAST(:vocabulary AS int))::int + g * 0 AS k)"
        " AS w)"
    )


# Field choices some candidates make (the rest keep the defaults).
AUDIENCE_CHOICES = {
    "skills": ["CONTACTS", "MEMBERS"],
    "region": ["CONTACTS", "MEMBERS"],
    "employerSector": ["CONTACTS"],
    "currentEmployer": ["RECRUITERS"],
    "openToOpportunities": ["RECRUITERS", "ONLY_ME"],
    "yearsOfExperience": ["RECRUITERS"],
    "summary": ["RECRUITERS"],
    "headline": ["CONTACTS"],
}

PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2VlZA$bm90LWEtcmVhbC1oYXNo"


@dataclass(frozen=True)
class Seeded:
    recruiter_id: uuid.UUID
    company_id: uuid.UUID


async def seed_candidates(conn: AsyncConnection, count: int, *, seed: float = 0.42) -> Seeded:
    """``count`` candidates, 300 companies and a recruiter (returned) with contacts and blocks."""
    await conn.execute(text("SELECT setseed(:seed)"), {"seed": seed})
    await conn.execute(
        text(
            """
            WITH v AS (
                SELECT CAST(:sectors AS text[]) AS sectors, CAST(:bands AS text[]) AS bands
            )
            INSERT INTO company (id, name, email_domain, sector, size_band)
            SELECT gen_random_uuid(), 'Company ' || i, 'company' || i || '.example',
                   CASE WHEN i <= 3 THEN :rare_sector
                        ELSE v.sectors[1 + (i % cardinality(v.sectors))] END,
                   v.bands[1 + (i % cardinality(v.bands))]
            FROM generate_series(1, 300) AS i CROSS JOIN v
            """
        ),
        {"sectors": SECTORS, "bands": SIZE_BANDS, "rare_sector": RARE_SECTOR},
    )
    # Skewed picks: power(random(), k) favours the first entries of each list.
    # "(m.id IS NULL)::int" is always 0: it ties a subquery to its row, so
    # that PostgreSQL draws new values for each row instead of once.
    await conn.execute(
        text(
            f"""
            WITH v AS (
                SELECT CAST(:words AS text[]) AS words, CAST(:skills AS text[]) AS skills,
                       CAST(:regions AS text[]) AS regions,
                       CAST(:countries AS text[]) AS countries,
                       CAST(:seniorities AS text[]) AS seniorities,
                       (SELECT array_agg(id ORDER BY name) FROM company) AS companies
            ),
            m AS (
                INSERT INTO member (id, email, password_hash, kind, alias)
                SELECT gen_random_uuid(), 'candidate' || i || '@seed.example', :hash,
                       'CANDIDATE', 'Seed Candidate ' || i
                FROM generate_series(1, :count) AS i
                RETURNING id
            )
            INSERT INTO profile (
                member_id, full_name, headline, summary, city, region, country,
                current_title, seniority, current_employer_id, years_of_experience, skills,
                open_to_opportunities, contactable, hide_from_current_employer,
                confidential_search, audiences)
            SELECT m.id, 'Seed Person',
                {_word_sql(5)},
                {_word_sql(25)},
                'City', v.regions[1 + floor(power(random(), 2) * cardinality(v.regions))::int],
                v.countries[1 + floor(power(random(), 2) * cardinality(v.countries))::int],
                'Engineer', v.seniorities[1 + floor(random() * 5)::int],
                CASE WHEN random() < 0.85
                     THEN v.companies[1 + floor(random() * 300)::int + (m.id IS NULL)::int] END,
                floor(random() * 35)::int,
                ARRAY(SELECT DISTINCT v.skills[1 + floor(power(random(), 3)
                                                         * cardinality(v.skills))::int]
                      FROM generate_series(1, 3 + floor(random() * 6)::int
                                              + (m.id IS NULL)::int)),
                random() < 0.3, random() < 0.95, true, false,
                (SELECT coalesce(jsonb_object_agg(c.key, c.value -> floor(
                            random() * jsonb_array_length(c.value))::int), '{{}}'::jsonb)
                 FROM jsonb_each(CAST(:choices AS jsonb)) AS c
                 WHERE random() < 0.08 + (m.id IS NULL)::int)
            FROM m CROSS JOIN v
            """
        ),
        {
            "count": count,
            "hash": PASSWORD_HASH,
            "choices": json.dumps(AUDIENCE_CHOICES),
            "vocabulary": VOCABULARY,
            "words": WORDS,
            "skills": SKILLS,
            "regions": REGIONS,
            "countries": COUNTRIES,
            "seniorities": SENIORITIES,
        },
    )
    return await _seed_recruiter(conn)


async def _seed_recruiter(conn: AsyncConnection) -> Seeded:
    """The searching recruiter, with 200 contacts, 50 pending requests and 100 blocks."""
    recruiter = uuid.uuid4()
    company = (await conn.execute(text("SELECT id FROM company ORDER BY name LIMIT 1"))).scalar()
    await conn.execute(
        text(
            """
            WITH m AS (
                INSERT INTO member (id, email, password_hash, kind, company_id, alias,
                                    email_verified_at)
                VALUES (:id, 'recruiter@company1.example', :hash, 'RECRUITER', :company,
                        'Seed Recruiter', now()) RETURNING id
            )
            INSERT INTO profile (member_id, full_name, current_employer_id, skills,
                open_to_opportunities, contactable, hide_from_current_employer,
                confidential_search, audiences)
            SELECT id, 'Seed Recruiter', :company, '{}', false, false, true, false, '{}'
            FROM m
            """
        ),
        {"id": recruiter, "hash": PASSWORD_HASH, "company": company},
    )
    await conn.execute(
        text(
            """
            WITH picked AS (
                SELECT member_id, row_number() OVER () AS n
                FROM (SELECT member_id FROM profile TABLESAMPLE BERNOULLI (1)
                      WHERE member_id <> :id LIMIT 350) AS s
            ),
            contacts AS (
                INSERT INTO contact (id, recruiter_id, candidate_id, company_id, status, message,
                                     created_at, expires_at, share_with_ats)
                SELECT gen_random_uuid(), :id, member_id, :company,
                       CASE WHEN n <= 200 THEN 'ACCEPTED' ELSE 'PENDING' END,
                       'Hello', now(), now() + interval '30 days', false
                FROM picked WHERE n <= 250
            )
            INSERT INTO member_block (blocker_id, blocked_id)
            SELECT CASE WHEN n % 2 = 0 THEN member_id ELSE :id END,
                   CASE WHEN n % 2 = 0 THEN :id ELSE member_id END
            FROM picked WHERE n > 250
            """
        ),
        {"id": recruiter, "company": company},
    )
    await conn.execute(text("ANALYZE"))
    return Seeded(recruiter_id=recruiter, company_id=company)
