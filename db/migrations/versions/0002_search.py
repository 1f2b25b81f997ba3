"""search: indexes for every candidate filter, and audience statistics

Revision ID: 0002_search
Revises: 0001
Create Date: 2026-11-27

Each search clause is "<field matches> AND <field readable here>", so each
field needs an index for its value and the planner needs to know how often
each audience is chosen:

- value indexes: skills (GIN), region/country/sector (lower-cased), seniority,
  current employer, years of experience, open to opportunities (partial, in
  member id order), headline and summary text (GIN on their tsvectors);
- per searched field, a partial index on the owner's explicit audience choice
  (``audiences ->> 'F'``, only rows that made one): where the default is not
  readable, "readable" means "chose a wider audience", a rare and selective
  condition;
- per searched field, statistics on that same expression, so that row counts
  are estimated from data rather than guessed;
- no parallel scans of ``profile``: a search reads a few thousand rows at
  most, and starting workers costs more than that (10 ms and more on two
  cores), to every request.
"""

from alembic import op

revision = "0002_search"
down_revision = "0001"
branch_labels = None
depends_on = None

# The fields search reads (resolvers.search.SEARCH_FIELDS when this was written).
AUDIENCE_FIELDS = (
    "skills",
    "region",
    "country",
    "seniority",
    "currentEmployer",
    "employerSector",
    "yearsOfExperience",
    "experienceBand",
    "openToOpportunities",
    "headline",
    "summary",
)

VALUE_INDEXES = {
    "ix_profile_skills": "profile USING gin (skills)",
    "ix_profile_region_lower": "profile (lower(region))",
    "ix_profile_country_lower": "profile (lower(country))",
    "ix_profile_seniority": "profile (seniority)",
    "ix_profile_current_employer": "profile (current_employer_id)",
    "ix_profile_years": "profile (years_of_experience)",
    "ix_profile_open": "profile (member_id) WHERE open_to_opportunities",
    "ix_profile_headline_tsv": "profile USING gin (headline_tsv)",
    "ix_profile_summary_tsv": "profile USING gin (summary_tsv)",
    "ix_company_sector_lower": "company (lower(sector))",
}


def _snake(field: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in field)


def upgrade() -> None:
    op.execute("ALTER TABLE profile SET (parallel_workers = 0)")
    for name, target in VALUE_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target}")
    for field in AUDIENCE_FIELDS:
        expr = f"(audiences ->> '{field}')"
        op.execute(
            f"CREATE INDEX ix_profile_audience_{_snake(field)} ON profile ({expr})"
            f" WHERE {expr} IS NOT NULL"
        )
        op.execute(f"CREATE STATISTICS st_profile_audience_{_snake(field)} ON {expr} FROM profile")


def downgrade() -> None:
    for field in AUDIENCE_FIELDS:
        op.execute(f"DROP STATISTICS st_profile_audience_{_snake(field)}")
        op.execute(f"DROP INDEX ix_profile_audience_{_snake(field)}")
    for name in VALUE_INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE profile RESET (parallel_workers)")
