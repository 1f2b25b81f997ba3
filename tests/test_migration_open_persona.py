"""Migration 0009: stored handles move to the open persona (empty, unpublished: nothing
becomes public by itself), and stored PUBLIC choices become MEMBERS.

In a scratch database on the suite's server, like ``test_migrations``.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import asyncpg
from alembic import command

from db.migrate import alembic_config, upgrade
from tests.conftest import TEST_DATABASE, _asyncpg_dsn, drop_database, fresh_database

SCRATCH = f"{TEST_DATABASE}_open_persona"


async def _member(conn, handle: str | None, audiences: dict) -> uuid.UUID:
    member_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO member (id, email, password_hash, kind, alias) VALUES ($1, $2, 'x', 'CANDIDATE', $3)",
        member_id,
        f"{member_id.hex}@mail.example",
        member_id.hex,
    )
    await conn.execute(
        "INSERT INTO profile (member_id, full_name, handle, headline, audiences,"
        " open_to_opportunities, contactable, hide_from_current_employer, confidential_search)"
        " VALUES ($1, 'Old Member', $2, 'Closed headline', $3::jsonb, false, true, true, false)",
        member_id,
        handle,
        json.dumps(audiences),
    )
    return member_id


async def test_handles_move_to_an_unpublished_persona_and_public_becomes_members(database_url):
    url = await fresh_database(database_url, SCRATCH)
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0008_webhook_outbox")
        conn = await asyncpg.connect(_asyncpg_dsn(url))
        try:
            old = await _member(conn, "Old-Handle", {"headline": "PUBLIC", "city": "CONTACTS"})
            plain = await _member(conn, None, {})
            await asyncio.to_thread(upgrade, url)
            persona = await conn.fetch("SELECT * FROM open_persona")
            assert [dict(r) | {"updated_at": None} for r in persona] == [
                {
                    "member_id": old,
                    "handle": "old-handle",
                    "handle_key": "oldhandle",
                    "display_name": None,
                    "headline": None,  # nothing of the closed profile is copied
                    "summary": None,
                    "photo_url": None,
                    "links": [],
                    "skills": [],
                    "published": False,
                    "updated_at": None,
                }
            ]
            audiences = {
                r["member_id"]: json.loads(r["audiences"])
                for r in await conn.fetch("SELECT member_id, audiences FROM profile")
            }
            assert audiences == {old: {"headline": "MEMBERS", "city": "CONTACTS"}, plain: {}}
            columns = await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'profile'"
            )
            assert "handle" not in {c["column_name"] for c in columns}

            await asyncio.to_thread(command.downgrade, alembic_config(url), "0008_webhook_outbox")
            handles = await conn.fetch(
                "SELECT member_id, handle FROM profile WHERE handle IS NOT NULL"
            )
            assert [tuple(r) for r in handles] == [(old, "old-handle")]
        finally:
            await conn.close()
    finally:
        await drop_database(database_url, SCRATCH)
