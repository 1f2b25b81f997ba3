"""The async engine on asyncpg, and where its URL comes from.

Without ``DATABASE_URL`` the service runs on an embedded PostgreSQL kept in
the data folder (see ``db/embedded.py``); with it, on any PostgreSQL >= 15.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import ColumnElement, any_, event, literal
from sqlalchemy.dialects.postgresql import ARRAY
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


@dataclass
class Tally:
    """The SQL statements one request sent, and the time they took (for metrics and logs)."""

    statements: int = 0
    seconds: float = 0.0
    # connection -> when its statement started (one statement at a time per connection).
    started: dict[int, float] = field(default_factory=dict)


# The tally of the request running in this context (asyncio tasks copy it, and
# SQLAlchemy runs its events in a greenlet that shares it).
_TALLY: ContextVar[Tally | None] = ContextVar("suplinks_sql_tally", default=None)


@contextmanager
def tally_statements() -> Iterator[Tally]:
    """Count what the block sends, on any ``Database``, in this context only.

    Concurrent requests each see their own statements, unlike the engine-wide
    ``StatementCounter``.
    """
    tally = Tally()
    token = _TALLY.set(tally)
    try:
        yield tally
    finally:
        _TALLY.reset(token)


def _statement_started(conn, cursor, statement, parameters, context, executemany) -> None:
    tally = _TALLY.get()
    if tally is not None:
        tally.statements += 1
        tally.started[id(conn)] = time.perf_counter()


def _statement_ended(conn, cursor, statement, parameters, context, executemany) -> None:
    tally = _TALLY.get()
    started = tally.started.pop(id(conn), None) if tally is not None else None
    if started is not None:
        tally.seconds += time.perf_counter() - started


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
        event.listen(self.engine.sync_engine, "before_cursor_execute", _statement_started)
        event.listen(self.engine.sync_engine, "after_cursor_execute", _statement_ended)

    def connections_in_use(self) -> int:
        """Pooled connections checked out right now (the pool-in-use metric)."""
        return self.engine.pool.checkedout()

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection without BEGIN: each statement commits on its own.

        For reads, and for writes that are one statement (atomic by themselves,
        like the access log's INSERT). Several statements that must succeed or
        fail together belong in ``write()``.
        """
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
