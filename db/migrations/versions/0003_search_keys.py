"""search keys: find matches without the member table, walk a region in id order

Revision ID: 0003_search_keys
Revises: 0002_search
Create Date: 2026-11-26

Search filters and sorts narrow keys first and joins the page's full rows
afterwards (``db/search.py``). Two indexes serve that:

- the members search never returns (recruiters, deleted members) as a small
  partial index: the statement builds that set once and probes it per row,
  instead of joining ``member`` for every match;
- region and country indexed with the member id, in the order of a search
  without text: a common region then yields its first page after reading
  about a page of rows, not every profile of the region.
"""

from alembic import op

revision = "0003_search_keys"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_member_not_searchable ON member (id)"
        " WHERE kind <> 'CANDIDATE' OR deleted_at IS NOT NULL"
    )
    for column in ("region", "country"):
        op.execute(f"DROP INDEX ix_profile_{column}_lower")
        op.execute(
            f"CREATE INDEX ix_profile_{column}_lower ON profile (lower({column}), member_id)"
        )


def downgrade() -> None:
    for column in ("region", "country"):
        op.execute(f"DROP INDEX ix_profile_{column}_lower")
        op.execute(f"CREATE INDEX ix_profile_{column}_lower ON profile (lower({column}))")
    op.execute("DROP INDEX ix_member_not_searchable")
