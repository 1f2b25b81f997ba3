"""Search benchmark: ``python -m bench.search`` (also run by ``make bench``).

For 10k and then 100k candidates (``bench.search_seed``), serves the API with
one uvicorn worker in a subprocess on 127.0.0.1 and sends
``searchCandidates(first: 50)`` asking 15 fields, one request at a time, as a
verified recruiter with contacts and blocks. Several common filters take
turns; the table gives the median and p99 latency of each and of all of them
together, and the SQL statements per request (counted in-process on the same
app, since the server's counter is in another process).

Without ``DATABASE_URL`` it runs on a throw-away embedded PostgreSQL; with it,
in a database ``suplinks_bench_search`` created on that server and dropped after.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from sqlalchemy import insert, text

from app import create_app
from auth.security import TokenClaims, issue_token
from bench.search_seed import Seeded, seed_candidates
from config import DEFAULT_RATE_LIMITS, PROJECT_ROOT, Settings
from db.engine import Database, async_url
from db.migrate import upgrade
from db.models import AuthSession
from db.models import metadata as tables

BENCH_DATABASE = "suplinks_bench_search"
SIZES = (10_000, 100_000)
TARGETS_AT_100K = {"p50": 20.0, "p99": 40.0}  # milliseconds, issue 5

QUERY = """
query($f: CandidateFilter) {
  searchCandidates(filter: $f, first: 50) {
    edges { cursor node {
      id alias headline summary region country seniority currentEmployer { name }
      employerSector employerSizeBand yearsOfExperience experienceBand skills
      openToOpportunities contactability { canRequestContact }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""

# Filters a recruiter commonly combines; they take turns.
FILTERS: dict[str, dict | None] = {
    "no filter": None,
    "skill (common)": {"skills": ["python"]},
    "skill (rare)": {"skills": ["skill-150"]},
    "region": {"region": "Region 07"},
    "skills+region+seniority": {
        "skills": ["java"],
        "region": "Region 01",
        "seniority": ["SENIOR", "LEAD"],
    },
    "sector": {"employerSector": "Energy"},
    "years >= 5": {"minYearsOfExperience": 5},
    "open to work": {"openToOpportunities": True},
    "text (3% of profiles)": {"text": "fraud"},
    "text+skill": {"text": "payments", "skills": ["python"]},
    "text (27% of profiles)": {"text": "backend"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _dsn(url: str) -> str:
    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _recreate(url: str, name: str, *, drop_only: bool = False) -> None:
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _prepare(url: str, size: int) -> Seeded:
    """Empty tables, ``size`` candidates, then VACUUM ANALYZE (visibility map and statistics)."""
    db = Database(url, pool_size=1)
    try:
        async with db.write() as conn:
            names = ", ".join(t.name for t in tables.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
            seeded = await seed_candidates(conn, size)
    finally:
        await db.dispose()
    conn = await asyncpg.connect(_dsn(url))
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return seeded


async def _token(url: str, secret: str, recruiter: uuid.UUID) -> str:
    session, expires = uuid.uuid4(), datetime.now(UTC) + timedelta(hours=2)
    db = Database(url, pool_size=1)
    try:
        async with db.write() as conn:
            await conn.execute(
                insert(AuthSession.__table__),
                [{"id": session, "member_id": recruiter, "expires_at": expires}],
            )
    finally:
        await db.dispose()
    return issue_token(secret, TokenClaims("member", session, expires))


async def _statements(url: str, settings: Settings, token: str) -> dict[str, int]:
    """SQL statements per request, counted by the same app in this process."""
    db = Database(url, pool_size=2)
    app = create_app(settings, db)
    counts = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, f in FILTERS.items():
                db.counter.reset()
                response = await client.post(
                    "/graphql",
                    json={"query": QUERY, "variables": {"f": f}},
                    headers={"authorization": f"Bearer {token}"},
                )
                assert "errors" not in response.json(), response.text
                counts[name] = db.counter.count
    finally:
        await db.dispose()
    return counts


class Server:
    """``python app.py serve``: one uvicorn worker in its own process."""

    def __init__(self, url: str, settings: Settings) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SUPLINKS_SECRET_KEY": settings.secret_key,
            "SUPLINKS_DATA_DIR": str(settings.data_dir),
        }
        self.process = subprocess.Popen(
            [sys.executable, "app.py", "serve", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited; run `python app.py serve` to see why")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def _measure(base: str, token: str, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Latencies in ms per filter; one request at a time, filters taking turns."""
    timings: dict[str, list[float]] = {name: [] for name in FILTERS}
    headers = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for n in range(warmup + rounds):
            for name, f in FILTERS.items():
                started = time.perf_counter()
                response = client.post("/graphql", json={"query": QUERY, "variables": {"f": f}})
                elapsed = (time.perf_counter() - started) * 1000
                body = response.json()
                assert "errors" not in body, body
                if n >= warmup:
                    timings[name].append(elapsed)
    return timings


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _table(size: int, timings: dict[str, list[float]], counts: dict[str, int]) -> list[str]:
    rows = [f"| {size:,} candidates | p50 ms | p99 ms | SQL statements |", "|---|---:|---:|---:|"]
    for name, values in timings.items():
        rows.append(
            f"| {name} | {statistics.median(values):.1f} | {_p(values, 0.99):.1f} "
            f"| {counts[name]} |"
        )
    everything = [v for values in timings.values() for v in values]
    rows.append(
        f"| **all of the above** | **{statistics.median(everything):.1f}** "
        f"| **{_p(everything, 0.99):.1f}** | {max(counts.values())} max |"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--rounds", type=int, default=100, help="requests per filter")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured rounds first")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    args = parser.parse_args(argv)

    data_dir = Path(tempfile.mkdtemp(prefix="suplinks-bench-search-"))
    # Registered first, so it runs last: after the embedded server has stopped.
    atexit.register(shutil.rmtree, data_dir, True)
    external = os.environ.get("DATABASE_URL")
    if external:
        asyncio.run(_recreate(external, BENCH_DATABASE))
        url = _database_url(external, BENCH_DATABASE)
    else:
        from db.embedded import start_embedded

        url = start_embedded(data_dir / "embedded", cleanup_mode="delete")
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key=secrets.token_urlsafe(48),
        production=False,
        # One recruiter runs every search: measure the search, not its budget.
        rate_limits={**DEFAULT_RATE_LIMITS, "search": (10**9, 60)},
    )
    upgrade(url)
    print(
        f"searchCandidates(first: 50), 15 fields, one worker, one client; "
        f"{args.rounds} requests per filter.",
        flush=True,
    )
    worst = {}
    try:
        for size in args.sizes:
            started = time.perf_counter()
            seeded = asyncio.run(_prepare(url, size))
            token = asyncio.run(_token(url, settings.secret_key, seeded.recruiter_id))
            print(
                f"\nseeded {size:,} candidates in {time.perf_counter() - started:.0f} s", flush=True
            )
            counts = asyncio.run(_statements(url, settings, token))
            server = Server(url, settings)
            try:
                server.wait()
                timings = _measure(server.base, token, args.rounds, args.warmup)
            finally:
                server.stop()
            print("\n".join(_table(size, timings, counts)), flush=True)
            everything = [v for values in timings.values() for v in values]
            worst[size] = (statistics.median(everything), _p(everything, 0.99))
    finally:
        if external:
            asyncio.run(_recreate(external, BENCH_DATABASE, drop_only=True))
    if 100_000 in worst:
        p50, p99 = worst[100_000]
        verdict = (
            "met" if p50 <= TARGETS_AT_100K["p50"] and p99 <= TARGETS_AT_100K["p99"] else "MISSED"
        )
        print(
            f"\ntargets at 100,000: p50 <= {TARGETS_AT_100K['p50']:.0f} ms, "
            f"p99 <= {TARGETS_AT_100K['p99']:.0f} ms: {verdict} "
            f"(p50 {p50:.1f} ms, p99 {p99:.1f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
