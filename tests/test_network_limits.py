"""Quotas, template detection, expiry, double requests and unreachable targets
each refusal has its code, and writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app
from policies.authorizer import get_authorizer
from tests.network_support import (
    CONTACTS,
    PROFILE,
    WITHDRAW,
    FakeClock,
    my_contacts,
    personal,
    request_ok,
    respond,
    send,
    snapshot,
    unknown_profile_id,
)

TTL_DAYS = 30


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limits() -> dict:
    return {}


@pytest.fixture
async def app(settings, db, clock, limits):
    """The app on a clock the test moves, with the limits the test sets."""
    return create_app(replace(settings, clock=clock, **limits), db, get_authorizer())


async def _recruiter(api):
    await api.company("northwind.example")
    return await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")


async def _candidates(api, n: int):
    return [await api.sign_up(f"c{i}@mail.example", name=f"Cand {i}") for i in range(n)]


async def _refused(api, db, member, profile_id, message) -> list[dict]:
    """Send, expect a refusal, and prove nothing was written."""
    before = await snapshot(db)
    payload = await send(api, member, profile_id, message)
    assert payload["request"] is None
    assert await snapshot(db) == before
    return payload["userErrors"]


async def test_message_bounds(api, db):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    short = await _refused(
        api, db, recruiter, api.id_for(candidate, recruiter), "  Hi there, call me?  "
    )
    assert [(e["code"], e["field"]) for e in short] == [("MESSAGE_TOO_SHORT", "message")]
    long = await _refused(api, db, recruiter, api.id_for(candidate, recruiter), "x" * 2001)
    assert [(e["code"], e["field"]) for e in long] == [("MESSAGE_TOO_LONG", "message")]
    assert await request_ok(api, recruiter, candidate, "y" * 30)


async def test_double_requests_are_refused(api, db):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    request_id = await request_ok(api, recruiter, candidate, personal("Ann"))
    errors = await _refused(
        api, db, recruiter, api.id_for(candidate, recruiter), personal("Ann", "Once more.")
    )
    assert [e["code"] for e in errors] == ["DUPLICATE_REQUEST"]
    await respond(api, candidate, request_id, True)
    errors = await _refused(
        api, db, recruiter, api.id_for(candidate, recruiter), personal("Ann", "Once more.")
    )
    assert [e["code"] for e in errors] == ["DUPLICATE_REQUEST"]


async def test_non_contactable_candidates_answer_like_unknown_ids(api, db):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    colleague = await api.sign_up("sam@northwind.example", "RECRUITER", "Sam")
    await api.update_profile(candidate, contactable=False)
    unknown = await _refused(api, db, recruiter, unknown_profile_id(), personal("Ann"))
    assert [(e["code"], e["field"]) for e in unknown] == [("NOT_FOUND", "profileId")]
    assert (
        await _refused(api, db, recruiter, api.id_for(candidate, recruiter), personal("Ann"))
        == unknown
    )
    # Recruiters are not contactable either, and the answer is the same.
    assert (
        await _refused(api, db, recruiter, api.id_for(colleague, recruiter), personal("Sam"))
        == unknown
    )
    assert await _refused(api, db, recruiter, "garbage", personal("Sam")) == unknown
    # The profile itself stays readable: contactability says why, without revealing more.
    profile = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert profile["contactability"] == {"canRequestContact": False, "reason": "UNAVAILABLE"}


@pytest.mark.parametrize("limits", [{"max_pending_requests": 2}])
async def test_pending_quota(api, db):
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 3)
    first = await request_ok(api, recruiter, candidates[0], personal("A"))
    await request_ok(api, recruiter, candidates[1], personal("B"))
    errors = await _refused(api, db, recruiter, api.id_for(candidates[2], recruiter), personal("C"))
    assert [e["code"] for e in errors] == ["QUOTA_EXCEEDED"]
    # An answered or withdrawn request frees its place.
    await api.data(WITHDRAW, {"r": first}, recruiter.token)
    assert await request_ok(api, recruiter, candidates[2], personal("C"))


@pytest.mark.parametrize("limits", [{"max_requests_per_day": 3}])
async def test_daily_quota_is_a_rolling_24_hours(api, db, clock):
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 5)
    for i in range(3):
        request_id = await request_ok(api, recruiter, candidates[i], personal(f"C{i}"))
        await api.data(WITHDRAW, {"r": request_id}, recruiter.token)  # not a pending-quota matter
    errors = await _refused(
        api, db, recruiter, api.id_for(candidates[3], recruiter), personal("C3")
    )
    assert [e["code"] for e in errors] == ["QUOTA_EXCEEDED"]
    clock.advance(hours=23)
    errors = await _refused(
        api, db, recruiter, api.id_for(candidates[3], recruiter), personal("C3")
    )
    assert [e["code"] for e in errors] == ["QUOTA_EXCEEDED"]
    clock.advance(hours=1, seconds=1)
    assert await request_ok(api, recruiter, candidates[3], personal("C3"))


async def test_template_messages_are_refused_after_three_candidates(api, db):
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 5)
    template = "We have an exciting opportunity for you in a fast-growing scale-up!"
    variants = [
        template,
        template.upper(),
        "  we have an exciting opportunity, for you in a fast growing scale up  ",
    ]
    ids = [
        await request_ok(api, recruiter, c, v) for c, v in zip(candidates, variants, strict=False)
    ]
    errors = await _refused(
        api, db, recruiter, api.id_for(candidates[3], recruiter), template + "!!"
    )
    assert [(e["code"], e["field"]) for e in errors] == [("TEMPLATE_MESSAGE", "message")]
    # A personal message goes through; the same text to a former recipient is not a new one.
    assert await request_ok(api, recruiter, candidates[3], personal("Dee"))
    await api.data(WITHDRAW, {"r": ids[0]}, recruiter.token)
    assert await request_ok(api, recruiter, candidates[0], template)


@pytest.mark.parametrize("limits", [{"template_message_limit": 1}])
async def test_template_limit_is_configurable(api, db):
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 2)
    await request_ok(api, recruiter, candidates[0], personal("someone"))
    errors = await _refused(
        api, db, recruiter, api.id_for(candidates[1], recruiter), personal("someone")
    )
    assert [e["code"] for e in errors] == ["TEMPLATE_MESSAGE"]


async def test_pending_requests_expire(api, db, clock):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    request_id = await request_ok(api, recruiter, candidate, personal("Ann"))

    clock.advance(days=TTL_DAYS, seconds=-1)
    [incoming] = await my_contacts(api, candidate)
    assert incoming["status"] == "PENDING"

    clock.advance(seconds=2)
    [incoming] = await my_contacts(api, candidate)
    assert incoming["status"] == "EXPIRED"
    [outgoing] = await my_contacts(api, recruiter)
    assert outgoing["status"] == "EXPIRED"
    assert await my_contacts(api, recruiter, s="PENDING") == []

    before = await snapshot(db)
    late = await respond(api, candidate, request_id, True)
    assert [(e["code"], e["field"]) for e in late["userErrors"]] == [
        ("REQUEST_EXPIRED", "requestId")
    ]
    assert await snapshot(db) == before
    withdraw = (await api.data(WITHDRAW, {"r": request_id}, recruiter.token))[
        "withdrawContactRequest"
    ]
    assert [e["code"] for e in withdraw["userErrors"]] == ["REQUEST_EXPIRED"]
    assert await snapshot(db) == before

    # The pair is free again: the recruiter may write anew.
    profile = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert profile["contactability"]["canRequestContact"] is True
    again = await request_ok(api, recruiter, candidate, personal("Ann", "A month later."))
    statuses = {c["id"]: c["status"] for c in await my_contacts(api, recruiter)}
    assert statuses == {request_id: "EXPIRED", again: "PENDING"}


@pytest.mark.parametrize("limits", [{"contact_request_ttl_days": 2}])
async def test_ttl_is_configurable(api, clock):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    await request_ok(api, recruiter, candidate, personal("Ann"))
    clock.advance(days=2, seconds=1)
    [incoming] = await my_contacts(api, candidate)
    assert incoming["status"] == "EXPIRED"


def _recruiter_view(node: dict) -> dict:
    """What a recruiter reads of a request, minus what differs per candidate anyway."""
    return {k: v for k, v in node.items() if k not in ("id", "message", "createdAt", "counterpart")}


async def _recruiter_observations(api, recruiter, candidate, request_id) -> dict:
    [node] = [n for n in await my_contacts(api, recruiter) if n["id"] == request_id]
    profile = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    node_view = await api.data(
        "query($id: ID!) { node(id: $id) { ... on ContactRequest { status respondedAt } } }",
        {"id": request_id},
        recruiter.token,
    )
    return {
        "edge": _recruiter_view(node),
        "node": node_view["node"],
        "contactability": profile["contactability"],
        "pending_filter": request_id
        in {n["id"] for n in await my_contacts(api, recruiter, s="PENDING")},
    }


async def test_a_decline_looks_like_an_expiry_to_the_recruiter(api, db, clock):
    """Declines are silent: the recruiter reads a declined request as PENDING until it
    would have expired, then EXPIRED, exactly like one the candidate never answered."""
    recruiter = await _recruiter(api)
    decliner, ignorer = await _candidates(api, 2)
    declined = await request_ok(api, recruiter, decliner, personal("Dee"))
    ignored = await request_ok(api, recruiter, ignorer, personal("Ian"))
    answer = await respond(api, decliner, declined, False)
    assert answer["request"]["status"] == "DECLINED"  # the candidate sees their own answer

    for step in ({"seconds": 1}, {"days": TTL_DAYS - 1}, {"days": 1, "seconds": 1}):
        clock.advance(**step)
        a = await _recruiter_observations(api, recruiter, decliner, declined)
        b = await _recruiter_observations(api, recruiter, ignorer, ignored)
        assert a == b
        again = [
            [
                e["code"]
                for e in (await send(api, recruiter, api.id_for(c, recruiter), personal(c.alias)))[
                    "userErrors"
                ]
            ]
            for c in (decliner, ignorer)
        ]
        assert again[0] == again[1]
        if again[0]:  # still "pending": nothing was written for either
            assert again[0] == ["DUPLICATE_REQUEST"]
    assert a["edge"]["status"] == "EXPIRED"
    [mine] = await my_contacts(api, decliner, s="DECLINED")
    assert mine["id"] == declined


async def test_withdrawing_a_silently_declined_request(api):
    recruiter = await _recruiter(api)
    decliner, ignorer = await _candidates(api, 2)
    declined = await request_ok(api, recruiter, decliner, personal("Dee"))
    ignored = await request_ok(api, recruiter, ignorer, personal("Ian"))
    await respond(api, decliner, declined, False)
    outcomes = [
        (await api.data(WITHDRAW, {"r": r}, recruiter.token))["withdrawContactRequest"]
        for r in (declined, ignored)
    ]
    declined_view, ignored_view = (_recruiter_view(o["request"]) for o in outcomes)
    assert declined_view == ignored_view
    assert outcomes[0]["request"]["status"] == "WITHDRAWN"
    [mine] = await my_contacts(api, decliner)
    assert mine["status"] == "DECLINED"  # the candidate's own answer stands


async def test_contacts_status_filter_is_the_viewers_status(api, clock):
    recruiter = await _recruiter(api)
    [candidate] = await _candidates(api, 1)
    request_id = await request_ok(api, recruiter, candidate, personal("Ann"))
    await respond(api, candidate, request_id, False)
    data = await api.data(CONTACTS, {"s": "DECLINED"}, recruiter.token)
    assert data["viewer"]["contacts"]["edges"] == []
    assert [n["id"] for n in await my_contacts(api, recruiter, s="PENDING")] == [request_id]
