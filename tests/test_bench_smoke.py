"""The benchmarks run: the privacy benchmark's variants agree on what the viewer receives,
and the outside-in benchmarks (login flood, attacks, soak) measure what they report.

A benchmark that compared variants returning different data would measure
nothing: the policy path, the obvious implementation and the fresh-Oso variant
must return exactly the no-policy values for the fields the policy allows, and
null for the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from bench import attacks, login_flood, refusals, soak
from bench.privacy import execute, measure, prime, report
from bench.served import RECRUITER, log_in
from bench.variants import FIELDS, variants
from bench.world import seed
from db import facts as facts_db
from db import profiles as profiles_db
from policies.authorizer import Authorizer, get_authorizer
from policies.fields import PROFILE
from tests.service import Service, served
from views import ids
from views.profiles import audiences_of
from views.standing import relation_for

# A coarse companion with a crowd -> the exact field it stands for (k-anonymity).
COARSE = {f.name: (f.crowd, f.coarse_of) for f in PROFILE if f.crowd}


async def _expected_allowed(db, world, k: int) -> tuple[list[set[str]], list[set[str]]]:
    """Per owner, the fields a fresh Oso query (no memo) allows this viewer to read,
    and the coarse companions withheld only for being lone (shared by fewer than k
    companies, while the exact field is not readable)."""
    fresh = Authorizer()
    async with db.autocommit() as conn:
        rows = await profiles_db.load_profiles(conn, world.owner_ids)
        facts = await facts_db.load_facts(conn, world.viewer.member_id, world.owner_ids)
    allowed, withheld = [], []
    for owner in world.owner_ids:
        row = rows[owner]
        rel = relation_for(world.viewer, row, facts[owner])
        audiences = audiences_of(row)

        def ask(f: str, rel=rel, audiences=audiences, row=row) -> bool:
            if f not in COARSE or row[COARSE[f][0]] >= k:
                return fresh.ask_field(rel, f, audiences[f])
            exact = COARSE[f][1]
            readable = fresh.ask_field(rel, exact, audiences[exact])
            return fresh.ask_field(rel, f, audiences[f], True, readable)

        allowed.append({f for f in FIELDS if ask(f)})
        withheld.append(
            {f for f in FIELDS if f in COARSE and fresh.ask_field(rel, f, audiences[f])}
            - allowed[-1]
        )
    return allowed, withheld


async def test_variants_return_the_same_visible_data(db, settings):
    world = await seed(db, 5)
    authorizer = get_authorizer()
    results = {v.key: await execute(v, db, settings, authorizer, world) for v in variants()}
    allowed, withheld = await _expected_allowed(db, world, settings.k_anonymity)

    # The data set is not trivial: the contact (candidate 0) shows identity fields,
    # the others do not even when their audience admits recruiters (candidate 1),
    # widened and narrowed choices both count (candidate 2).
    assert {"fullName", "email", "phone", "city"} <= allowed[0]
    assert not allowed[1] & {"fullName", "email", "phone"}
    assert {"summary", "city", "country"} <= allowed[1]
    assert {"region", "currentTitle"} <= allowed[2]
    assert not allowed[2] & {"headline", "skills"}
    # ...and k-anonymity counts: a lone sector or size band, readable by its audience,
    # is withheld from a viewer who may not read the employer (all variants agree).
    assert any(withheld), withheld

    plain = results["plain"]
    by_key = {v.key: v for v in variants()}

    def member(key: str, opaque: str):
        """The row behind a variant's id: the product's are the viewer's company pseudonyms."""
        if by_key[key].pseudonymous:
            return ids.profile_member(settings, world.viewer.audience, opaque)
        return ids.decode(ids.PROFILE, opaque)

    assert [member("plain", p["id"]) for p in plain] == world.owner_ids
    for owner, profile in enumerate(plain):
        assert all(profile[f] is not None for f in FIELDS), profile  # every field is seeded
        expected = {f: profile[f] if f in allowed[owner] else None for f in FIELDS}
        for key in ("policy", "policy_unlogged", "obvious", "fresh"):
            got = results[key][owner]
            assert member(key, got["id"]) == world.owner_ids[owner], key
            assert {f: got[f] for f in FIELDS} == expected, (key, owner)


async def test_primed_loaders_give_the_same_answer_without_sql(db, settings):
    world = await seed(db, 5)
    by_key = {v.key: v for v in variants()}
    primed = await prime(db, world)
    for key in ("plain", "policy_unlogged"):
        loaded = await execute(by_key[key], db, settings, get_authorizer(), world)
        db.counter.reset()
        assert await execute(by_key[key], db, settings, get_authorizer(), world, primed) == loaded
        assert db.counter.count == 0


async def test_measure_times_every_variant_and_reports_the_ratios(db, settings):
    world = await seed(db, 5)
    results = await measure(db, settings, world, reps=2, slow_reps=1, warmup=1)
    assert {key: len(s.ms) for key, s in results.samples.items()} == {
        "plain": 2,
        "policy": 2,
        "policy_unlogged": 2,
        "obvious": 1,
        "fresh": 1,
    }
    assert set(results.cold) == set(results.samples)
    # One statement for the profiles with their facts; the access-log insert where logged.
    assert results.sql == {
        "plain": 1,
        "policy": 2,
        "policy_unlogged": 1,
        "obvious": 1,
        "fresh": 1,
    }
    assert {key: len(s.ms) for key, s in results.in_memory.items()} == {
        "plain": 2,
        "policy_unlogged": 2,
    }
    table = report(results)
    assert "policy path / no policy = " in table
    assert "obvious / policy path = " in table
    for v in results.variants:
        assert f"| {v.label} |" in table


async def test_refusals_bench_samples_every_case_of_every_path(db, settings):
    results = await refusals.measure(db, settings, samples=3, warmup=1)
    assert [r.path for r in results] == list(refusals.PATHS)
    for result in results:
        assert {case: len(ms) for case, ms in result.ms.items()} == dict.fromkeys(refusals.CASES, 3)
        assert result.identical, result.path  # the three refusals answer the same bytes
    table = refusals.report(results, 3)
    assert "| path | unknown | deleted | hidden | AUC hidden/unknown |" in table
    assert "worst AUC: " in table


def test_the_refusals_auc_is_folded():
    assert refusals.auc([1, 2, 3], [1, 2, 3]) == 0.5
    assert refusals.auc([4, 5], [1, 2]) == refusals.auc([1, 2], [4, 5]) == 1.0
    assert refusals.auc([1, 3], [2, 2]) == 0.5


# --- the outside-in benchmarks, seconds long, against one served instance ------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[Service]:
    # The flood would spend this address's logIn budget, which the next tests need.
    with served(tmp_path_factory.mktemp("bench-service"), env=login_flood.LIFTED) as service:
        yield service


async def test_login_flood_measures_both_phases(demo):
    token = log_in(demo.base, RECRUITER)
    result = await login_flood.measure(demo.base, token, loops=2, samples=5, seconds=5)
    assert len(result.idle_ms) == 5 and result.flooded_ms
    assert sum(result.outcomes.values()) > 0
    assert "ok" not in result.outcomes  # random emails never log in
    assert not any(code.startswith("HTTP 5") for code in result.outcomes), result.outcomes
    assert "under the flood / idle = " in login_flood.report(result)


async def test_attacks_send_each_attack_beside_the_ordinary_query(demo):
    token = log_in(demo.base, RECRUITER)
    # Small floods: the module is what is tested here, not the limits.
    sent = [attacks.alias_flood(1_000), attacks.search_flood(20)]
    idle, results = await attacks.measure(demo.base, token, sent, repeats=1, seconds=1, samples=5)
    assert len(idle) == 5
    assert [len(r.attack_ms) for r in results] == [1, 1]
    # However the attacks are answered, never with a 5xx.
    assert all(not code.startswith("5") for r in results for code in r.answers), results
    table = attacks.report(idle, results)
    for attack in sent:
        assert f"| {attack.label} |" in table


async def test_soak_runs_the_mix_at_its_rate_without_errors(demo):
    calls = await asyncio.to_thread(soak.mix, demo.base)
    assert {c.kind for c in calls} == {
        "viewer", "profile", "contacts", "search", "pipeline", "update", "audience",
    }  # fmt: skip
    result = await soak.soak(demo.base, demo.pid, calls, minutes=0.05, rate=10)
    assert result.requests == 30
    assert result.errors == Counter(), result.errors
    assert len(result.rss) >= 2 and all(rss > 0 for _, rss in result.rss)
    assert "| 1 | 30 | 0 |" in soak.report(result)
