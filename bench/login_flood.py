"""Login flood: ``python -m bench.login_flood``.

Password hashing is the one deliberately slow thing the service does. While 20
loops send ``logIn`` with random emails as fast as they are answered, does an
ordinary query (a recruiter's ``viewer``) stay fast? The p50 of that query,
sent one at a time, idle and then under the flood, in the same run against one
``serve`` process; target: under the flood within 3x of idle. The
table also says how the flood's ``logIn`` calls were answered (a refused one
costs no hash). ``--lift-budgets`` lifts the logIn budgets (per email and per
address), so that every call of the flood is hashed: what is left is the
hashing pool's own protection of the event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
from collections import Counter
from dataclasses import dataclass

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

TARGET = 3.0
LIFTED = {"SUPLINKS_RATE_LIMITS": "login=1000000/60,login_ip=1000000/60"}
WRONG_LOG_IN = """mutation($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token userErrors { code } }
}"""


@dataclass
class FloodResult:
    idle_ms: list[float]
    flooded_ms: list[float]
    loops: int
    seconds: float
    outcomes: Counter[str]

    @property
    def ratio(self) -> float:
        return percentile(self.flooded_ms, 50) / percentile(self.idle_ms, 50)


async def probe(base: str, token: str, samples: int, seconds: float) -> list[float]:
    """Viewer queries, one at a time, ``samples`` of them or for ``seconds``; each in ms."""
    deadline = asyncio.get_running_loop().time() + seconds
    async with httpx.AsyncClient(base_url=base, headers=bearer(token), timeout=60) as client:
        times: list[float] = []
        while len(times) < samples and asyncio.get_running_loop().time() < deadline:
            ms, response = await timed_post(client, "/graphql", json={"query": VIEWER})
            assert error_code(response) == "ok", response.text
            times.append(ms)
        return times


async def log_in_loop(base: str, stop: asyncio.Event, outcomes: Counter[str]) -> None:
    """``logIn`` with a new random email, again and again, until ``stop``."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not stop.is_set():
            email = f"{secrets.token_hex(6)}@flood.example"
            variables = {"e": email, "p": "not the password at all"}
            response = await client.post(
                "/graphql", json={"query": WRONG_LOG_IN, "variables": variables}
            )
            outcomes[_outcome(response)] += 1


def _outcome(response: httpx.Response) -> str:
    """The userError code of a refused logIn, else the error code (RATE_LIMITED, ...)."""
    code = error_code(response)
    if code != "ok":
        return code
    errors = response.json()["data"]["logIn"]["userErrors"]
    return errors[0]["code"] if errors else "ok"


async def measure(
    base: str, token: str, *, loops: int = 20, samples: int = 200, seconds: float = 30
) -> FloodResult:
    await probe(base, token, 20, seconds)  # warm-up
    idle = await probe(base, token, samples, seconds)
    stop, outcomes = asyncio.Event(), Counter()
    flood = [asyncio.create_task(log_in_loop(base, stop, outcomes)) for _ in range(loops)]
    await asyncio.sleep(1)  # the loops are running
    started = asyncio.get_running_loop().time()
    flooded = await probe(base, token, samples, seconds)
    seconds = asyncio.get_running_loop().time() - started
    stop.set()
    await asyncio.gather(*flood)
    return FloodResult(idle, flooded, loops, seconds, outcomes)


def report(result: FloodResult) -> str:
    idle50 = percentile(result.idle_ms, 50)
    rows = [
        ("idle", result.idle_ms),
        (f"under {result.loops} logIn loops", result.flooded_ms),
    ]
    lines = [
        "| viewer query | p50 ms | p90 ms | x idle p50 |",
        "|---|---:|---:|---:|",
    ]
    for label, ms in rows:
        p50, p90 = percentile(ms, 50), percentile(ms, 90)
        lines.append(f"| {label} | {p50:.2f} | {p90:.2f} | {p50 / idle50:.2f} |")
    total = sum(result.outcomes.values())
    answered = ", ".join(f"{code} {n}" for code, n in result.outcomes.most_common())
    lines += [
        "",
        f"flood: {total} logIn in {result.seconds:.1f} s ({total / result.seconds:.1f}/s): "
        f"{answered}",
        f"under the flood / idle = {result.ratio:.2f} (target <= {TARGET:g})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood", description=__doc__)
    parser.add_argument("--loops", type=int, default=20, help="concurrent logIn loops")
    parser.add_argument(
        "--samples", type=int, default=200, help="viewer queries per phase, at most"
    )
    parser.add_argument("--seconds", type=float, default=30, help="length of a phase, at most")
    parser.add_argument(
        "--lift-budgets", action="store_true", help="no logIn budget: every call is hashed"
    )
    args = parser.parse_args(argv)
    with demo_service(LIFTED if args.lift_budgets else None) as service:
        token = log_in(service.base, RECRUITER)
        result = asyncio.run(
            measure(
                service.base, token, loops=args.loops, samples=args.samples, seconds=args.seconds
            )
        )
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
