"""Pages: full, stable under inserts, capped, and a constant number of SQL statements."""

from __future__ import annotations

import uuid

import pytest

from tests.network_support import unknown_profile_id
from tests.search_world import SEARCH, add_contacts, insert_candidates, insert_company
from views import ids

EVERYTHING = """
query($f: CandidateFilter, $first: Int, $after: String) {
  searchCandidates(filter: $f, first: $first, after: $after) {
    edges { cursor node {
      id alias kind fullName headline summary city region country currentTitle seniority
      currentEmployer { id name sector sizeBand } employerSector employerSizeBand
      yearsOfExperience experienceBand skills openToOpportunities
      salaryExpectation { min max currency }
      experiences { title employerSector start end }
      contactability { canRequestContact reason }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture
async def acme(api) -> str:
    return await api.company("acme.example")


@pytest.fixture
async def recruiter(api, acme):
    return await api.sign_up("rita@acme.example", "RECRUITER", "Rita")


async def _page(api, token, first, after=None, filter=None, query=SEARCH) -> dict:
    data = await api.data(query, {"f": filter, "first": first, "after": after}, token)
    return data["searchCandidates"]


def _members(api, page: dict, viewer) -> list[uuid.UUID]:
    return [api.uuid_seen(e["node"]["id"], viewer) for e in page["edges"]]


@pytest.mark.parametrize("filter", [None, {"text": "python"}], ids=["by key", "by relevance"])
async def test_pages_are_full_and_stable_when_rows_are_inserted(api, db, recruiter, filter):
    # Varied relevance: 1 to 4 "python" in the headline.
    original: list[uuid.UUID] = []
    for n in range(1, 5):
        original += await insert_candidates(db, 9, headline=" ".join(["python"] * n) + " dev")
    token = recruiter.token

    first = await _page(api, token, 10, filter=filter)
    assert len(first["edges"]) == 10 and first["pageInfo"]["hasNextPage"]
    seen = _members(api, first, recruiter)
    # New candidates arrive between pages, with every relevance, before and after the cursor.
    for n in range(1, 5):
        await insert_candidates(db, 5, headline=" ".join(["python"] * n) + " dev")
    after = first["pageInfo"]["endCursor"]
    sizes = []
    while after:
        page = await _page(api, token, 10, after, filter)
        sizes.append(len(page["edges"]))
        seen += _members(api, page, recruiter)
        after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None

    assert len(seen) == len(set(seen)), "a row was served twice"
    assert set(original) <= set(seen), "a row that existed all along was skipped"
    assert all(size == 10 for size in sizes[:-1]), f"a page was not full: {sizes}"
    assert 1 <= sizes[-1] <= 10


async def test_first_is_capped_at_100_and_never_negative(api, db, recruiter):
    await insert_candidates(db, 105)
    page = await _page(api, recruiter.token, 500)
    assert len(page["edges"]) == 100 and page["pageInfo"]["hasNextPage"]
    rest = await _page(api, recruiter.token, 100, page["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 5 and not rest["pageInfo"]["hasNextPage"]
    empty = await _page(api, recruiter.token, 0)
    assert empty["edges"] == [] and empty["pageInfo"] == {"hasNextPage": True, "endCursor": None}

    body = await api(SEARCH, {"first": -1}, recruiter.token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"after": "not a cursor"}, "after"),
        ({"after": ids.encode(ids.PROFILE, uuid.uuid4())}, "after"),
        ({"after": unknown_profile_id()}, "after"),
        ({"f": {"currentEmployerId": "co_nope"}}, "currentEmployerId"),
        ({"f": {"text": "x" * 201}}, "text"),
        ({"f": {"region": "Bre\u0000tagne"}}, "region"),
        ({"f": {"skills": [f"s{n}" for n in range(51)]}}, "skills"),
    ],
)
async def test_bad_input_is_a_typed_error(api, recruiter, variables, field):
    body = await api(SEARCH, variables, recruiter.token)
    error = body["errors"][0]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


async def test_a_cursor_belongs_to_its_kind_of_search(api, db, recruiter):
    await insert_candidates(db, 3, headline="python dev")
    by_key = await _page(api, recruiter.token, 1)
    by_rank = await _page(api, recruiter.token, 1, filter={"text": "python"})
    for cursor, filter in ((by_key, {"text": "python"}), (by_rank, None)):
        body = await api(
            SEARCH, {"f": filter, "after": cursor["pageInfo"]["endCursor"]}, recruiter.token
        )
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_statements_per_request_are_constant_whatever_first_is(api, db, acme, recruiter):
    """Identity, search, experiences, access log: 4, whether the page has 1 or 100 profiles."""
    employer = await insert_company(db, "Energy")
    members = await insert_candidates(
        db,
        120,
        headline="python dev",
        region="Bretagne",
        current_employer_id=employer,
        skills=["python"],
    )
    # Contacts read CONTACTS fields, which are logged: the access-log insert runs too.
    await add_contacts(db, api.uuid_of(recruiter), members, acme)
    counts = {}
    for first in (1, 20, 100):
        for filter in (None, {"text": "python", "skills": ["python"], "region": "bretagne"}):
            db.counter.reset()
            page = await _page(api, recruiter.token, first, filter=filter, query=EVERYTHING)
            assert len(page["edges"]) == first
            counts[(first, bool(filter))] = db.counter.count
    assert set(counts.values()) == {4}, counts
