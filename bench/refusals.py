"""Refusals that take alike: ``python -m bench.refusals``.

Promise (Hidden members do not exist): a member hidden from the caller must
answer like an unknown id or a deleted member, in time as well as in bytes.
For each path that takes a member id (``sendContactRequest``,
``blockMember``, ``unblockMember``, ``profile``, ``node``) a verified
recruiter sends the request for three targets: an id naming nobody, a member
who deleted their account, and a candidate who blocks the recruiter. The
three are interleaved in a shuffled order in every round, so that machine
noise hits them alike, through the app in this process (no network between
them: only the server's own work is timed).

The table gives each case's median and the AUC of hidden against unknown and
against deleted: the probability that a hidden sample is slower than the
other, ties counting half, folded so that 0.5 means "cannot be told apart"
and 1.0 "always told apart". Target: AUC <= 0.55. The answers' bytes are
compared too (they must be identical). Every number comes from this run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete, insert, update

from app import create_app
from auth.security import TokenClaims, issue_token
from bench.database import temporary_database
from bench.privacy import bench_settings
from bench.world import seed
from config import Settings
from db.engine import Database
from db.models import AuthSession, Member, MemberBlock
from policies.authorizer import get_authorizer
from views import ids

TARGET = 0.55
CASES = ("unknown", "deleted", "hidden")
MESSAGE = "Hello, your work on distributed systems caught my eye; could we talk?"
BLOCK = "mutation($id: ID!) {{ {0}(profileId: $id) {{ ok userErrors {{ code message field }} }} }}"
SEND = """mutation($id: ID!, $m: String!) {
  sendContactRequest(profileId: $id, message: $m) {
    request { id } userErrors { code message field } } }"""

# Each path: its document and its variables for a target id.
PATHS: dict[str, tuple[str, Callable[[str], dict]]] = {
    "sendContactRequest": (SEND, lambda target: {"id": target, "m": MESSAGE}),
    "blockMember": (BLOCK.format("blockMember"), lambda target: {"id": target}),
    "unblockMember": (BLOCK.format("unblockMember"), lambda target: {"id": target}),
    "profile": ("query($id: ID!) { profile(id: $id) { id alias } }", lambda t: {"id": t}),
    "node": ("query($id: ID!) { node(id: $id) { id } }", lambda t: {"id": t}),
}


@dataclass
class PathResult:
    path: str
    ms: dict[str, list[float]] = field(default_factory=lambda: {case: [] for case in CASES})
    identical: bool = True

    def median(self, case: str) -> float:
        return statistics.median(self.ms[case])

    def auc(self, other: str) -> float:
        return auc(self.ms["hidden"], self.ms[other])


def auc(a: list[float], b: list[float]) -> float:
    """Folded AUC of ``a`` against ``b`` (Mann-Whitney U over all pairs, ties half):
    0.5 when the two cannot be told apart, 1.0 when they never overlap."""
    ranked = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks_a = 0.0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank = (i + j + 1) / 2  # the average of ranks i+1 .. j
        ranks_a += rank * sum(1 for k in range(i, j) if ranked[k][1] == 0)
        i = j
    u = ranks_a - len(a) * (len(a) + 1) / 2
    value = u / (len(a) * len(b))
    return max(value, 1 - value)


@dataclass(frozen=True)
class Targets:
    token: str
    ids: dict[str, str]  # case -> opaque profile id


async def prepare(db: Database, settings: Settings) -> Targets:
    """A verified recruiter, a candidate who blocks them, and a member who left."""
    world = await seed(db, 2)
    recruiter = world.viewer.member_id
    hidden, deleted = world.owner_ids
    session, expires = uuid.uuid4(), datetime.now(UTC) + timedelta(hours=2)
    async with db.write() as conn:
        await conn.execute(
            update(Member.__table__).where(Member.id == recruiter).values(company_role="ADMIN")
        )
        await conn.execute(
            insert(MemberBlock.__table__).values(blocker_id=hidden, blocked_id=recruiter)
        )
        await conn.execute(delete(Member.__table__).where(Member.id == deleted))
        await conn.execute(
            insert(AuthSession.__table__).values(
                id=session, member_id=recruiter, expires_at=expires
            )
        )
    token = issue_token(settings.secret_key, TokenClaims("member", session, expires))
    # Each id as the recruiter's company knows it (per-company pseudonyms).
    audience = world.viewer.audience
    opaque = {
        "unknown": ids.profile_id(settings, audience, uuid.uuid4()),
        "deleted": ids.profile_id(settings, audience, deleted),
        "hidden": ids.profile_id(settings, audience, hidden),
    }
    return Targets(token, opaque)


def unlimited(settings: Settings) -> Settings:
    """The per-recruiter contact budget would refuse most samples: lift it."""
    return replace(settings, rate_limits={**settings.rate_limits, "contact": (10**9, 60)})


async def measure(
    db: Database, settings: Settings, *, samples: int, warmup: int, seed_: int = 12
) -> list[PathResult]:
    settings = unlimited(settings)
    targets = await prepare(db, settings)
    app = create_app(settings, db, get_authorizer())
    headers = {"authorization": f"Bearer {targets.token}"}
    rnd = random.Random(seed_)
    results = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        async def send(path: str, case: str) -> tuple[float, bytes]:
            query, variables = PATHS[path]
            body = {"query": query, "variables": variables(targets.ids[case])}
            start = time.perf_counter()
            response = await client.post("/graphql", json=body, headers=headers)
            elapsed = (time.perf_counter() - start) * 1000
            return elapsed, response.content

        for path in PATHS:
            result = PathResult(path)
            for _ in range(warmup):
                for case in CASES:
                    await send(path, case)
            # What exists by now lives on: collections between rounds then walk only
            # the garbage of the last round, and cost little.
            gc.freeze()
            for _ in range(samples):
                order = list(CASES)
                rnd.shuffle(order)
                gc.collect()  # no garbage of one round is collected inside the next
                answers = set()
                for case in order:
                    ms, content = await send(path, case)
                    result.ms[case].append(ms)
                    answers.add(content)
                result.identical &= len(answers) == 1
            results.append(result)
    return results


def report(results: list[PathResult], samples: int) -> str:
    lines = [
        f"Refusals: {samples} interleaved samples per case and path (medians in ms;"
        f" AUC folded, 0.5 = indistinguishable, target <= {TARGET})",
        "",
        "| path | unknown | deleted | hidden | AUC hidden/unknown | AUC hidden/deleted"
        " | same bytes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        verdicts = [f"{r.auc(other):.3f}" for other in ("unknown", "deleted")]
        lines.append(
            f"| {r.path} | {r.median('unknown'):.3f} | {r.median('deleted'):.3f}"
            f" | {r.median('hidden'):.3f} | {verdicts[0]} | {verdicts[1]}"
            f" | {'yes' if r.identical else 'NO'} |"
        )
    worst = max(max(r.auc("unknown"), r.auc("deleted")) for r in results)
    lines += ["", f"worst AUC: {worst:.3f} ({'within' if worst <= TARGET else 'above'} target)"]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> None:
    async with temporary_database() as (url, where):
        db = Database(url)
        try:
            print(f"database: {where}")
            results = await measure(
                db, bench_settings(url), samples=args.samples, warmup=args.warmup
            )
            print(report(results, args.samples))
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.refusals", description=__doc__)
    parser.add_argument("--samples", type=int, default=400, help="timed samples per case")
    parser.add_argument("--warmup", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
