"""The async engine on asyncpg, and where its URL comes from.

Without ``DATABASE_URL`` the service runs on an embedded PostgreSQL kept in
the data folder (see ``db/embedded.py``); with it, on any PostgreSQL >= 15.
With ``DATABASE_REPLICA_URL``, a streaming replica may serve read-only
requests, under the rule of ``Database.replica_caught_up``.

A database that goes away (a restart, a failover) must not outlive its
connections: a connection that fails with the server gone is thrown away
with the whole pool (``database_unavailable``), so the next checkout connects
afresh and the service recovers by itself once the server is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import ColumnElement, any_, event, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from config import Settings

logger = logging.getLogger(__name__)

# SQLSTATE classes that mean the server, not the statement: 08 connection
# exceptions, 57P admin/crash shutdown and "cannot connect now" (starting up).
_UNAVAILABLE_STATES = ("08", "57P")


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


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` says the server went away, rather than a bug or a bad statement.

    Looks through SQLAlchemy's wrapping and the exception's causes: a refused
    or reset socket, a connection asyncpg found closed, a server shutting
    down or still starting. Such a failure is worth one retry of a read once
    the pool is thrown away; any other error is not.

    asyncpg's ``InternalClientError`` counts too: its protocol fell out of step
    with the server, so the connection cannot be trusted (asyncpg aborts it
    when a statement finds it so), and a read on a fresh one is safe. A restart or
    ``pg_terminate_backend`` makes it: the server sends FATAL 57P01 to an idle
    pooled connection and closes the socket a few milliseconds later;
    asyncpg has no state for a message while idle, so it parks the protocol
    (``ERROR_CONSUME``) and, until it sees the close, the connection still
    looks open. The next statement then fails with "cannot switch to state 12;
    another operation (2) is in progress". SQLAlchemy's own execute calls
    that a disconnect (the driver connection is closed afterwards); the
    raw-driver reads (``fastpaths``) get the bare asyncpg error.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(
            error,
            OSError
            | asyncpg.InterfaceError
            | asyncpg.InternalClientError
            | asyncpg.PostgresConnectionError,
        ):
            return True
        state = getattr(error, "sqlstate", None)
        if isinstance(error, asyncpg.PostgresError) and (state or "").startswith(
            _UNAVAILABLE_STATES
        ):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


def _engine(url: str, pool_size: int) -> AsyncEngine:
    # No pre-ping: it would add a round trip to every checkout. A connection that
    # fails with the server gone throws the pool away instead (``_lost``).
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=10,
        pool_recycle=1800,
        # Plan every execution for its own parameters. Prepared statements are
        # reused per connection, and after five runs PostgreSQL may switch to a
        # "generic" plan that ignores them: a search plan chosen for a rare skill
        # then serves a skill half the candidates have, 50x slower (see
        # bench/search.py). Planning simple statements costs next to nothing.
        # A server that does not answer within 5 s counts as down.
        connect_args={
            "server_settings": {"plan_cache_mode": "force_custom_plan"},
            "timeout": 5,
        },
    )


async def _lost(engine: AsyncEngine, conn: AsyncConnection, error: BaseException) -> None:
    """After ``error`` on ``conn``: if the server went away, forget the connection and the pool.

    Every pooled connection to a restarted server is dead, and the raw-driver
    reads (``fastpaths``) fail where SQLAlchemy never sees it: the pool is
    replaced (its connections dereferenced, not closed: closing a dead socket
    can only wait), so the next checkout connects afresh.
    """
    if not database_unavailable(error):
        return
    if not conn.invalidated:
        await conn.invalidate(error)
    await engine.dispose(close=False)


class Database:
    """One engine per process (and one for the replica, if any); connections come
    from their pools per unit of work."""

    def __init__(self, url: str, *, pool_size: int = 10, replica_url: str | None = None) -> None:
        self.url = url
        self.engine: AsyncEngine = _engine(url, pool_size)
        # The same pool without BEGIN/ROLLBACK around each use: a single statement
        # is atomic on its own, and the round trips are most of a small query's cost.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.counter = StatementCounter()
        event.listen(self.engine.sync_engine, "before_cursor_execute", self.counter)
        self.replica: AsyncEngine | None = None
        self.replica_counter = StatementCounter()
        if replica_url:
            self.replica = _engine(replica_url, pool_size)
            self._replica_autocommit = self.replica.execution_options(isolation_level="AUTOCOMMIT")
            event.listen(self.replica.sync_engine, "before_cursor_execute", self.replica_counter)
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
            try:
                yield conn
            except BaseException as error:
                await _lost(self.engine, conn, error)
                raise

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction: committed if the block succeeds, rolled back whole if it raises.

        A server lost mid-transaction rolls it back by itself: nothing is half-written.
        """
        async with self.engine.connect() as conn:
            try:
                async with conn.begin():
                    yield conn
            except BaseException as error:
                await _lost(self.engine, conn, error)
                raise

    @asynccontextmanager
    async def replica_reads(self) -> AsyncIterator[AsyncConnection]:
        """An autocommit connection to the replica (reads only; see ``replica_caught_up``)."""
        assert self.replica is not None
        async with self._replica_autocommit.connect() as conn:
            try:
                yield conn
            except BaseException as error:
                await _lost(self.replica, conn, error)
                raise

    async def replica_caught_up(self) -> bool:
        """Whether the replica may serve a read-only request starting now.

        Promises (Company blocks and hiding are one-way; Acceptance reveals:
        ending a contact revokes it at once; Hidden members do not exist): a
        block, a hiding, an ended contact or a withdrawn consent holds from the
        very next request, whoever made it and in whichever process. So the
        replica must have replayed all the WAL the primary had written when we
        ask (``pg_current_wal_lsn()``: past every commit acknowledged so far,
        with the default ``synchronous_commit``). Otherwise, or when the replica
        does not answer, the request reads from the primary. Costs one tiny
        statement on each.
        """
        if self.replica is None:
            return False
        async with self.autocommit() as conn:
            written = (await conn.exec_driver_sql(_PRIMARY_LSN)).scalar_one()
        try:
            async with self.replica_reads() as conn:
                result = await conn.exec_driver_sql(_REPLAYED, (written,))
                return bool(result.scalar_one())
        except Exception as error:
            if not database_unavailable(error):
                raise
            logger.warning("the replica is unreachable: reading from the primary")
            return False

    async def ping(self) -> bool:
        """Whether the primary answers a statement now."""
        return await _ping(self.engine)

    async def ping_replica(self) -> bool | None:
        """Whether the replica answers a statement now; None without a replica."""
        return None if self.replica is None else await _ping(self.replica)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.replica is not None:
            await self.replica.dispose()


_PRIMARY_LSN = "SELECT pg_current_wal_lsn()::text"
# NULL (not a standby, or nothing replayed yet) counts as behind.
_REPLAYED = "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::text::pg_lsn, false)"


async def _ping(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")
        return True
    except Exception as error:
        if not database_unavailable(error):
            logger.exception("database ping failed")
        await engine.dispose(close=False)
        return False


def one_of(column: ColumnElement, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY($1)`` with the values as one array parameter.

    ``column.in_(values)`` renders its SQL anew for each number of values, on
    every execution; this statement's text is the same whatever the values, so
    SQLAlchemy compiles it once for the process.
    """
    return column == any_(literal(list(values), ARRAY(column.type)))
