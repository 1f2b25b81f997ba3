"""company crowds: one index for the k-anonymity counts

Revision ID: 0007_company_crowds
Revises: 0006_personal_messages
Create Date: 2026-12-01

A profile row counts the registered companies that share its employer's
sector, and its sector and size band (``db.profiles.crowd``): an index on
(lower(sector), size_band) answers both counts from the index alone, and
replaces the index on lower(sector).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_company_crowds"
down_revision = "0006_personal_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_company_crowd", "company", [sa.text("lower(sector)"), "size_band"])
    op.drop_index("ix_company_sector_lower", table_name="company")


def downgrade() -> None:
    op.create_index("ix_company_sector_lower", "company", [sa.text("lower(sector)")])
    op.drop_index("ix_company_crowd", table_name="company")
