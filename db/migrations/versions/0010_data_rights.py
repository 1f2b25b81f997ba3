"""data rights: consent receipts outlive the other side; no member.deleted_at

Revision ID: 0010_data_rights
Revises: 0009_open_persona
Create Date: 2026-12-01

- ``consent_receipt`` is the candidate's record: the recruiter's deletion
  (which takes the contact) or the company's no longer takes it with them.
  ``contact_id`` loses its foreign key (the id stays, as the candidate knew
  it), ``company_id`` becomes nullable with ON DELETE SET NULL, and the new
  ``counterpart`` keeps the other side as the candidate knew it when she
  consented (existing rows: the recruiter's alias and the company's name).
- ``member.deleted_at`` goes: ``deleteAccount`` deletes the row, so the
  column was never set and search's partial index read a condition that
  never held. The index keeps its other half (``kind <> 'CANDIDATE'``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_data_rights"
down_revision = "0009_open_persona"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("consent_receipt", sa.Column("counterpart", sa.String(300), nullable=True))
    op.execute(
        """
        UPDATE consent_receipt r
        SET counterpart = left(coalesce(m.alias, 'a recruiter') || ', ' || co.name, 300)
        FROM contact c JOIN company co ON co.id = c.company_id
        LEFT JOIN member m ON m.id = c.recruiter_id
        WHERE c.id = r.contact_id
        """
    )
    op.alter_column("consent_receipt", "counterpart", nullable=False)
    op.drop_constraint("consent_receipt_contact_id_fkey", "consent_receipt", type_="foreignkey")
    op.drop_constraint("consent_receipt_company_id_fkey", "consent_receipt", type_="foreignkey")
    op.alter_column("consent_receipt", "company_id", nullable=True)
    op.create_foreign_key(
        "consent_receipt_company_id_fkey",
        "consent_receipt",
        "company",
        ["company_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index("ix_consent_receipt_candidate", "consent_receipt", ["candidate_id"])

    op.drop_index("ix_member_not_searchable", table_name="member")
    op.drop_column("member", "deleted_at")
    op.create_index(
        "ix_member_not_searchable",
        "member",
        ["id"],
        postgresql_where=sa.text("kind <> 'CANDIDATE'"),
    )


def downgrade() -> None:
    op.drop_index("ix_member_not_searchable", table_name="member")
    op.add_column("member", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_member_not_searchable",
        "member",
        ["id"],
        postgresql_where=sa.text("kind <> 'CANDIDATE' OR deleted_at IS NOT NULL"),
    )

    op.drop_index("ix_consent_receipt_candidate", table_name="consent_receipt")
    # Receipts whose contact or company is gone cannot go back under the old keys.
    op.execute(
        "DELETE FROM consent_receipt r WHERE r.company_id IS NULL"
        " OR NOT EXISTS (SELECT 1 FROM contact c WHERE c.id = r.contact_id)"
    )
    op.drop_constraint("consent_receipt_company_id_fkey", "consent_receipt", type_="foreignkey")
    op.alter_column("consent_receipt", "company_id", nullable=False)
    op.create_foreign_key(
        "consent_receipt_company_id_fkey",
        "consent_receipt",
        "company",
        ["company_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        "consent_receipt_contact_id_fkey",
        "consent_receipt",
        "contact",
        ["contact_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.drop_column("consent_receipt", "counterpart")
