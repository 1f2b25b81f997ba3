"""Interleaved timing: every repetition runs each variant once, in a rotating order,
so that machine noise (other processes, CPU frequency, GC) hits all variants alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Run = Callable[[], Awaitable[object]]


@dataclass
class Samples:
    key: str
    ms: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p90(self) -> float:
        """Nearest-rank 90th percentile (no interpolation: an observed time)."""
        ordered = sorted(self.ms)
        return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


def _rounds(reps: int, rounds: int) -> set[int]:
    """Which of ``rounds`` rounds a variant with ``reps`` repetitions runs in, spread evenly."""
    return {k * rounds // reps for k in range(reps)}


async def timed(run: Run) -> float:
    gc.collect()  # no garbage from the previous run is collected inside this one
    start = time.perf_counter()
    await run()
    return (time.perf_counter() - start) * 1000


async def interleaved(
    runs: dict[str, Run], reps: dict[str, int], warmup: int
) -> dict[str, Samples]:
    """Time each run ``reps[key]`` times after ``warmup`` untimed runs, interleaving them."""
    for _ in range(warmup):
        for run in runs.values():
            await run()
    rounds = max(reps.values())
    plan = {key: _rounds(reps[key], rounds) for key in runs}
    samples = {key: Samples(key) for key in runs}
    keys = list(runs)
    for r in range(rounds):
        shift = r % len(keys)
        for key in keys[shift:] + keys[:shift]:
            if r in plan[key]:
                samples[key].ms.append(await timed(runs[key]))
    return samples
