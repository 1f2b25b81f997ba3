"""The access log: who received my narrow fields, one insert
per request whatever the number of profiles, listed newest first."""

from __future__ import annotations

from tests.network_support import contact, personal

ACCESS_LOG = """query($first: Int, $after: String) {
  viewer { accessLog(first: $first, after: $after) {
    edges { cursor node { at viewer fields } } pageInfo { hasNextPage endCursor }
  } }
}"""

READ_CONTACTS = """{ viewer { contacts { edges { node { counterpart {
  id fullName email phone headline
} } } } } }"""


async def _network(api, n: int):
    await api.company("northwind.example")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")
    candidates = []
    for i in range(n):
        candidate = await api.sign_up(f"c{i}@mail.example", name=f"Cand {i}")
        await api.update_profile(candidate, phone=f"+33 6 00 00 00 0{i}", headline="Engineer")
        await contact(api, recruiter, candidate, personal(f"Cand {i}"))
        candidates.append(candidate)
    return recruiter, candidates


async def _log(api, member, **variables) -> list[dict]:
    data = await api.data(ACCESS_LOG, variables, member.token)
    return [edge["node"] for edge in data["viewer"]["accessLog"]["edges"]]


def _inserts(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("INSERT")]


async def _cost_of_reading_contacts(api, db, recruiter) -> tuple[list[str], int]:
    """The INSERTs and the number of statements of one request reading every contact."""
    with db.counter.capture() as statements:
        data = await api.data(READ_CONTACTS, token=recruiter.token)
    edges = data["viewer"]["contacts"]["edges"]
    assert edges and all(e["node"]["counterpart"]["fullName"] for e in edges)
    return _inserts(statements), len(statements)


async def test_one_insert_per_request_whatever_the_number_of_profiles(api, db):
    recruiter, [first] = await _network(api, 1)
    one_inserts, one_statements = await _cost_of_reading_contacts(api, db, recruiter)
    others = []
    for i in range(1, 6):
        candidate = await api.sign_up(f"c{i}@mail.example", name=f"Cand {i}")
        await api.update_profile(candidate, phone=f"+33 6 00 00 00 0{i}")
        await contact(api, recruiter, candidate, personal(f"Cand {i}"))
        others.append(candidate)
    six_inserts, six_statements = await _cost_of_reading_contacts(api, db, recruiter)
    assert len(one_inserts) == len(six_inserts) == 1
    assert "access_event" in six_inserts[0]
    assert one_statements == six_statements
    for candidate in [first, *others]:
        [event, *_] = await _log(api, candidate)
        # Named as the candidate knows the recruiter (the alias their profile shows her).
        assert event["viewer"] == await api.alias_seen(recruiter, candidate)
        assert event["fields"] == ["email", "fullName", "phone"]


async def test_profiles_in_several_places_of_one_response_still_cost_one_insert(api, db):
    recruiter, candidates = await _network(api, 3)
    query = "query {" + " ".join(
        f'p{i}: profile(id: "{api.id_for(c, recruiter)}") {{ fullName }}'
        for i, c in enumerate(candidates)
    )
    query += " viewer { contacts { edges { node { counterpart { email } } } } } }"
    with db.counter.capture() as statements:
        await api.data(query, token=recruiter.token)
    assert len(_inserts(statements)) == 1
    [event, *_] = await _log(api, candidates[0])
    assert event["fields"] == ["email", "fullName"]


async def test_events_are_listed_newest_first_with_cursors(api, db):
    recruiter, [candidate] = await _network(api, 1)
    before = len(await _log(api, candidate))
    for field in ("fullName", "email", "phone"):
        await api.data(
            f'{{ profile(id: "{api.id_for(candidate, recruiter)}") {{ {field} }} }}',
            token=recruiter.token,
        )
    events = await _log(api, candidate)
    assert len(events) == before + 3
    assert [e["fields"] for e in events[:3]] == [["phone"], ["email"], ["fullName"]]
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)

    seen, after = [], None
    while True:
        data = await api.data(ACCESS_LOG, {"first": 2, "after": after}, candidate.token)
        page = data["viewer"]["accessLog"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == events
    # A cursor of another list is refused, not silently reinterpreted.
    contacts = await api.data("{ viewer { contacts { edges { cursor } } } }", token=candidate.token)
    foreign = contacts["viewer"]["contacts"]["edges"][0]["cursor"]
    bad = await api(ACCESS_LOG, {"after": foreign}, candidate.token)
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_what_is_not_logged(api, db):
    """Wide-audience fields, one's own profile, previews and non-contacts leave no trace."""
    recruiter, [candidate] = await _network(api, 1)
    stranger = await api.sign_up("sam@northwind.example", "RECRUITER", "Sam")
    baseline = await _log(api, candidate)
    await api.data(
        f'{{ profile(id: "{api.id_for(candidate, recruiter)}") {{ headline }} }}',
        token=recruiter.token,
    )
    await api.data(
        f'{{ profile(id: "{api.id_for(candidate, stranger)}") {{ fullName email headline }} }}',
        token=stranger.token,
    )
    await api.data(
        "{ viewer { profile { fullName email } previewAs(audience: CONTACTS) { fullName } } }",
        token=candidate.token,
    )
    assert await _log(api, candidate) == baseline


async def test_both_sides_of_a_contact_are_logged(api, db):
    recruiter, [candidate] = await _network(api, 1)
    await api.data(
        f'{{ profile(id: "{api.id_for(recruiter, candidate)}") {{ fullName }} }}',
        token=candidate.token,
    )
    [event, *_] = await _log(api, recruiter)
    assert event == {
        "at": event["at"],
        "viewer": api.alias_for(candidate, recruiter),
        "fields": ["fullName"],
    }


async def _fields_logged_for(api, recruiter, candidate, query: str, variables=None) -> list[str]:
    """Run ``query`` as the recruiter, then return the fields of the newest log event
    (``[]`` when the request logged nothing for the candidate)."""
    before = len(await _log(api, candidate))
    profile_id = api.id_for(candidate, recruiter)
    data = await api.data(query, {"id": profile_id, **(variables or {})}, recruiter.token)
    assert data["profile"] is not None
    events = await _log(api, candidate)
    return events[0]["fields"] if len(events) > before else []


async def test_skipped_and_excluded_fields_are_neither_delivered_nor_logged(api):
    """The reported case: no identity field delivered, none logged."""
    recruiter, [candidate] = await _network(api, 1)
    query = """query($id: ID!) { profile(id: $id) {
      fullName @include(if: false) email @skip(if: true) alias
    } }"""
    assert await _fields_logged_for(api, recruiter, candidate, query) == []


async def test_directives_on_fragments_and_variables_are_honoured(api):
    recruiter, [candidate] = await _network(api, 1)
    query = """query($id: ID!, $show: Boolean!, $hide: Boolean!) {
      profile(id: $id) {
        ... on Profile @include(if: $show) { phone }
        ...Identity @skip(if: $hide)
        again: email @include(if: $show)
        alias
      }
    }
    fragment Identity on Profile { fullName }"""
    nothing = {"show": False, "hide": True}
    assert await _fields_logged_for(api, recruiter, candidate, query, nothing) == []
    everything = {"show": True, "hide": False}
    logged = await _fields_logged_for(api, recruiter, candidate, query, everything)
    assert logged == ["email", "fullName", "phone"]


async def test_aliases_and_fragments_log_each_delivered_field_once(api):
    recruiter, [candidate] = await _network(api, 1)
    query = """query($id: ID!) { profile(id: $id) {
      a: email b: email ...F ... on Profile { phone headline }
    } }
    fragment F on Profile { name: fullName @include(if: true) }"""
    logged = await _fields_logged_for(api, recruiter, candidate, query)
    assert logged == ["email", "fullName", "phone"]


async def test_a_document_that_fails_delivers_and_logs_nothing(api):
    recruiter, [candidate] = await _network(api, 1)
    invalid = "query($id: ID!) { profile(id: $id) { email fullName noSuchField } }"
    body = await api(invalid, {"id": api.id_for(candidate, recruiter)}, recruiter.token)
    assert body["errors"] and not body.get("data")
    assert await _log(api, candidate) == []
