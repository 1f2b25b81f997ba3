"""The async engine on asyncpg, and where its URL comes from.

Without ``DATABASE_URL`` the service runs on an embedded PostgreSQL kept in
the data folder (see ``db/embedded.py``); with it, on any PostgreSQL >= 15.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import ColumnElement, Executable, any_, event, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from config import Settings


def async_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spelling and pick the asyncpg driver."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        scheme = "postgresql+asyncpg"
    if scheme != "postgresql+asyncpg":
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r}")
    return urlunsplit((scheme, *parts[1:]))


def resolve_database_url(settings: Settings) -> str:
    """The URL to use: ``DATABASE_URL``, else the embedded server (started on demand)."""
    if settings.database_url:
        return settings.database_url
    from db.embedded import start_embedded

    return start_embedded(settings.data_dir)


class StatementCounter:
    """Counts the SQL statements sent on an engine; keeps their text only when asked.

    Production never resets it, so by default it holds a number and nothing
    else: keeping every statement's text grew the process by 2 KB a request.
    Tests and benchmarks that inspect the SQL wrap the requests they look at
    in ``capture()``.
    """

    def __init__(self) -> None:
        self.count = 0
        self._captures: list[list[str]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        for captured in self._captures:
            captured.append(statement)

    @contextmanager
    def capture(self) -> Iterator[list[str]]:
        """The list of statements sent while the block runs (and only then)."""
        captured: list[str] = []
        self._captures.append(captured)
        try:
            yield captured
        finally:
            self._captures.remove(captured)

    def reset(self) -> None:
        self.count = 0


class Database:
    """One engine per process; connections come from its pool per unit of work."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        # No pre-ping: it would add a round trip to every checkout; connections
        # are recycled instead, and a dead one fails its request once.
        self.engine: AsyncEngine = create_async_engine(
            async_url(url),
            pool_size=pool_size,
            max_overflow=10,
            pool_recycle=1800,
            # Plan every execution for its own parameters. Prepared statements are
            # reused per connection, and after five runs PostgreSQL may switch to a
            # "generic" plan that ignores them: a search plan chosen for a rare skill
            # then serves a skill half the candidates have, 50x slower (see
            # bench/search.py). Planning simple statements costs next to nothing.
            connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
        )
        # The same pool without BEGIN/ROLLBACK around each use: a single statement
        # is atomic on its own, and the round trips are most of a small query's cost.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.counter = StatementCounter()
        event.listen(self.engine.sync_engine, "before_cursor_execute", self.counter)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads, or for one statement that needs no transaction."""
        async with self._autocommit.connect() as conn:
            yield conn

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction: committed if the block succeeds, rolled back whole if it raises."""
        async with self.engine.begin() as conn:
            yield conn

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def one_of(column: ColumnElement, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY($1)`` with the values as one array parameter.

    ``column.in_(values)`` renders its SQL anew for each number of values, on
    every execution; this statement's text is the same whatever the values, so
    SQLAlchemy compiles it once for the process.
    """
    return column == any_(literal(list(values), ARRAY(column.type)))


@lru_cache(maxsize=1024)
def _compiled(statement: Executable, dialect: Dialect) -> Compiled:
    return statement.compile(dialect=dialect)


async def fetch_mappings(
    conn: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> list[Mapping[str, Any]]:
    """The rows of a hot read as asyncpg returns them: records, read by column name.

    SQLAlchemy's result objects cost about 1 ms of CPU for a page of 50 wide
    profile rows, more than PostgreSQL takes to run a typical search, so search
    reads its page through the driver. The statement is compiled once, its
    parameters converted by their SQLAlchemy types as usual, sent on the same
    pooled connection, and announced to the engine's listeners like any other
    (the statement counter sees it). JSON columns come decoded by the codecs
    SQLAlchemy installs on each asyncpg connection.
    """
    compiled = _compiled(statement, conn.dialect)
    bound = compiled.construct_params(params)
    convert = compiled._bind_processors  # what SQLAlchemy's own execute applies, per parameter
    args = tuple(
        convert[name](bound[name]) if name in convert else bound[name]
        for name in compiled.positiontup
    )
    sync = conn.sync_connection
    sync.dispatch.before_cursor_execute(sync, None, compiled.string, args, None, False)
    raw = await conn.get_raw_connection()
    return await raw.driver_connection.fetch(compiled.string, *args)
