"""personal messages: near-duplicates replace exact fingerprints

Revision ID: 0006_personal_messages
Revises: 0005_companies
Create Date: 2026-12-01

Template detection now compares a new message with the recruiter's recent ones
by similarity (``resolvers.templates``), so the exact-text fingerprint and its
index go; an index on (recruiter, created_at) serves the recent-messages read
and the daily quota.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_personal_messages"
down_revision = "0005_companies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_contact_fingerprint", table_name="contact")
    op.drop_column("contact", "message_fingerprint")
    op.create_index("ix_contact_recruiter_recent", "contact", ["recruiter_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_contact_recruiter_recent", table_name="contact")
    # Earlier fingerprints cannot be recomputed exactly in SQL: a placeholder per
    # row keeps the column NOT NULL; only new requests get real fingerprints.
    op.add_column(
        "contact",
        sa.Column("message_fingerprint", sa.String(64), nullable=False, server_default=""),
    )
    op.alter_column("contact", "message_fingerprint", server_default=None)
    op.create_index("ix_contact_fingerprint", "contact", ["recruiter_id", "message_fingerprint"])
