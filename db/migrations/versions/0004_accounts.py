"""accounts: proven mailboxes, one-time mail tokens, sessions a member can list

Revision ID: 0004_accounts
Revises: 0003_search_keys
Create Date: 2026-12-01

- ``member.email_verified_at``: when the member proved their mailbox. Accounts
  that exist before this migration have not: their next log-in mails them a
  link (Trust starts with a proven mailbox).
- ``member.pending_company``: a recruiter's company to create at verification.
- ``mail_token``: one-time tokens, kept as their SHA-256 only.
- ``auth_session.last_used_at`` and ``client``, and an index by member, so a
  member lists and ends their sessions.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_accounts"
down_revision = "0003_search_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("member", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("member", sa.Column("pending_company", postgresql.JSONB(), nullable=True))
    op.add_column("auth_session", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("auth_session", sa.Column("client", sa.String(length=200), nullable=True))
    op.create_index("ix_auth_session_member", "auth_session", ["member_id"], unique=False)
    op.create_table(
        "mail_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_mail_token_member", "mail_token", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mail_token_member", table_name="mail_token")
    op.drop_table("mail_token")
    op.drop_index("ix_auth_session_member", table_name="auth_session")
    op.drop_column("auth_session", "client")
    op.drop_column("auth_session", "last_used_at")
    op.drop_column("member", "pending_company")
    op.drop_column("member", "email_verified_at")
