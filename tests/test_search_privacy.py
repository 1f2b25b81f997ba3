"""searchCandidates never leaks a hidden field.

Promise (Filtering, sorting and counting are reads).

Each inference attack puts two candidates side by side, identical but for the
audience of the attacked field: the one who hides it from recruiters must not
be found by a clause on it, the one who shows it must (so the test can fail).
"""

from __future__ import annotations

import pytest

from tests.search_world import (
    SEARCH,
    add_contact,
    add_peer_companies,
    block_company,
    block_member,
    candidate,
    delete_member,
    handle,
    set_profile,
    uid,
)
from views import ids


async def _search(api, token, filter=None, first=20, after=None) -> dict:
    data = await api.data(SEARCH, {"f": filter, "first": first, "after": after}, token)
    return data["searchCandidates"]


async def _found(api, viewer, filter=None) -> list[str]:
    """The handles (``search_world.candidate``) of what ``viewer`` finds."""
    page = await _search(api, viewer.token, filter, first=100)
    return [handle(api, e["node"]["id"], viewer) for e in page["edges"]]


@pytest.fixture
async def world(api, db):
    """A recruiter at Acme; candidates work at Globex (an Energy company, not a lone one)."""
    acme = await api.company("acme.example", sector="Software")
    globex = await api.company("globex.example", sector="Energy")
    await add_peer_companies(db, "Energy", "S51_200")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    return {"acme": acme, "globex": globex, "recruiter": recruiter}


# (attacked field, profile columns, filter): the filter matches the values.
ATTACKS = [
    ("skills", {"skills": ["rust", "sql"]}, {"skills": ["Rust"]}),
    ("region", {"region": "Bretagne"}, {"region": "bretagne"}),
    ("country", {"country": "France"}, {"country": "FRANCE"}),
    ("seniority", {"seniority": "LEAD"}, {"seniority": ["LEAD", "EXECUTIVE"]}),
    ("employerSector", {"current_employer_id": "GLOBEX"}, {"employerSector": "energy"}),
    ("currentEmployer", {"current_employer_id": "GLOBEX"}, {"currentEmployerId": "GLOBEX"}),
    ("yearsOfExperience", {"years_of_experience": 12}, {"minYearsOfExperience": 11}),
    ("openToOpportunities", {"open_to_opportunities": True}, {"openToOpportunities": True}),
    ("openToOpportunities", {"open_to_opportunities": False}, {"openToOpportunities": False}),
    ("headline", {"headline": "Kubernetes wizard"}, {"text": "kubernetes"}),
    ("summary", {"summary": "I tame kubernetes clusters"}, {"text": "kubernetes"}),
]


def _resolve(values: dict, world: dict, raw: bool) -> dict:
    globex = uid(world["globex"]) if raw else world["globex"]
    return {k: globex if v == "GLOBEX" else v for k, v in values.items()}


@pytest.mark.parametrize(("field", "values", "filter"), ATTACKS, ids=[a[0] for a in ATTACKS])
async def test_a_clause_on_a_hidden_field_does_not_match(api, db, world, field, values, filter):
    values, filter = _resolve(values, world, raw=True), _resolve(filter, world, raw=False)
    hides = await candidate(db, {field: "CONTACTS"}, **values)
    only_me = await candidate(db, {field: "ONLY_ME"}, **values)
    shows = await candidate(db, {field: "RECRUITERS"}, **values)
    found = await _found(api, world["recruiter"], filter)
    assert shows in found
    assert hides not in found
    assert only_me not in found


async def test_a_contact_is_found_by_a_field_shown_to_contacts_only(api, db, world):
    """The tier matters: CONTACTS fields match for an accepted contact, ONLY_ME never does."""
    contact = await candidate(db, {"skills": "CONTACTS"}, skills=["cobol"])
    private = await candidate(db, {"skills": "ONLY_ME"}, skills=["cobol"])
    stranger = await candidate(db, {"skills": "CONTACTS"}, skills=["cobol"])
    pending = await candidate(db, {"skills": "CONTACTS"}, skills=["cobol"])
    recruiter = world["recruiter"]
    await add_contact(db, api.uuid_of(recruiter), contact, world["acme"], "ACCEPTED")
    await add_contact(db, api.uuid_of(recruiter), private, world["acme"], "ACCEPTED")
    await add_contact(db, api.uuid_of(recruiter), pending, world["acme"], "PENDING")
    other = await api.sign_up("otto@acme.example", "RECRUITER", "Otto")

    assert await _found(api, recruiter, {"skills": ["cobol"]}) == [contact]
    assert await _found(api, other, {"skills": ["cobol"]}) == []
    assert stranger not in await _found(api, recruiter, {"skills": ["cobol"]})


async def test_min_years_uses_the_band_when_only_the_band_is_readable(api, db, world):
    """Exact years are CONTACTS by default, the band RECRUITERS: the band alone may prove it."""
    band_only = await candidate(db, years_of_experience=12)  # band "10-20"
    no_band = await candidate(db, {"experienceBand": "CONTACTS"}, years_of_experience=12)
    exact = await candidate(db, {"yearsOfExperience": "RECRUITERS"}, years_of_experience=12)
    viewer = world["recruiter"]
    assert set(await _found(api, viewer, {"minYearsOfExperience": 10})) == {band_only, exact}
    # 11 years is not proven by "10-20"; the exact 12 is readable for `exact` only.
    assert await _found(api, viewer, {"minYearsOfExperience": 11}) == [exact]
    assert no_band not in await _found(api, viewer, {"minYearsOfExperience": 0})


async def test_ranking_uses_readable_text_only(api, db, world):
    """A hidden summary full of the query's word must not lift a candidate above another."""
    viewer = world["recruiter"]
    words = {"headline": "python engineer", "summary": "python python python python python"}
    stuffed = await candidate(db, **words)
    plain = await candidate(db, headline="python python engineer")
    # Control: once the summary is readable, its words do rank `stuffed` first.
    await set_profile(db, stuffed, audiences={"summary": "RECRUITERS"})
    assert await _found(api, viewer, {"text": "python"}) == [stuffed, plain]
    # Hidden again (the default): only the headlines count, and `plain` says it more.
    await set_profile(db, stuffed, audiences={"summary": "CONTACTS"})
    assert await _found(api, viewer, {"text": "python"}) == [plain, stuffed]


async def test_ties_are_broken_by_an_opaque_key_not_by_a_hidden_field(api, db, world):
    """Equal relevance: the order is the members' random ids, whatever their hidden fields."""
    viewer = world["recruiter"]
    members = [
        await candidate(db, headline="golang developer", years_of_experience=40 - n)
        for n in range(6)
    ]
    by_key = sorted(members, key=uid)
    assert await _found(api, viewer, {"text": "golang"}) == by_key
    assert await _found(api, viewer) == by_key


async def test_rows_are_visible_contactable_live_candidates_only(api, db, world):
    recruiter, acme, globex = world["recruiter"], uid(world["acme"]), uid(world["globex"])
    bretagne = {"region": "Bretagne"}
    visible = await candidate(db, **bretagne)
    unreachable = await candidate(db, contactable=False, **bretagne)
    deleted = await candidate(db, **bretagne)
    blocks_me = await candidate(db, **bretagne)
    blocked_by_me = await candidate(db, **bretagne)
    blocks_my_company = await candidate(db, **bretagne)
    at_blocked_company = await candidate(db, current_employer_id=globex, **bretagne)
    colleague_hidden = await candidate(db, current_employer_id=acme, **bretagne)
    colleague_open = await candidate(
        db, current_employer_id=acme, hide_from_current_employer=False, **bretagne
    )
    other_recruiter = await api.sign_up("otto@acme.example", "RECRUITER", "Otto")
    await api.update_profile(other_recruiter, region="Bretagne")
    await delete_member(db, deleted)
    await block_member(db, blocks_me, api.uuid_of(recruiter))
    await block_member(db, api.uuid_of(recruiter), blocked_by_me)
    await block_company(db, blocks_my_company, world["acme"])
    await block_company(db, api.uuid_of(recruiter), world["globex"])

    found = await _found(api, recruiter, {"region": "Bretagne"})
    # Company blocks and hiding are one-way: the recruiter's own block of Globex
    # hides nobody from him (a candidate working there stays in his results).
    assert sorted(found, key=uid) == sorted([visible, colleague_open, at_blocked_company], key=uid)
    hidden = (unreachable, deleted, blocks_me, blocked_by_me, blocks_my_company)
    hidden += (colleague_hidden, ids.encode(ids.PROFILE, api.uuid_of(other_recruiter)))
    assert not set(hidden) & set(found)
    # Nor does his own "hide me from my employer" flag: it hides him, not them.
    await set_profile(db, api.uuid_of(recruiter), hide_from_current_employer=True)
    assert await _found(api, recruiter, {"region": "Bretagne"}) == found


async def test_only_verified_recruiters_may_search(api, world):
    member = await api.sign_up("cand@mail.example", "CANDIDATE", "Cand")
    api.http.cookies.clear()  # signUp set a session cookie: be nobody
    anonymous = await api(SEARCH, {})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    as_candidate = await api(SEARCH, {}, member.token)
    assert as_candidate["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert as_candidate["data"] is None
    expired = await api(SEARCH, {}, "not-a-token")
    assert expired["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
