"""Migrations: head matches the models, and each step down and up again works.

Run in a scratch database on the suite's server, so the shared test database
stays at head for every other test.
"""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from db.migrate import alembic_config, upgrade
from db.models import metadata
from tests.conftest import TEST_DATABASE, _asyncpg_dsn, drop_database, fresh_database

SCRATCH = f"{TEST_DATABASE}_migrations"


async def _indexes(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        )
    finally:
        await conn.close()
    return {row["indexname"]: row["indexdef"] for row in rows}


async def test_head_has_every_index_of_the_models_and_steps_down_and_up(database_url):
    url = await fresh_database(database_url, SCRATCH)
    try:
        await asyncio.to_thread(upgrade, url)
        head = await _indexes(url)
        declared = {index.name for table in metadata.sorted_tables for index in table.indexes}
        assert declared <= set(head), sorted(declared - set(head))
        assert "(lower((region)::text), member_id)" in head["ix_profile_region_lower"]
        assert "WHERE" in head["ix_member_not_searchable"]

        # 0003 down: its indexes are gone, the 0002 ones are back as they were.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0002_search")
        before = await _indexes(url)
        assert "ix_member_not_searchable" not in before
        assert "member_id" not in before["ix_profile_region_lower"]

        # All the way down and back up to the same schema.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        assert not {name for name in await _indexes(url) if name.startswith("ix_")}
        await asyncio.to_thread(upgrade, url)
        assert await _indexes(url) == head
    finally:
        await drop_database(database_url, SCRATCH)
