"""Expensive documents: ``python -m bench.attacks``.

Two requests an attacker sends to make one ``serve`` process work for
everybody else's time:

- the alias flood: 100,000 aliases of ``__typename`` in one anonymous 2.4 MB
  document;
- the search flood: 2,000 aliased ``searchCandidates(first: 100)`` in one
  request, as a verified recruiter.

For each, the attack is sent again and again (one at a time) while an ordinary
query (a recruiter's ``viewer``) is sent one at a time beside it. The table
gives the attack's round trip (on loopback, the server's time to answer or
refuse it) and how it was answered, and the ordinary query's p50 during the
attack against its idle p50 in the same run; target: within 2x of idle.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from dataclasses import dataclass, field

import httpx

from bench.served import (
    RECRUITER,
    VIEWER,
    bearer,
    demo_service,
    error_code,
    log_in,
    percentile,
    timed_post,
)

TARGET = 2.0


@dataclass
class Attack:
    label: str
    document: str
    as_recruiter: bool


def alias_flood(aliases: int = 100_000) -> Attack:
    document = "query { " + "".join(f"alias{i}:__typename " for i in range(aliases)) + "}"
    return Attack(f"alias flood ({aliases:,} aliases, anonymous)", document, False)


def search_flood(searches: int = 2_000) -> Attack:
    search = "searchCandidates(first: 100) { edges { node { id alias } } }"
    document = "query { " + "".join(f"s{i}: {search} " for i in range(searches)) + "}"
    return Attack(f"search flood ({searches:,} x searchCandidates(first: 100))", document, True)


@dataclass
class AttackResult:
    attack: Attack
    attack_ms: list[float] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)
    ordinary_ms: list[float] = field(default_factory=list)


async def ordinary(client: httpx.AsyncClient, stop: asyncio.Event, times: list[float]) -> None:
    """The viewer query, one at a time, until ``stop``."""
    while not stop.is_set():
        ms, response = await timed_post(client, "/graphql", json={"query": VIEWER})
        assert error_code(response) == "ok", response.text
        times.append(ms)


async def idle_p50(client: httpx.AsyncClient, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        ms, _ = await timed_post(client, "/graphql", json={"query": VIEWER})
        times.append(ms)
    return times


async def under_attack(
    base: str, token: str, attack: Attack, *, repeats: int, seconds: float
) -> AttackResult:
    """Send ``attack`` ``repeats`` times (or for ``seconds``) with the ordinary query beside it."""
    result = AttackResult(attack)
    headers = bearer(token) if attack.as_recruiter else {}
    body = {"query": attack.document}
    deadline = asyncio.get_running_loop().time() + seconds
    stop = asyncio.Event()
    async with (
        httpx.AsyncClient(base_url=base, headers=bearer(token), timeout=120) as member,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as attacker,
    ):
        beside = asyncio.create_task(ordinary(member, stop, result.ordinary_ms))
        for _ in range(repeats):
            ms, response = await timed_post(attacker, "/graphql", json=body)
            result.attack_ms.append(ms)
            result.answers[f"{response.status_code} {error_code(response)}"] += 1
            if asyncio.get_running_loop().time() > deadline:
                break
        stop.set()
        await beside
    return result


async def measure(
    base: str,
    token: str,
    attacks: list[Attack],
    *,
    repeats: int = 20,
    seconds: float = 60,
    samples: int = 200,
) -> tuple[list[float], list[AttackResult]]:
    async with httpx.AsyncClient(base_url=base, headers=bearer(token), timeout=60) as client:
        await idle_p50(client, 20)  # warm-up
        idle = await idle_p50(client, samples)
    results = [
        await under_attack(base, token, attack, repeats=repeats, seconds=seconds)
        for attack in attacks
    ]
    return idle, results


def report(idle: list[float], results: list[AttackResult]) -> str:
    idle50 = percentile(idle, 50)
    lines = [
        f"ordinary query (recruiter's viewer) idle: p50 {idle50:.2f} ms over {len(idle)} requests",
        "",
        "| attack | size | sent | answered | attack p50 ms | viewer p50 ms during | x idle |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        during = percentile(r.ordinary_ms, 50) if r.ordinary_ms else float("nan")
        answered = ", ".join(f"{code} x{n}" for code, n in r.answers.most_common())
        lines.append(
            f"| {r.attack.label} | {len(r.attack.document) / 1e6:.1f} MB | {len(r.attack_ms)} "
            f"| {answered} | {percentile(r.attack_ms, 50):.1f} | {during:.2f} "
            f"| {during / idle50:.2f} |"
        )
    lines.append(f"\ntarget: the viewer p50 during each attack <= {TARGET:g}x idle")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attacks", description=__doc__)
    parser.add_argument("--repeats", type=int, default=20, help="attacks sent, at most")
    parser.add_argument("--seconds", type=float, default=60, help="per attack, at most")
    parser.add_argument("--aliases", type=int, default=100_000, help="aliases in the flood")
    parser.add_argument("--searches", type=int, default=2_000, help="searches in one request")
    args = parser.parse_args(argv)
    attacks = [alias_flood(args.aliases), search_flood(args.searches)]
    with demo_service() as service:
        token = log_in(service.base, RECRUITER)
        idle, results = asyncio.run(
            measure(service.base, token, attacks, repeats=args.repeats, seconds=args.seconds)
        )
    print(report(idle, results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
