"""Search benchmark: ``python -m bench.search [--sizes 100000 1000000]`` (``make bench``).

For each size (10k and 100k by default; ``bench.search_seed`` loads 1M in SQL,
with the indexes built once after the load: 14 minutes on a loaded 2-core
machine), serves the
API with one uvicorn worker in a subprocess on 127.0.0.1 and sends
``searchCandidates(first: 50)`` asking 15 fields, one request at a time, as a
verified recruiter with contacts and blocks. Several common filters take
turns; the table gives the median and p99 latency of each and of all of them
together, and the SQL statements per request (counted in-process on the same
app, since the server's counter is in another process).

Then, at 100k (or the first size), throughput: 8 connections sending the
same mix for a fixed time, to ``serve --workers 1`` and then ``--workers 2``
(where the workers' CPU is the limit; at 1M the common word's statement
is); the ratio of the two is the
figure to read (target: 2 workers >= 1.7x one on two cores), with each
worker's share of the requests.

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
from collections import Counter
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
from db.sqlguard import identifier

BENCH_DATABASE = "suplinks_bench_search"
SIZES = (10_000, 100_000)
# Milliseconds: the mix's p50 and p99 at each size, one worker, one client.
TARGETS = {100_000: (8.0, 20.0), 1_000_000: (20.0, 50.0)}
COMMON_WORD = "text (27% of profiles)"  # should cost at most twice the mix's p50
CONNECTIONS = 8

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
        await conn.execute(f"DROP DATABASE IF EXISTS {identifier(name)} WITH (FORCE)")
        if not drop_only:
            await conn.execute(f"CREATE DATABASE {identifier(name)}")
    finally:
        await conn.close()


# The indexes of the loaded tables that no constraint needs: dropped for the load,
# built once after it (a million rows load several times faster than with them).
INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes AS i
WHERE i.schemaname = current_schema() AND i.tablename IN ('profile', 'member', 'company')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c
                  WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
"""


async def _prepare(url: str, size: int) -> Seeded:
    """Empty tables, ``size`` candidates, then VACUUM ANALYZE (visibility map and statistics)."""
    db = Database(url, pool_size=1)
    try:
        async with db.write() as conn:
            names = ", ".join(identifier(t.name) for t in tables.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
            indexes = (await conn.execute(text(INDEXES))).all()
            for name, _ in indexes:
                await conn.execute(text(f"DROP INDEX {identifier(name)}"))
            seeded = await seed_candidates(conn, size)
            await conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            for _, definition in indexes:
                await conn.execute(text(definition))
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
    """``python app.py serve --workers N`` in its own process."""

    def __init__(self, url: str, settings: Settings, workers: int = 1) -> None:
        self.port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SUPLINKS_SECRET_KEY": settings.secret_key,
            "SUPLINKS_DATA_DIR": str(settings.data_dir),
            # One recruiter runs every search: measure the search, not its budget.
            "SUPLINKS_RATE_LIMITS": "search=1000000000/60",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "app.py",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited; run `python app.py serve` to see why")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready in 180 s")

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


async def _throughput_async(base: str, token: str, seconds: float) -> tuple[int, Counter]:
    """Requests answered by ``CONNECTIONS`` clients sending the mix for ``seconds``.

    Each client holds one connection, opened one after the other: uvicorn's
    workers share the listening socket, and the worker that wakes first
    accepts every connection already waiting, so a burst of eight connects
    would all land on one worker.
    """
    headers = {"authorization": f"Bearer {token}"}
    workers: Counter = Counter()
    filters = list(FILTERS.values())

    async def send(client: httpx.AsyncClient, f: dict | None) -> None:
        response = await client.post("/graphql", json={"query": QUERY, "variables": {"f": f}})
        assert "errors" not in response.json(), response.text
        workers[response.headers.get("x-suplinks-worker", "?")] += 1

    async def client_loop(client: httpx.AsyncClient, offset: int, stop: float) -> int:
        done = 0
        while time.monotonic() < stop:
            await send(client, filters[(offset + done) % len(filters)])
            done += 1
        return done

    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=one)
        for _ in range(CONNECTIONS)
    ]
    try:
        for client in clients:
            await send(client, None)  # opens its connection
            await asyncio.sleep(0.05)
        workers.clear()
        stop = time.monotonic() + seconds
        counts = await asyncio.gather(
            *(client_loop(client, n, stop) for n, client in enumerate(clients))
        )
    finally:
        for client in clients:
            await client.aclose()
    return sum(counts), workers


def _throughput(
    url: str, settings: Settings, token: str, workers: int, seconds: float
) -> tuple[float, str]:
    """Requests per second with ``workers`` workers, and each worker's share of them."""
    server = Server(url, settings, workers)
    try:
        server.wait()
        for _ in range(30):  # until every worker answers (each starts on its own)
            if len(asyncio.run(_throughput_async(server.base, token, 2))[1]) == workers:
                break
        done, by_worker = asyncio.run(_throughput_async(server.base, token, seconds))
    finally:
        server.stop()
    shares = ", ".join(f"{100 * n / done:.0f}%" for _, n in by_worker.most_common())
    return done / seconds, f"each worker's share: {shares}"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _table(
    size: int,
    timings: dict[str, list[float]],
    counts: dict[str, int],
    smaller: tuple[int, dict[str, list[float]]] | None,
) -> list[str]:
    """p50 and p99 per filter, with two in-run ratios that survive a busy machine.

    ``x no filter``: the filter's p50 over the plain search's (the cheapest,
    where the work outside SQL dominates). ``x <smaller size>``: the filter's
    p50 over its p50 at the previous size of the same run (how it grows).
    """
    base = statistics.median(timings["no filter"])
    growth = f" x {smaller[0]:,} |" if smaller else ""
    rows = [
        f"| {size:,} candidates | p50 ms | p99 ms | x no filter |{growth} SQL statements |",
        "|---|---:|---:|---:|" + ("---:|" if smaller else "") + "---:|",
    ]
    for name, values in timings.items():
        p50 = statistics.median(values)
        ratio = f" {p50 / statistics.median(smaller[1][name]):.2f} |" if smaller else ""
        rows.append(
            f"| {name} | {p50:.1f} | {_p(values, 0.99):.1f} | {p50 / base:.2f} |{ratio}"
            f" {counts[name]} |"
        )
    everything = [v for values in timings.values() for v in values]
    total = ""
    if smaller:
        before = statistics.median([v for values in smaller[1].values() for v in values])
        total = f" **{statistics.median(everything) / before:.2f}** |"
    rows.append(
        f"| **all of the above** | **{statistics.median(everything):.1f}** "
        f"| **{_p(everything, 0.99):.1f}** | {statistics.median(everything) / base:.2f} |"
        f"{total} {max(counts.values())} max |"
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--rounds", type=int, default=100, help="requests per filter")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured rounds first")
    parser.add_argument("--sizes", type=int, nargs="*", default=list(SIZES))
    parser.add_argument(
        "--throughput-seconds",
        type=float,
        default=20,
        help="how long each throughput run lasts, at 100k (else the first size); 0: skip it",
    )
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
    smaller = None
    # Throughput where the workers' CPU is the limit, not one slow statement.
    throughput_size = 100_000 if 100_000 in args.sizes else args.sizes[0]
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
            print("\n".join(_table(size, timings, counts, smaller)), flush=True)
            print(_verdict(size, timings), flush=True)
            smaller = (size, timings)
            if size == throughput_size and args.throughput_seconds > 0:
                _report_throughput(url, settings, token, size, args.throughput_seconds)
    finally:
        if external:
            asyncio.run(_recreate(external, BENCH_DATABASE, drop_only=True))
    return 0


def _report_throughput(url: str, settings: Settings, token: str, size: int, seconds: float) -> None:
    """Requests per second with 1 and then 2 workers, and their ratio (target >= 1.7)."""
    print(
        f"\nthroughput at {size:,}: {CONNECTIONS} connections, the same mix, {seconds:.0f} s a run",
        flush=True,
    )
    rates = {}
    for workers in (1, 2):
        rates[workers], shares = _throughput(url, settings, token, workers, seconds)
        print(f"  {workers} worker(s): {rates[workers]:.1f} requests/s ({shares})", flush=True)
    ratio = rates[2] / rates[1]
    verdict = "met" if ratio >= 1.7 else "MISSED"
    print(f"  2 workers / 1 worker = {ratio:.2f} (target >= 1.7): {verdict}", flush=True)


def _verdict(size: int, timings: dict[str, list[float]]) -> str:
    """The size's targets (if it has any), met or MISSED, from this run's figures."""
    everything = [v for values in timings.values() for v in values]
    p50, p99 = statistics.median(everything), _p(everything, 0.99)
    word = statistics.median(timings[COMMON_WORD])
    lines = [f"mix p50 {p50:.1f} ms, p99 {p99:.1f} ms; {COMMON_WORD}: {word / p50:.2f}x the p50"]
    if size in TARGETS:
        target_p50, target_p99 = TARGETS[size]
        met = p50 <= target_p50 and p99 <= target_p99 and word <= 2 * p50
        lines.append(
            f"targets at {size:,}: p50 <= {target_p50:.0f} ms, p99 <= {target_p99:.0f} ms, "
            f"common word <= 2x p50: {'met' if met else 'MISSED'}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
