"""webhook outbox: erasure notices to partners, delivered by a worker, and retention

Revision ID: 0008_webhook_outbox
Revises: 0007_company_crowds
Create Date: 2026-12-01

- ``api_client.webhook_url`` and ``api_client.webhook_salt``: where a
  partner's erasure notices go, and the salt its signing secret is derived
  from (``HMAC(SUPLINKS_SECRET_KEY, salt)``: the database alone cannot sign).
- ``webhook_outbox``: one row per notice to one client, written in the
  transaction of the change it reports; the worker claims due rows.
- ``webhook_attempt``: each delivery attempt (status code, error class, time).
- Indexes for the retention purge: sessions by expiry, mail tokens by
  expiry, access events by time, ended contacts by their end.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008_webhook_outbox"
down_revision = "0007_company_crowds"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("api_client", sa.Column("webhook_url", sa.String(2000), nullable=True))
    op.add_column("api_client", sa.Column("webhook_salt", sa.String(64), nullable=True))
    op.create_table(
        "webhook_outbox",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column(
            "api_client_id",
            UUID(as_uuid=True),
            sa.ForeignKey("api_client.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status_code", sa.Integer, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DELIVERED', 'DEAD')", name="ck_webhook_outbox_status"
        ),
    )
    op.create_index(
        "ix_webhook_outbox_due",
        "webhook_outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "ix_webhook_outbox_client", "webhook_outbox", ["api_client_id", "created_at", "id"]
    )
    op.create_index(
        "ix_webhook_outbox_finished",
        "webhook_outbox",
        ["status", "finished_at"],
        postgresql_where=sa.text("finished_at IS NOT NULL"),
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "outbox_id",
            UUID(as_uuid=True),
            sa.ForeignKey("webhook_outbox.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
    )
    op.create_index("ix_webhook_attempt_outbox", "webhook_attempt", ["outbox_id", "attempt"])
    op.create_index("ix_auth_session_expires", "auth_session", ["expires_at"])
    op.create_index("ix_mail_token_expires", "mail_token", ["expires_at"])
    op.create_index("ix_access_event_at", "access_event", ["at"])
    op.create_index(
        "ix_contact_ended",
        "contact",
        ["ended_at"],
        postgresql_where=sa.text("ended_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_contact_ended", table_name="contact")
    op.drop_index("ix_access_event_at", table_name="access_event")
    op.drop_index("ix_mail_token_expires", table_name="mail_token")
    op.drop_index("ix_auth_session_expires", table_name="auth_session")
    op.drop_table("webhook_attempt")
    op.drop_table("webhook_outbox")
    op.drop_column("api_client", "webhook_salt")
    op.drop_column("api_client", "webhook_url")
