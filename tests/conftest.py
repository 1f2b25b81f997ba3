"""Fixtures: a real PostgreSQL for every test that touches data.

- With ``DATABASE_URL`` set, a fresh database ``suplinks_test_<pid>`` is created on
  that server (the one named in the URL is only used to connect), migrated,
  and dropped at the end: the suite never touches your data.
- Without it, an embedded PostgreSQL runs in a temporary folder, deleted at the end.

Every test starts from empty tables (one TRUNCATE before each test).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Cheaper (still Argon2id) password hashes: set before the app is imported.
os.environ.setdefault("SUPLINKS_PASSWORD_HASH_COST", "low")

import asyncpg
import httpx
import pytest
from sqlalchemy import text

from app import create_app
from config import DEFAULT_RATE_LIMITS, Settings
from db.engine import Database, async_url
from db.migrate import upgrade
from db.models import metadata
from db.sqlguard import identifier
from policies.authorizer import get_authorizer
from tests.client import Api
from tests.mailbox import Mailbox, SmtpServer
from tests.service import free_port

# One database per test process, so that parallel runs on one server never collide.
TEST_DATABASE = f"suplinks_test_{os.getpid()}"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _asyncpg_dsn(url: str) -> str:
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` on the server of ``server_url``, if it exists."""
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {identifier(name)} WITH (FORCE)")
    finally:
        await conn.close()


async def fresh_database(server_url: str, name: str) -> str:
    """An empty database ``name`` on the server of ``server_url`` (dropped first); its URL."""
    await drop_database(server_url, name)
    conn = await asyncpg.connect(_asyncpg_dsn(server_url))
    try:
        await conn.execute(f"CREATE DATABASE {identifier(name)}")
    finally:
        await conn.close()
    return _with_database(server_url, name)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="suplinks-test-"))


@pytest.fixture(scope="session")
async def database_url(data_dir: Path) -> AsyncIterator[str]:
    external = os.environ.get("DATABASE_URL")
    if external:
        url = await fresh_database(external, TEST_DATABASE)
    else:
        from db.embedded import start_embedded

        url = start_embedded(data_dir / "embedded", cleanup_mode="delete")
    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    yield url
    if external:
        await drop_database(external, TEST_DATABASE)


# Every test client comes from one address (ASGITransport's 127.0.0.1): the
# per-address budgets would count a whole test's world-building as one client
# (and the schema walk signs one email up on every path). Tests of these budgets
# set their own (monkeypatch.setitem(settings.rate_limits, ...)).
UNLIMITED_IN_TESTS = ("anonymous", "signup", "signup_ip", "login_ip", "mail_ip", "token_ip")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server for the whole run: the service mails through it."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def settings(data_dir: Path, database_url: str, smtp_server: SmtpServer) -> Settings:
    limits = {**DEFAULT_RATE_LIMITS, **{name: (1_000_000, 60) for name in UNLIMITED_IN_TESTS}}
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        production=False,
        rate_limits=limits,
        smtp_url=smtp_server.url,
    )


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    await database.dispose()


TABLES = ", ".join(identifier(t.name) for t in metadata.sorted_tables)


@pytest.fixture(autouse=True)
async def clean(request) -> None:
    """Empty tables before each test that uses the database."""
    if "db" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("db")
    async with database.write() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} CASCADE"))
    database.counter.reset()


@pytest.fixture
async def app(settings: Settings, db: Database):
    return create_app(settings, db, get_authorizer())


@pytest.fixture
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def api(http: httpx.AsyncClient, mailbox: Mailbox, settings: Settings) -> Api:
    return Api(http, mailbox, settings)
