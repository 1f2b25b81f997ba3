"""The closed network's story over HTTP and the reveal rules."""

from __future__ import annotations

from tests.network_support import (
    END,
    PROFILE,
    contact,
    my_contacts,
    personal,
    request_ok,
    respond,
    send,
)
from tests.search_world import add_peer_companies

MESSAGE = (
    "Hi, I read your post on query planners: we are rebuilding our storage "
    "engine in Lyon and I would love to tell you about it."
)


async def _world(api):
    await api.company("northwind.example", "Northwind", sector="Logistics", size="S1001_5000")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita Recruiter")
    await api.update_profile(recruiter, headline="Hiring data engineers")
    candidate = await api.sign_up("alice@mail.example", "CANDIDATE", "Alice Candidate")
    await api.update_profile(candidate, headline="Database engineer", city="Lyon", phone="+33 6")
    return recruiter, candidate


async def test_the_whole_story(api):
    recruiter, candidate = await _world(api)

    # The recruiter opens the candidate's profile by id: anonymous, but reachable.
    seen = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert seen["alias"] == api.alias_for(candidate, recruiter)
    assert seen["fullName"] is None and seen["email"] is None
    assert seen["headline"] == "Database engineer"
    assert seen["contactability"] == {"canRequestContact": True, "reason": None}

    # ... and sends a personal message.
    sent = await send(api, recruiter, api.id_for(candidate, recruiter), MESSAGE)
    assert sent["userErrors"] == []
    request = sent["request"]
    assert request["status"] == "PENDING"
    assert request["message"] == MESSAGE
    assert request["respondedAt"] is None
    assert request["counterpart"]["id"] == api.id_for(candidate, recruiter)
    assert request["counterpart"]["fullName"] is None
    seen = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert seen["contactability"] == {"canRequestContact": False, "reason": "REQUEST_PENDING"}

    # The candidate sees the request, with the recruiter's alias and company only.
    [incoming] = await my_contacts(api, candidate)
    assert incoming["id"] == request["id"]
    assert incoming["status"] == "PENDING"
    assert incoming["message"] == MESSAGE
    them = incoming["counterpart"]
    assert (
        them["alias"] == await api.alias_seen(recruiter, candidate) and them["kind"] == "RECRUITER"
    )
    assert them["currentEmployer"]["name"] == "Northwind"
    assert them["headline"] == "Hiring data engineers"
    assert them["fullName"] is None and them["email"] is None

    # The candidate accepts: each now reads the other's CONTACTS fields.
    accepted = await respond(api, candidate, request["id"], True)
    assert accepted["userErrors"] == []
    assert accepted["request"]["status"] == "ACCEPTED"
    assert accepted["request"]["respondedAt"] is not None
    assert accepted["request"]["counterpart"]["fullName"] == "Rita Recruiter"
    assert accepted["request"]["counterpart"]["email"] == "rita@northwind.example"

    [mine] = await my_contacts(api, recruiter)
    assert mine["status"] == "ACCEPTED"
    assert mine["respondedAt"] == accepted["request"]["respondedAt"]
    assert mine["counterpart"]["fullName"] == "Alice Candidate"
    assert mine["counterpart"]["email"] == "alice@mail.example"
    seen = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert seen["fullName"] == "Alice Candidate"
    assert seen["contactability"]["reason"] == "ALREADY_CONTACT"
    their = (await api.data(PROFILE, {"id": api.id_for(recruiter, candidate)}, candidate.token))[
        "profile"
    ]
    assert their["fullName"] == "Rita Recruiter"

    # The candidate ends the contact; the recruiter loses them on the next request.
    ended = (await api.data(END, {"r": request["id"]}, candidate.token))["endContact"]
    assert ended["userErrors"] == []
    assert ended["request"]["status"] == "ENDED"
    assert ended["request"]["counterpart"]["fullName"] is None
    [mine] = await my_contacts(api, recruiter)
    assert mine["status"] == "ENDED"
    assert mine["counterpart"]["fullName"] is None
    assert mine["counterpart"]["email"] is None
    seen = (await api.data(PROFILE, {"id": api.id_for(candidate, recruiter)}, recruiter.token))[
        "profile"
    ]
    assert seen["fullName"] is None and seen["email"] is None
    assert seen["headline"] == "Database engineer"  # RECRUITERS fields stay
    their = (await api.data(PROFILE, {"id": api.id_for(recruiter, candidate)}, candidate.token))[
        "profile"
    ]
    assert their["fullName"] is None


async def test_confidential_search_shows_only_sector_and_size_until_accepted(api, db):
    recruiter, candidate = await _world(api)
    await add_peer_companies(db, "Logistics", "S1001_5000")  # else they would name Northwind
    await api.update_profile(recruiter, confidentialSearch=True)
    request_id = await request_ok(api, recruiter, candidate, MESSAGE)

    [incoming] = await my_contacts(api, candidate)
    them = incoming["counterpart"]
    assert them["alias"] == await api.alias_seen(recruiter, candidate)
    assert them["currentEmployer"] is None
    assert them["employerSector"] == "Logistics"
    assert them["employerSizeBand"] == "S1001_5000"
    profile = (await api.data(PROFILE, {"id": api.id_for(recruiter, candidate)}, candidate.token))[
        "profile"
    ]
    assert profile["currentEmployer"] is None and profile["employerSector"] == "Logistics"

    await respond(api, candidate, request_id, True)
    [incoming] = await my_contacts(api, candidate)
    assert incoming["counterpart"]["currentEmployer"]["name"] == "Northwind"
    assert incoming["counterpart"]["fullName"] == "Rita Recruiter"


async def test_contacts_filter_by_status_and_paginate(api):
    await api.company("northwind.example")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")
    candidates = [await api.sign_up(f"c{i}@mail.example", name=f"C{i}") for i in range(5)]
    ids = []
    for i, candidate in enumerate(candidates):
        ids.append(await request_ok(api, recruiter, candidate, personal(f"C{i}")))
    await respond(api, candidates[1], ids[1], True)
    await respond(api, candidates[3], ids[3], True)

    accepted = await my_contacts(api, recruiter, s="ACCEPTED")
    assert [c["id"] for c in accepted] == [ids[3], ids[1]]
    pending = await my_contacts(api, recruiter, s="PENDING")
    assert [c["id"] for c in pending] == [ids[4], ids[2], ids[0]]

    from tests.network_support import CONTACTS

    seen, after = [], None
    while True:
        data = await api.data(CONTACTS, {"first": 2, "after": after}, recruiter.token)
        page = data["viewer"]["contacts"]
        assert len(page["edges"]) <= 2
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids[::-1]  # newest first, each once

    bad = await api(CONTACTS, {"after": "not-a-cursor"}, recruiter.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_withdraw_by_the_recruiter(api):
    recruiter, candidate = await _world(api)
    request_id = await request_ok(api, recruiter, candidate, MESSAGE)
    from tests.network_support import WITHDRAW

    by_candidate = (await api.data(WITHDRAW, {"r": request_id}, candidate.token))[
        "withdrawContactRequest"
    ]
    assert [e["code"] for e in by_candidate["userErrors"]] == ["FORBIDDEN"]
    done = (await api.data(WITHDRAW, {"r": request_id}, recruiter.token))["withdrawContactRequest"]
    assert done["request"]["status"] == "WITHDRAWN"
    [incoming] = await my_contacts(api, candidate)
    assert incoming["status"] == "WITHDRAWN"
    late = await respond(api, candidate, request_id, True)
    assert [e["code"] for e in late["userErrors"]] == ["INVALID_STATUS"]
    # A new request for the pair is possible once the old one is closed.
    assert await request_ok(api, recruiter, candidate, MESSAGE + " Again.")


async def test_ending_works_from_either_side_once(api):
    recruiter, candidate = await _world(api)
    request_id = await contact(api, recruiter, candidate, MESSAGE)
    ended = (await api.data(END, {"r": request_id}, recruiter.token))["endContact"]
    assert ended["request"]["status"] == "ENDED"
    again = (await api.data(END, {"r": request_id}, candidate.token))["endContact"]
    assert [e["code"] for e in again["userErrors"]] == ["INVALID_STATUS"]
