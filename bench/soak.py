"""Soak: ``python -m bench.soak [--minutes 10] [--rate 10]``.

One ``serve --demo`` process on 127.0.0.1 receives requests at a fixed rate
(open loop: a slow answer does not slow the sender) for a fixed time, then the
run stops by itself. The requests mix the main operations of each kind of
client: a candidate's ``viewer`` and contacts, a recruiter's ``profile(id)``,
``searchCandidates`` (three recruiters take turns, within their search budget)
and contacts, a partner ATS's ``pipeline`` (its own client, token from
``/oauth/token``), and mutations (``updateProfile``, ``setFieldAudience``).

Reported: the server process's RSS over time (psutil), its growth after the
warm-up (the first minute; target < 10%), the error count (any non-200 answer
or GraphQL error; target 0), and p50/p99 per minute (target: flat).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import sys
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psutil

from bench.served import CANDIDATE, bearer, demo_service, error_code, log_in, percentile

RECRUITERS = ("rita@northwind.example", "sam@globex.example", "tom@telecom.example")
CONCURRENCY = 64  # requests in flight at most; beyond it the sender waits (and it shows)
# Connections kept open between requests: few, so that none sits idle long enough for
# the server to close it (uvicorn: 5 s) just as a request is sent on it.
KEEPALIVE = 8
RSS_EVERY = 5.0  # seconds
TARGET_GROWTH = 0.10

CONTACTS = """{ viewer { contacts(first: 20) { edges { node {
  id status createdAt counterpart { id alias headline fullName } } } } } }"""
PROFILE = "query($id: ID!) { profile(id: $id) { id alias headline region seniority skills } }"
SEARCH = """query($f: CandidateFilter) { searchCandidates(filter: $f, first: 20) {
  edges { node { id alias headline skills } } pageInfo { hasNextPage endCursor } } }"""
PIPELINE = """{ pipeline(first: 20) { edges { node { id status sharedWithAts
  counterpart { id alias fullName email skills } } } } }"""
VIEWER = "{ viewer { profile { id alias fullName headline skills } } }"
UPDATE = """mutation($h: String!) { updateProfile(input: {headline: $h}) {
  profile { headline } userErrors { code } } }"""
AUDIENCE = """mutation($a: Audience!) { setFieldAudience(field: "summary", audience: $a) {
  userErrors { code } } }"""
CREATE_CLIENT = """mutation { createApiClient(name: "Soak ATS", scopes: ["pipeline:read"]) {
  clientId clientSecret } }"""


@dataclass(frozen=True)
class Call:
    kind: str
    query: str
    token: str
    variables: dict | None = None


@dataclass
class Minute:
    ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


@dataclass
class SoakResult:
    rate: float
    seconds: float
    minutes: dict[int, Minute]
    rss: list[tuple[float, int]]  # (seconds since start, bytes)
    late: int  # requests that waited for a free slot (the server fell behind)

    @property
    def errors(self) -> Counter[str]:
        return sum((m.errors for m in self.minutes.values()), Counter())

    @property
    def requests(self) -> int:
        return sum(len(m.ms) for m in self.minutes.values())

    def growth_after(self, warmup: float) -> float:
        """RSS growth from the first sample after ``warmup`` seconds to the last sample."""
        after = [rss for t, rss in self.rss if t >= warmup] or [self.rss[-1][1]]
        return (after[-1] - after[0]) / after[0]


def _gql(base: str, query: str, token: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        base + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=bearer(token),
        timeout=60,
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def _partner_token(base: str, recruiter: str) -> str:
    """A new API client of the recruiter's company, and its access token."""
    client = _gql(base, CREATE_CLIENT, recruiter)["createApiClient"]
    basic = base64.b64encode(f"{client['clientId']}:{client['clientSecret']}".encode()).decode()
    response = httpx.post(
        base + "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "pipeline:read"},
        headers={"authorization": f"Basic {basic}"},
        timeout=60,
    )
    return response.json()["access_token"]


def mix(base: str) -> list[Call]:
    """One round of the mix; the soak repeats it. Weights: what clients mostly do, and each
    budget holds at 20 requests/s (searches: about 70 a minute per recruiter; the
    partner's pipeline: about 70 a minute)."""
    candidate = log_in(base, CANDIDATE)
    recruiters = [log_in(base, email) for email in RECRUITERS]
    rita = recruiters[0]
    partner = _partner_token(base, rita)
    contacts = _gql(base, CONTACTS, rita)["viewer"]["contacts"]["edges"]
    profile_id = contacts[0]["node"]["counterpart"]["id"]
    searches = [
        Call("search", SEARCH, token, {"f": f})
        for token, f in zip(
            recruiters, [None, {"skills": ["python"]}, {"openToOpportunities": True}], strict=True
        )
    ]
    return [
        Call("viewer", VIEWER, candidate),
        Call("viewer", VIEWER, rita),
        Call("profile", PROFILE, rita, {"id": profile_id}),
        Call("contacts", CONTACTS, candidate),
        Call("contacts", CONTACTS, rita),
        searches[0],
        Call("pipeline", PIPELINE, partner),
        Call("viewer", VIEWER, candidate),
        Call("profile", PROFILE, rita, {"id": profile_id}),
        searches[1],
        Call("update", UPDATE, candidate, {"h": "Backend engineer, soak A"}),
        Call("audience", AUDIENCE, candidate, {"a": "RECRUITERS"}),
        Call("viewer", VIEWER, rita),
        Call("contacts", CONTACTS, candidate),
        searches[2],
        Call("profile", PROFILE, rita, {"id": profile_id}),
        Call("update", UPDATE, candidate, {"h": "Backend engineer, soak B"}),
        Call("audience", AUDIENCE, candidate, {"a": "CONTACTS"}),
    ]


async def _send(client: httpx.AsyncClient, call: Call, minute: Minute, slots) -> None:
    try:
        start = asyncio.get_running_loop().time()
        response = await client.post(
            "/graphql",
            json={"query": call.query, "variables": call.variables or {}},
            headers=bearer(call.token),
        )
        minute.ms.append((asyncio.get_running_loop().time() - start) * 1000)
        code = error_code(response)
        if code != "ok":
            minute.errors[f"{call.kind}: {code}"] += 1
    except httpx.HTTPError as exc:
        minute.errors[f"{call.kind}: {type(exc).__name__}"] += 1
    finally:
        slots.release()


async def _watch_rss(pid: int, started: float, samples: list, stop: asyncio.Event) -> None:
    process = psutil.Process(pid)
    loop = asyncio.get_running_loop()
    while True:
        samples.append((loop.time() - started, process.memory_info().rss))
        try:
            await asyncio.wait_for(stop.wait(), RSS_EVERY)
            samples.append((loop.time() - started, process.memory_info().rss))
            return
        except TimeoutError:
            pass


async def soak(
    base: str, pid: int, calls: list[Call], *, minutes: float, rate: float
) -> SoakResult:
    """Send ``calls`` round-robin at ``rate`` per second for ``minutes``; stop by itself."""
    loop = asyncio.get_running_loop()
    total = max(1, round(minutes * 60 * rate))  # bounded in count as well as in time
    slots = asyncio.Semaphore(CONCURRENCY)
    by_minute: dict[int, Minute] = {}
    rss: list[tuple[float, int]] = []
    stop, tasks, late = asyncio.Event(), [], 0
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=KEEPALIVE)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        started = loop.time()
        watcher = asyncio.create_task(_watch_rss(pid, started, rss, stop))
        deadline = started + minutes * 60
        for i, call in zip(range(total), itertools.cycle(calls)):
            if loop.time() > deadline:  # a server that fell behind does not stretch the run
                break
            due = started + i / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            if slots.locked():
                late += 1
            await slots.acquire()
            minute = by_minute.setdefault(int((loop.time() - started) // 60), Minute())
            tasks.append(asyncio.create_task(_send(client, call, minute, slots)))
        await asyncio.gather(*tasks)
        seconds = loop.time() - started
        stop.set()
        await watcher
    return SoakResult(rate, seconds, by_minute, rss, late)


def report(result: SoakResult, warmup: float = 60) -> str:
    lines = [
        f"{result.requests} requests in {result.seconds:.0f} s at {result.rate:g}/s "
        f"({result.late} waited for one of {CONCURRENCY} slots)",
        "",
        "| minute | requests | errors | p50 ms | p99 ms | RSS at end MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for index, minute in sorted(result.minutes.items()):
        end = (index + 1) * 60
        rss = [b for t, b in result.rss if t <= end][-1]
        lines.append(
            f"| {index + 1} | {len(minute.ms)} | {sum(minute.errors.values())} "
            f"| {percentile(minute.ms, 50):.1f} | {percentile(minute.ms, 99):.1f} "
            f"| {rss / 2**20:.1f} |"
        )
    first, last = result.rss[0][1], result.rss[-1][1]
    warm = min(warmup, result.rss[-1][0] / 2)  # a short run warms up for its first half
    errors = result.errors
    lines += [
        "",
        f"RSS: {first / 2**20:.1f} MB at start, {last / 2**20:.1f} MB at the end; "
        f"growth after the first {warm:.0f} s: {result.growth_after(warm) * 100:+.1f}% "
        f"(target < {TARGET_GROWTH * 100:.0f}%)",
        f"errors: {sum(errors.values())} (target 0)"
        + (": " + ", ".join(f"{k} x{n}" for k, n in errors.most_common()) if errors else ""),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10, help="length of the run")
    parser.add_argument("--rate", type=float, default=10, help="requests per second")
    args = parser.parse_args(argv)
    with demo_service() as service:
        calls = mix(service.base)
        result = asyncio.run(
            soak(service.base, service.pid, calls, minutes=args.minutes, rate=args.rate)
        )
    print(report(result))
    return 0 if not result.errors else 1


if __name__ == "__main__":
    sys.exit(main())
