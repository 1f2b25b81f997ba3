"""The privacy benchmark: ``python -m bench.privacy`` or ``make bench``.

Seeds a recruiter and N candidates in a throw-away PostgreSQL database, then
times the same ``profiles(ids) { id + 15 private fields }`` query answered by
each variant of ``bench.variants``, in one run, interleaved. Queries are
executed in-process (``await schema.execute(query, context_value=ctx)``, a
fresh per-request ``Context`` each time, DataLoaders and SQL included) so that
HTTP handling does not drown the difference being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.database import temporary_database
from bench.timing import Samples, interleaved, timed
from bench.variants import FIELDS, QUERY, Variant, variants
from bench.world import World, seed
from config import Settings
from db import facts as facts_db
from db import profiles as profiles_db
from db.engine import Database
from policies.authorizer import Authorizer, get_authorizer
from views import ids
from web.context import Context

POLICY_TARGET = 1.15  # policy path / no policy, at most
OBVIOUS_TARGET = 20.0  # obvious / policy path, at least
SLOW = ("obvious", "fresh")  # timed fewer times: each run takes about a second


def bench_settings(url: str) -> Settings:
    return Settings(
        database_url=url,
        data_dir=Path(tempfile.gettempdir()),
        secret_key="benchmark-only-secret-key-0123456789abcdef",
        production=False,
    )


@dataclass(frozen=True)
class Primed:
    """Rows and facts handed to the DataLoaders beforehand: a run then sends no SQL."""

    rows: dict[uuid.UUID, Any]
    facts: dict[uuid.UUID, Any]


async def execute(
    variant: Variant,
    db: Database,
    settings: Settings,
    authorizer: Authorizer,
    world: World,
    primed: Primed | None = None,
) -> list[dict[str, Any] | None]:
    """Run the benchmark query once through ``variant``, as one request of the viewer."""
    ctx = Context(db=db, settings=settings, authorizer=authorizer, identity=world.viewer)
    if primed is not None:
        ctx.profiles.prime_many(primed.rows)
        ctx.facts.prime_many(primed.facts)
    if variant.pseudonymous:
        audience = world.viewer.audience
        opaque = [ids.profile_id(settings, audience, i) for i in world.owner_ids]
    else:
        opaque = [ids.encode(ids.PROFILE, i) for i in world.owner_ids]
    result = await variant.schema.execute(QUERY, variable_values={"ids": opaque}, context_value=ctx)
    if result.errors:
        raise RuntimeError(f"{variant.key}: {result.errors}")
    return result.data["profiles"]


@dataclass
class Results:
    variants: list[Variant]
    samples: dict[str, Samples]  # the main table
    cold: dict[str, float]  # the first run of each variant, ms
    sql: dict[str, int]  # statements sent by one run
    in_memory: dict[str, Samples]  # "plain" and "policy_unlogged" with primed loaders


async def prime(db: Database, world: World) -> Primed:
    async with db.autocommit() as conn:
        rows = await profiles_db.load_profiles(conn, world.owner_ids)
        facts = await facts_db.load_facts(conn, world.viewer.member_id, world.owner_ids)
    return Primed(rows, facts)


async def measure(
    db: Database, settings: Settings, world: World, *, reps: int, slow_reps: int, warmup: int
) -> Results:
    """Time every variant (interleaved), then the policy work alone (no SQL)."""
    authorizer = get_authorizer()
    chosen = variants()

    def runner(v: Variant, primed: Primed | None = None):
        return lambda: execute(v, db, settings, authorizer, world, primed)

    runs = {v.key: runner(v) for v in chosen}
    cold: dict[str, float] = {}
    for key, run in runs.items():
        cold[key] = await timed(run)
    counts = {key: (slow_reps if key in SLOW else reps) for key in runs}
    samples = await interleaved(runs, counts, warmup)
    sql = {}
    for v in chosen:
        db.counter.reset()
        await runs[v.key]()
        sql[v.key] = db.counter.count
    primed = await prime(db, world)
    by_key = {v.key: v for v in chosen}
    in_memory = await interleaved(
        {key: runner(by_key[key], primed) for key in ("plain", "policy_unlogged")},
        {"plain": reps, "policy_unlogged": reps},
        warmup,
    )
    return Results(chosen, samples, cold, sql, in_memory)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def report(results: Results) -> str:
    """The results as a Markdown table (ready for the README), then the checks."""
    samples = results.samples
    base = samples["plain"].median
    lines = [
        "| variant | median ms | p90 ms | x no policy | runs | SQL statements |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for v in results.variants:
        s = samples[v.key]
        lines.append(
            f"| {v.label} | {s.median:.2f} | {s.p90:.2f} | {s.median / base:.2f} "
            f"| {len(s.ms)} | {results.sql[v.key]} |"
        )
    policy = samples["policy"].median / base
    obvious = samples["obvious"].median / samples["policy"].median
    plain_mem = results.in_memory["plain"].median
    policy_mem = results.in_memory["policy_unlogged"].median
    cold = ", ".join(f"{key} {ms:.1f} ms" for key, ms in results.cold.items())
    lines += [
        "",
        f"policy path / no policy = {policy:.2f} (target <= {POLICY_TARGET}): "
        f"{_verdict(policy <= POLICY_TARGET)}",
        f"obvious / policy path = {obvious:.1f} (target >= {OBVIOUS_TARGET:g}): "
        f"{_verdict(obvious >= OBVIOUS_TARGET)}",
        "",
        f"policy work alone (2b vs 1 with the DataLoaders primed, no SQL): "
        f"{policy_mem:.2f} ms vs {plain_mem:.2f} ms = {policy_mem / plain_mem:.2f}",
        f"first (cold) run of each: {cold} (the policy memo starts empty)",
    ]
    return "\n".join(lines)


def header(world: World, where: str, args: argparse.Namespace) -> str:
    return "\n".join(
        [
            "SUPLINKS privacy benchmark",
            f"- query: profiles(ids) {{ id + {len(FIELDS)} private fields }} for "
            f"{len(world.owner_ids)} candidates; viewer: a verified recruiter with "
            f"{world.contacts} accepted contacts and {world.pending} pending requests among them",
            "- executed in-process with `await schema.execute(query, context_value=ctx)` "
            "(no HTTP), a fresh Context (DataLoaders, SQL included) per run",
            f"- {where}; Python {platform.python_version()}",
            f"- {args.warmup} warm-up runs each, then interleaved rounds: {args.reps} timed runs "
            f"of 1, 2, 2b and {args.slow_reps} of 3, 4",
            "- 2b = 2 without the access-log extension (its insert records who received "
            "narrow-audience fields: here the contacts' identity)",
            "- 3 is the obvious implementation the target uses: Oso evaluates the rules "
            "(bench/obvious.polar) on the viewer and row objects, afresh for every field",
            "- SQL statements: sent by one run of the query",
            "",
        ]
    )


async def run(args: argparse.Namespace) -> None:
    async with temporary_database() as (url, where):
        db = Database(url)
        try:
            settings = bench_settings(url)
            world = await seed(db, args.profiles)
            print(header(world, where, args))
            results = await measure(
                db, settings, world, reps=args.reps, slow_reps=args.slow_reps, warmup=args.warmup
            )
            print(report(results))
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100)
    parser.add_argument("--reps", type=int, default=40, help="timed runs of variants 1, 2, 2b")
    parser.add_argument("--slow-reps", type=int, default=10, help="timed runs of variants 3, 4")
    parser.add_argument("--warmup", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
