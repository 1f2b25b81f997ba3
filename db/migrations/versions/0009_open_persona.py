"""open persona: its own content, handles never reused, no PUBLIC audience

Revision ID: 0009_open_persona
Revises: 0008_webhook_outbox
Create Date: 2026-12-01

- ``open_persona``: the open persona's own content (handle, display name,
  headline, summary, photo, links, skills) and whether it is published. A
  member who had a handle keeps it here, with empty, unpublished content:
  nothing of the closed profile is copied over, and nothing becomes public
  until its owner publishes it.
- ``profile.handle`` goes: the closed persona has no handle.
- ``handle_tombstone``: keyed hashes of released handles (the app fills it).
- Stored ``PUBLIC`` audience choices become ``MEMBERS``: the closed persona is
  for logged-in members only. Going down keeps them ``MEMBERS``.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_open_persona"
down_revision = "0008_webhook_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from db.company_names import handle_key

    op.create_table(
        "open_persona",
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column("handle", sa.String(length=40), nullable=False),
        sa.Column("handle_key", sa.String(length=80), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("headline", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.String(length=4000), nullable=True),
        sa.Column("photo_url", sa.String(length=500), nullable=True),
        sa.Column(
            "links", postgresql.ARRAY(sa.String(length=500)), server_default="{}", nullable=False
        ),
        sa.Column(
            "skills", postgresql.ARRAY(sa.String(length=60)), server_default="{}", nullable=False
        ),
        sa.Column("published", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("member_id"),
        sa.UniqueConstraint("handle"),
        sa.UniqueConstraint("handle_key"),
    )
    op.create_table(
        "handle_tombstone",
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "released_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("digest"),
    )
    conn = op.get_bind()
    taken: set[str] = set()
    rows = conn.execute(
        sa.text("SELECT member_id, handle FROM profile WHERE handle IS NOT NULL ORDER BY handle")
    )
    for member_id, handle in rows.all():
        key = handle_key(handle) or None
        if key in taken:
            key = None  # a look-alike of an earlier handle keeps its address, claims no key
        taken.add(key)
        conn.execute(
            sa.text(
                "INSERT INTO open_persona (member_id, handle, handle_key) VALUES (:m, :h, :k)"
            ),
            {"m": member_id, "h": handle.lower(), "k": key},
        )
    op.drop_column("profile", "handle")
    op.execute(
        """
        UPDATE profile SET audiences = (
            SELECT jsonb_object_agg(key, CASE WHEN value = '"PUBLIC"' THEN '"MEMBERS"'::jsonb
                                              ELSE value END)
            FROM jsonb_each(audiences)
        )
        WHERE audiences::text LIKE '%"PUBLIC"%'
        """
    )


def downgrade() -> None:
    op.add_column("profile", sa.Column("handle", sa.String(length=40), nullable=True))
    op.create_unique_constraint("profile_handle_key", "profile", ["handle"])
    op.execute(
        "UPDATE profile p SET handle = o.handle FROM open_persona o WHERE o.member_id = p.member_id"
    )
    op.drop_table("handle_tombstone")
    op.drop_table("open_persona")
