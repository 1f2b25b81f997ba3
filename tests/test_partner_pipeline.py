"""Promise (Partners see only consented fields): the consented pipeline over HTTP, and consent receipts.

A partner ATS reads its company's pipeline: the candidates who accepted a
contact with the company's recruiters and shared it with the ATS, each with
exactly the fields a contact reads. Everything that ends the consent
(withdrawal, the end of the contact, a block) removes the candidate on the
next request; nobody else is ever in it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from auth import security
from db.facts import load_partner_facts
from tests.client import Api, Member
from tests.network_support import (
    BLOCK,
    END,
    HIDE,
    my_contacts,
    personal,
    request_ok,
    respond,
    unknown_request_id,
)
from tests.partner_support import (
    PIPELINE,
    PROFILE,
    ats_for,
    consent_snapshot,
    create_client,
    pipeline,
    pipeline_nodes,
    receipts,
    shared_contact,
    withdraw_consent,
)
from views import ids


async def _world(api: Api) -> SimpleNamespace:
    acme = await api.company("acme.example", "Acme", sector="Software", size="S51_200")
    globex = await api.company("globex.example", "Globex", sector="Banking", size="S1001_5000")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Recruiter")
    sam = await api.sign_up("sam@acme.example", "RECRUITER", "Sam Colleague")
    gus = await api.sign_up("gus@globex.example", "RECRUITER", "Gus Globex")
    for admin in (rita, gus):  # they manage their companies' API clients
        await api.make_admin(admin)
    return SimpleNamespace(acme=acme, globex=globex, rita=rita, sam=sam, gus=gus)


async def _candidate(api: Api, world, email: str, name: str) -> Member:
    """A candidate with every field filled, under the default audiences."""
    member = await api.sign_up(email, "CANDIDATE", name)
    await api.update_profile(
        member,
        headline="Backend engineer",
        summary="Databases and queues.",
        photoUrl="https://img.example/me.png",
        phone="+33 6 12 34 56 78",
        city="Lyon",
        region="Auvergne-Rhone-Alpes",
        country="France",
        currentTitle="Staff Engineer",
        seniority="SENIOR",
        currentEmployerId=world.globex,
        yearsOfExperience=9,
        skills=["python", "postgresql"],
        salaryExpectation={"min": 70000, "max": 90000, "currency": "EUR"},
        openToOpportunities=True,
        handle=email.split("@")[0] + "-open",
        experiences=[
            {"title": "Engineer", "employerId": world.globex, "start": "2018", "end": "2024"}
        ],
    )
    return member


def _ids(nodes: list[dict]) -> list[str]:
    return [node["counterpart"]["id"] for node in nodes]


async def test_acceptance_1_the_pipeline_over_http(api):
    w = await _world(api)
    ann = await _candidate(api, w, "ann@mail.example", "Ann Shared")
    bob = await _candidate(api, w, "bob@mail.example", "Bob Private")
    cara = await _candidate(api, w, "cara@mail.example", "Cara Withdraws")
    dan = await _candidate(api, w, "dan@mail.example", "Dan Ends")
    await api.set_audience(ann, "salaryExpectation", "ONLY_ME")  # a contact does not read it
    await api.set_audience(ann, "city", "RECRUITERS")

    ann_edge = await shared_contact(api, w.rita, ann, personal("Ann"))
    await shared_contact(api, w.rita, bob, personal("Bob"), share=False)
    cara_edge = await shared_contact(api, w.sam, cara, personal("Cara"))
    dan_edge = await shared_contact(api, w.rita, dan, personal("Dan"))

    token = await ats_for(api, w.rita)
    nodes = await pipeline_nodes(api, token)
    assert sorted(_ids(nodes)) == sorted(
        api.id_for(m, w.rita) for m in (ann, cara, dan)
    )  # Bob did not share

    # Fields match a contact's view exactly: what Rita, Ann's contact, reads of her.
    [ann_node] = [n for n in nodes if n["counterpart"]["id"] == api.id_for(ann, w.rita)]
    contact_view = (await api.data(PROFILE, {"id": api.id_for(ann, w.rita)}, w.rita.token))[
        "profile"
    ]
    assert ann_node["counterpart"] == contact_view
    assert contact_view["fullName"] == "Ann Shared" and contact_view["email"] == "ann@mail.example"
    assert contact_view["experiences"][0]["title"] == "Engineer"
    assert contact_view["salaryExpectation"] is None  # ONLY_ME holds for the ATS as well
    assert ann_node["id"] == ann_edge and ann_node["status"] == "ACCEPTED"
    assert ann_node["sharedWithAts"] is True and ann_node["message"] == personal("Ann")

    # Cara withdraws her consent, Dan ends his contact: both gone on the next request.
    assert (await withdraw_consent(api, cara, cara_edge))["userErrors"] == []
    assert (await api.data(END, {"r": dan_edge}, dan.token))["endContact"]["userErrors"] == []
    assert _ids(await pipeline_nodes(api, token)) == [api.id_for(ann, w.rita)]


async def test_the_pipeline_is_the_latest_accepted_first_and_pages(api):
    w = await _world(api)
    members = [await api.sign_up(f"c{i}@mail.example", name=f"Cand {i}") for i in range(5)]
    requests = [
        await request_ok(api, w.rita, m, personal(f"Cand {i}")) for i, m in enumerate(members)
    ]
    order = [2, 0, 4, 1, 3]  # accepted in another order than they were sent
    for i in order:
        answer = await respond(api, members[i], requests[i], True, True)
        assert answer["userErrors"] == []
    token = await ats_for(api, w.rita)
    seen, after, pages = [], None, 0
    while True:
        page = await pipeline(api, token, first=2, after=after)
        pages += 1
        seen += [edge["node"]["counterpart"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [
        api.id_for(members[i], w.rita) for i in reversed(order)
    ]  # the latest accepted first
    full = await pipeline(api, token)  # first: 50 by default
    assert [e["node"]["counterpart"]["id"] for e in full["edges"]] == seen
    assert full["pageInfo"]["hasNextPage"] is False

    for bad in ({"after": "not-a-cursor"}, {"first": -1}):
        body = await api(PIPELINE, bad, token)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    # A cursor of another list is not valid here either.
    contacts_cursor = (
        await api.data(
            "{ viewer { contacts(first: 1) { pageInfo { endCursor } } } }", token=w.rita.token
        )
    )["viewer"]["contacts"]["pageInfo"]["endCursor"]
    body = await api(PIPELINE, {"after": contacts_cursor}, token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def _client_row(db, client_id: str) -> uuid.UUID:
    async with db.autocommit() as conn:
        result = await conn.execute(
            text("SELECT id FROM api_client WHERE client_id = :c"), {"c": client_id}
        )
        return result.scalar_one()


async def test_who_may_read_the_pipeline(api, db, settings):
    w = await _world(api)
    ann = await api.sign_up("ann@mail.example", name="Ann")
    await shared_contact(api, w.rita, ann, personal("Ann"))

    anonymous = await api(PIPELINE)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    candidate = await api(PIPELINE, token=ann.token)
    assert candidate["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # A live partner token that lacks the pipeline:read scope.
    client_id, _ = await create_client(api, w.rita)
    scopeless = security.issue_token(
        settings.secret_key,
        security.TokenClaims(
            "partner",
            await _client_row(db, client_id),
            datetime.now(UTC) + timedelta(minutes=5),
            (),
        ),
    )
    body = await api(PIPELINE, token=scopeless)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Another company's ATS and recruiters see nothing of Acme's pipeline.
    assert await pipeline_nodes(api, await ats_for(api, w.gus, "Globex ATS")) == []
    assert await pipeline_nodes(api, w.gus.token) == []
    assert _ids(await pipeline_nodes(api, await ats_for(api, w.rita))) == [api.id_for(ann, w.rita)]

    # A revoked client's token stops at once, pipeline included.
    revoked = await ats_for(api, w.rita, "Old ATS")
    [old] = [c for c in await _clients(api, w.rita) if c["name"] == "Old ATS"]
    await api.data(
        "mutation($c: String!) { revokeApiClient(clientId: $c) { clientId } }",
        {"c": old["clientId"]},
        w.rita.token,
    )
    body = await api(PIPELINE, token=revoked)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _clients(api, recruiter) -> list[dict]:
    return (await api.data("{ apiClients { clientId name } }", token=recruiter.token))["apiClients"]


NODE = """query($id: ID!) { node(id: $id) { __typename ... on ContactRequest {
  id status counterpart { id fullName headline } } } }"""


async def test_company_recruiters_read_it_with_their_own_rights(api, db):
    w = await _world(api)
    ann = await _candidate(api, w, "ann@mail.example", "Ann Shared")
    edge = await shared_contact(api, w.rita, ann, personal("Ann"))

    [mine] = await pipeline_nodes(api, w.rita.token)  # Rita holds the contact
    assert (
        mine["counterpart"]
        == (await api.data(PROFILE, {"id": api.id_for(ann, w.rita)}, w.rita.token))["profile"]
    )
    assert mine["counterpart"]["fullName"] == "Ann Shared"

    # Sam, a colleague, is not Ann's contact: he reads what a recruiter reads of her.
    [theirs] = await pipeline_nodes(api, w.sam.token)
    as_recruiter = (await api.data(PROFILE, {"id": api.id_for(ann, w.sam)}, w.sam.token))["profile"]
    assert theirs["id"] == edge and theirs["counterpart"] == as_recruiter
    assert as_recruiter["fullName"] is None and as_recruiter["email"] is None
    assert as_recruiter["headline"] == "Backend engineer"
    # node(id) agrees with the pipeline; acting on the edge stays its endpoints' right.
    node = (await api.data(NODE, {"id": edge}, w.sam.token))["node"]
    assert node["id"] == edge and node["counterpart"]["fullName"] is None
    before = await consent_snapshot(db)
    ended = (await api.data(END, {"r": edge}, w.sam.token))["endContact"]
    assert ended["userErrors"][0]["code"] == "NOT_FOUND"
    withdrawn = await withdraw_consent(api, w.sam, edge)
    assert withdrawn["userErrors"][0]["code"] == "NOT_FOUND"
    assert await consent_snapshot(db) == before

    # Once it is no longer shared, the colleague loses it (node included); Rita keeps her contact.
    assert (await withdraw_consent(api, ann, edge))["userErrors"] == []
    assert await pipeline_nodes(api, w.sam.token) == []
    assert (await api.data(NODE, {"id": edge}, w.sam.token))["node"] is None
    assert (await api.data(NODE, {"id": edge}, w.rita.token))["node"]["status"] == "ACCEPTED"


async def test_receipts_are_recorded_listed_and_withdrawn(api, db):
    w = await _world(api)
    ann = await _candidate(api, w, "ann@mail.example", "Ann")
    await api.set_audience(ann, "salaryExpectation", "ONLY_ME")
    await api.set_audience(ann, "experiences", "ONLY_ME")
    edge = await shared_contact(api, w.rita, ann, personal("Ann"))

    [receipt] = await receipts(api, ann)
    assert receipt["requestId"] == edge
    assert receipt["company"] == {"id": w.acme, "name": "Acme"}
    assert "Acme" in receipt["purpose"] and "applicant tracking system" in receipt["purpose"]
    assert receipt["withdrawnAt"] is None and receipt["id"].startswith("rc_")
    # Which fields: those a contact may read now (ONLY_ME ones and their items excluded).
    assert "fullName" in receipt["fields"] and "email" in receipt["fields"]
    assert "salaryExpectation" not in receipt["fields"]
    assert not [f for f in receipt["fields"] if f.startswith("experiences")]
    assert (await receipts(api, w.rita)) == []  # a recruiter consents to nothing

    # Refusals write nothing, and say nothing about edges of others.
    other = await api.sign_up("bob@mail.example", name="Bob")
    bob_edge = await shared_contact(api, w.rita, other, personal("Bob"))
    before = await consent_snapshot(db)
    for member, request_id, code in [
        (ann, unknown_request_id(), "NOT_FOUND"),
        (ann, "garbage", "NOT_FOUND"),
        (ann, bob_edge, "NOT_FOUND"),  # another candidate's edge
        (w.gus, edge, "NOT_FOUND"),
        (w.rita, edge, "FORBIDDEN"),  # the recruiter endpoint: consent is the candidate's
    ]:
        answer = await withdraw_consent(api, member, request_id)
        assert answer["request"] is None
        assert [(e["code"], e["field"]) for e in answer["userErrors"]] == [(code, "requestId")]
    unknown = await withdraw_consent(api, ann, unknown_request_id())
    assert unknown["userErrors"][0]["message"] == "No such member."  # the unknown-id answer
    anonymous = await api('mutation { withdrawAtsConsent(requestId: "x") { userErrors { code } } }')
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await consent_snapshot(db) == before

    answer = await withdraw_consent(api, ann, edge)
    assert answer["userErrors"] == []
    assert answer["request"] == {"id": edge, "status": "ACCEPTED", "sharedWithAts": False}
    [receipt_after] = await receipts(api, ann)
    assert receipt_after["withdrawnAt"] is not None
    assert {k: v for k, v in receipt_after.items() if k != "withdrawnAt"} == {
        k: v for k, v in receipt.items() if k != "withdrawnAt"
    }
    [mine] = [c for c in await my_contacts(api, ann) if c["id"] == edge]
    assert mine["sharedWithAts"] is False and mine["status"] == "ACCEPTED"
    again = await withdraw_consent(api, ann, edge)
    assert again["userErrors"][0]["code"] == "NOT_SHARED"
    assert _ids(await pipeline_nodes(api, await ats_for(api, w.rita))) == [
        api.id_for(other, w.rita)
    ]


async def test_only_an_acceptance_with_share_records_consent(api, db):
    w = await _world(api)
    ann = await api.sign_up("ann@mail.example", name="Ann")
    bob = await api.sign_up("bob@mail.example", name="Bob")
    await shared_contact(api, w.rita, ann, personal("Ann"), share=False)
    declined = await request_ok(api, w.rita, bob, personal("Bob"))
    answer = await respond(api, bob, declined, False, True)  # a decline shares nothing
    assert answer["userErrors"] == [] and answer["request"]["sharedWithAts"] is False
    assert await receipts(api, ann) == [] and await receipts(api, bob) == []

    # A failed answer writes no receipt: wrong id, or a request already answered.
    before = await consent_snapshot(db)
    for request_id in (unknown_request_id(), declined):
        failed = await respond(api, bob, request_id, True, True)
        assert failed["userErrors"] and failed["request"] is None
    assert await consent_snapshot(db) == before
    assert await pipeline_nodes(api, await ats_for(api, w.rita)) == []


async def test_ends_and_blocks_end_the_sharing(api, db):
    w = await _world(api)
    names = [
        "ends",
        "ended_by_rita",
        "blocks_rita",
        "blocked_by_rita",
        "blocks_acme",
        "moves",
        "stays",
    ]
    people = {n: await api.sign_up(f"{n}@mail.example", name=n) for n in names}
    edges = {n: await shared_contact(api, w.rita, m, personal(n)) for n, m in people.items()}
    token = await ats_for(api, w.rita)
    assert sorted(_ids(await pipeline_nodes(api, token))) == sorted(
        api.id_for(m, w.rita) for m in people.values()
    )

    async def ok(data: dict) -> None:
        [payload] = data.values()
        assert payload["userErrors"] == [], payload

    await ok(await api.data(END, {"r": edges["ends"]}, people["ends"].token))
    await ok(await api.data(END, {"r": edges["ended_by_rita"]}, w.rita.token))
    await ok(
        await api.data(
            BLOCK["blockMember"],
            {"id": api.id_for(w.rita, people["blocks_rita"])},
            people["blocks_rita"].token,
        )
    )
    await ok(
        await api.data(
            BLOCK["blockMember"],
            {"id": api.id_for(people["blocked_by_rita"], w.rita)},
            w.rita.token,
        )
    )
    await ok(await api.data(BLOCK["blockCompany"], {"id": w.acme}, people["blocks_acme"].token))
    # Moving to Acme with "hide me from my current employer" on (the default):
    # Acme and its ATS stop seeing the candidate, and what was open with Acme's
    # recruiters ends, as when switching hiding on.
    await api.update_profile(people["moves"], currentEmployerId=w.acme)

    assert _ids(await pipeline_nodes(api, token)) == [api.id_for(people["stays"], w.rita)]
    assert _ids(await pipeline_nodes(api, w.rita.token)) == [api.id_for(people["stays"], w.rita)]
    for name, member in people.items():
        [receipt] = await receipts(api, member)
        live = name == "stays"
        assert (receipt["withdrawnAt"] is None) is live, name

    # The two SQL views of consent agree: the facts that the policy reads, and the
    # pipeline's own predicate (the partner facts add the company's blocks).
    async with db.autocommit() as conn:
        facts = await load_partner_facts(
            conn,
            ids.decode(ids.COMPANY, w.acme),
            [ids.profile_member(api.settings, None, m.id) for m in people.values()],
        )
    consent = {
        name: facts[ids.profile_member(api.settings, None, m.id)] for name, m in people.items()
    }
    assert {n for n, f in consent.items() if f.partner_consent} == {"stays"}
    assert {n for n, f in consent.items() if f.owner_blocks_viewers_company} == {"blocks_acme"}
    assert {n for n, f in consent.items() if f.owner_hides_from_viewers_company} == {"moves"}
    assert not any(f.blocked for f in consent.values())  # member blocks are between members

    # Turning "hide" off later brings back no contact: moving ended it.
    await api.data(HIDE, {"h": False}, people["moves"].token)
    assert _ids(await pipeline_nodes(api, token)) == [api.id_for(people["stays"], w.rita)]


async def test_the_ats_reads_only_what_was_consented(api):
    w = await _world(api)
    ann = await _candidate(api, w, "ann@mail.example", "Ann")
    await api.set_audience(ann, "salaryExpectation", "ONLY_ME")
    await shared_contact(api, w.rita, ann, personal("Ann"))
    token = await ats_for(api, w.rita)

    # Widened after consenting: her contact reads it now, the ATS does not.
    await api.set_audience(ann, "salaryExpectation", "CONTACTS")
    # Narrowed after consenting: nobody but Ann reads it any more.
    await api.set_audience(ann, "phone", "ONLY_ME")
    [node] = await pipeline_nodes(api, token)
    as_contact = (await api.data(PROFILE, {"id": api.id_for(ann, w.rita)}, w.rita.token))["profile"]
    assert as_contact["salaryExpectation"] == {"min": 70000, "max": 90000, "currency": "EUR"}
    assert node["counterpart"]["salaryExpectation"] is None
    assert as_contact["phone"] is None and node["counterpart"]["phone"] is None
    rest = {k for k in as_contact if k not in ("salaryExpectation", "phone")}
    assert {k: node["counterpart"][k] for k in rest} == {k: as_contact[k] for k in rest}


ACCESS_LOG = "{ viewer { accessLog { edges { node { viewer fields } } } } }"


async def test_what_the_ats_reads_is_in_the_access_log(api, db):
    w = await _world(api)
    ann = await _candidate(api, w, "ann@mail.example", "Ann")
    await shared_contact(api, w.rita, ann, personal("Ann"))
    token = await ats_for(api, w.rita, "Lever Sync")
    await api.data(
        "{ pipeline { edges { node { counterpart { alias headline } } } } }", token=token
    )
    assert (await api.data(ACCESS_LOG, token=ann.token))["viewer"]["accessLog"]["edges"] == []
    await api.data(
        "{ pipeline { edges { node { counterpart { fullName email city } } } } }", token=token
    )
    events = (await api.data(ACCESS_LOG, token=ann.token))["viewer"]["accessLog"]["edges"]
    assert [e["node"] for e in events] == [
        {"viewer": "Lever Sync (the ATS of Acme)", "fields": ["city", "email", "fullName"]}
    ]
    async with db.autocommit() as conn:
        viewer = await conn.execute(
            text("SELECT viewer_id FROM access_event WHERE viewer_label LIKE 'Lever Sync%'")
        )
        assert viewer.all() == [(None,)]


async def test_the_pipeline_is_rate_limited_per_client(api, settings, monkeypatch):
    w = await _world(api)
    monkeypatch.setitem(settings.rate_limits, "pipeline", (2, 60))
    first, second = await ats_for(api, w.rita, "One"), await ats_for(api, w.rita, "Two")
    for _ in range(2):
        await pipeline(api, first)
    body = await api(PIPELINE, token=first)
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfter"] >= 1
    await pipeline(api, second)  # each client has its own budget
    await pipeline(api, w.rita.token)  # and each recruiter


async def test_a_page_costs_the_same_number_of_statements_whatever_its_size(api, db):
    w = await _world(api)
    token = await ats_for(api, w.rita)
    costs = []
    for batch in range(2):
        for i in range(3 * batch + 1):
            member = await api.sign_up(f"c{batch}{i}@mail.example", name=f"C{i}")
            await shared_contact(api, w.rita, member, personal(f"C{batch}{i}"))
        db.counter.reset()
        nodes = await pipeline_nodes(api, token)
        assert nodes and all(n["counterpart"]["fullName"] for n in nodes)
        costs.append(db.counter.count)
    assert costs[0] == costs[1], costs


async def test_one_candidate_two_contacts_of_the_company(api):
    w = await _world(api)
    ann = await api.sign_up("ann@mail.example", name="Ann")
    shared = await shared_contact(api, w.rita, ann, personal("Ann", "From Rita."))
    await shared_contact(api, w.sam, ann, personal("Ann", "From Sam."), share=False)
    token = await ats_for(api, w.rita)
    assert [n["id"] for n in await pipeline_nodes(api, token)] == [shared]
    # Sam's unshared contact with her does not keep her in the pipeline once she withdraws.
    await withdraw_consent(api, ann, shared)
    assert await pipeline_nodes(api, token) == []


async def test_a_deleted_account_leaves_the_pipeline(api):
    from tests.client import PASSWORD

    w = await _world(api)
    ann = await api.sign_up("ann@mail.example", name="Ann")
    await shared_contact(api, w.rita, ann, personal("Ann"))
    token = await ats_for(api, w.rita)
    assert len(await pipeline_nodes(api, token)) == 1
    deleted = await api.data(
        "mutation($p: String!) { deleteAccount(password: $p) { ok } }", {"p": PASSWORD}, ann.token
    )
    assert deleted["deleteAccount"]["ok"] is True
    assert await pipeline_nodes(api, token) == []


@pytest.mark.parametrize("query", ['{ profile(id: "%s") { alias } }', '{ node(id: "%s") { id } }'])
async def test_a_partner_token_reaches_no_candidate_outside_the_pipeline(api, query):
    w = await _world(api)
    ann = await api.sign_up("ann@mail.example", name="Ann")
    edge = await shared_contact(api, w.rita, ann, personal("Ann"))
    token = await ats_for(api, w.rita)
    for target in (api.id_for(ann, w.rita), edge):
        body = await api(query % target, token=token)
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
