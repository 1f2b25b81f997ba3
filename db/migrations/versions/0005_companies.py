"""companies: names unique as a reader sees them, and company roles

Revision ID: 0005_companies
Revises: 0004_accounts
Create Date: 2026-12-01

- ``company.name_key``: the name as a reader sees it
  (``db.company_names.name_key``), unique; every company the service
  creates has one. Existing companies whose names collide keep their rows:
  the later ones get their domain in the key.
- ``member.company_role``: ADMIN or RECRUITER for a recruiter of a company.
  Each existing company's earliest recruiter becomes its ADMIN, the others
  RECRUITER, so that every company keeps an admin.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_companies"
down_revision = "0004_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from db.company_names import name_key

    op.add_column("company", sa.Column("name_key", sa.String(200), nullable=True))
    conn = op.get_bind()
    taken: set[str] = set()
    rows = conn.execute(sa.text("SELECT id, name, email_domain FROM company ORDER BY created_at"))
    for company_id, name, domain in rows.all():
        key = name_key(name) or name_key(domain)
        if key in taken:
            key = name_key(f"{name} {domain}")
        taken.add(key)
        conn.execute(
            sa.text("UPDATE company SET name_key = :key WHERE id = :id"),
            {"key": key[:200], "id": company_id},
        )
    op.create_unique_constraint("company_name_key_key", "company", ["name_key"])

    op.add_column("member", sa.Column("company_role", sa.String(20), nullable=True))
    op.execute(
        """
        UPDATE member m SET company_role = CASE WHEN m.id = (
            SELECT first.id FROM member first
            WHERE first.company_id = m.company_id
            ORDER BY first.created_at, first.id LIMIT 1
        ) THEN 'ADMIN' ELSE 'RECRUITER' END
        WHERE m.company_id IS NOT NULL
        """
    )
    op.create_check_constraint(
        "ck_member_company_role",
        "member",
        "company_role IN ('ADMIN', 'RECRUITER')",
    )
    op.create_index("ix_member_company", "member", ["company_id", "company_role"])


def downgrade() -> None:
    op.drop_index("ix_member_company", table_name="member")
    op.drop_constraint("ck_member_company_role", "member", type_="check")
    op.drop_column("member", "company_role")
    op.drop_constraint("company_name_key_key", "company", type_="unique")
    op.drop_column("company", "name_key")
