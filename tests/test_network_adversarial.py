"""Adversarial tests of the closed network and of blocks.

The key property: for a member who may not see the candidate, every answer
about the candidate's id is byte-for-byte the answer about an id naming nobody.
"""

from __future__ import annotations

from sqlalchemy import text

from tests.network_support import (
    BLOCK,
    END,
    HIDE,
    RESPOND,
    SEND,
    WITHDRAW,
    block,
    contact,
    my_contacts,
    personal,
    request_ok,
    respond,
    send,
    snapshot,
    unknown_profile_id,
    unknown_request_id,
)

READ = "query($id: ID!) { profile(id: $id) { id alias headline } }"
RESOLVE = """query($id: ID!) {
  node(id: $id) { id ... on Profile { alias } ... on ContactRequest { status message } }
}"""


async def _answers(api, member, profile_id: str) -> list:
    """Everything a member can do with a profile id: read, resolve, contact, block."""
    return [
        await api(READ, {"id": profile_id}, member.token),
        await api(RESOLVE, {"id": profile_id}, member.token),
        await api(SEND, {"p": profile_id, "m": personal("you")}, member.token),
        await api(BLOCK["blockMember"], {"id": profile_id}, member.token),
        await api(BLOCK["unblockMember"], {"id": profile_id}, member.token),
    ]


async def _edge_statuses(db) -> dict:
    async with db.autocommit() as conn:
        rows = await conn.execute(text("SELECT message, status FROM contact"))
        return dict(rows.all())


async def _world(api):
    acme = await api.company("acme.example", "Acme")
    globex = await api.company("globex.example", "Globex")
    await api.company("northwind.example", "Northwind")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    await api.update_profile(candidate, currentEmployerId=acme, headline="SRE")
    employer_recruiter = await api.sign_up("eve@acme.example", "RECRUITER", "Eve")
    blocked_recruiter = await api.sign_up("gus@globex.example", "RECRUITER", "Gus")
    neutral = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    assert (await block(api, candidate, "blockCompany", globex))["ok"]
    return candidate, employer_recruiter, blocked_recruiter, neutral, globex


async def test_blocked_company_and_current_employer_get_the_unknown_id_answer(api, db):
    candidate, employer_recruiter, blocked_recruiter, neutral, _ = await _world(api)
    # Control: a recruiter who may see the candidate gets different answers.
    assert (await api(READ, {"id": api.id_for(candidate, neutral)}, neutral.token))["data"][
        "profile"
    ]
    for outsider in (employer_recruiter, blocked_recruiter):
        before = await snapshot(db)
        unknown = await _answers(api, outsider, unknown_profile_id())
        assert await _answers(api, outsider, api.id_for(candidate, outsider)) == unknown
        assert await snapshot(db) == before
        assert unknown[0] == {"data": {"profile": None}}
        assert unknown[2]["data"]["sendContactRequest"]["userErrors"] == [
            {"code": "NOT_FOUND", "message": "No such member.", "field": "profileId"}
        ]
    # A recruiter who joins the blocked company later is covered too.
    newcomer = await api.sign_up("gina@globex.example", "RECRUITER", "Gina")
    assert await _answers(api, newcomer, api.id_for(candidate, newcomer)) == await _answers(
        api, newcomer, unknown_profile_id()
    )
    # One-way (Company blocks and hiding are one-way): the candidate still sees them all.
    for other in (employer_recruiter, blocked_recruiter, newcomer):
        assert (await api(READ, {"id": api.id_for(other, candidate)}, candidate.token))["data"][
            "profile"
        ]


async def test_candidates_cannot_initiate(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("eve@acme.example", "RECRUITER", "Eve")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    other = await api.sign_up("olga@mail.example", "CANDIDATE", "Olga")
    before = await snapshot(db)
    for target in (
        api.id_for(recruiter, candidate),
        api.id_for(other, candidate),
        unknown_profile_id(),
    ):
        payload = await send(api, candidate, target, personal("Eve"))
        assert payload["request"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("FORBIDDEN", None)]
    assert await snapshot(db) == before
    api.http.cookies.clear()  # signUp set a session cookie: drop it to be anonymous
    anonymous = await api(SEND, {"p": candidate.id, "m": personal("x")})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_third_member_cannot_touch_an_edge(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("eve@acme.example", "RECRUITER", "Eve")
    colleague = await api.sign_up("sam@acme.example", "RECRUITER", "Sam")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    third = await api.sign_up("tom@mail.example", "CANDIDATE", "Tom")
    pending = await request_ok(api, recruiter, candidate, personal("Cara"))
    other = await api.sign_up("olga@mail.example", "CANDIDATE", "Olga")
    accepted = await contact(api, recruiter, other, personal("Olga"))
    before = await snapshot(db)
    for outsider in (third, colleague):
        for request_id in (pending, accepted):
            unknown = unknown_request_id()
            for operation, variables in (
                (RESPOND, {"a": True, "s": True}),
                (WITHDRAW, {}),
                (END, {}),
            ):
                answer = await api(operation, {"r": request_id, **variables}, outsider.token)
                control = await api(operation, {"r": unknown, **variables}, outsider.token)
                assert answer == control
                [payload] = answer["data"].values()
                assert payload["userErrors"] == [
                    {"code": "NOT_FOUND", "message": "No such member.", "field": "requestId"}
                ]
            resolved = await api(RESOLVE, {"id": request_id}, outsider.token)
            assert resolved == {"data": {"node": None}}
        assert await my_contacts(api, outsider) == []
    assert await snapshot(db) == before
    # Control: an endpoint resolves its own edge.
    mine = await api(RESOLVE, {"id": pending}, candidate.token)
    assert mine["data"]["node"]["status"] == "PENDING"


async def test_a_block_ends_what_is_open_and_hides_both_ways(api, db):
    await api.company("northwind.example")
    recruiter = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    bystander = await api.sign_up("bea@mail.example", "CANDIDATE", "Bea")
    await contact(api, recruiter, candidate, personal("Cara"))
    await request_ok(api, recruiter, bystander, personal("Bea"))
    recruiter_alias = await api.alias_seen(recruiter, candidate)  # before the block hides them

    assert (await block(api, candidate, "blockMember", api.id_for(recruiter, candidate))) == {
        "ok": True,
        "userErrors": [],
    }
    statuses = await _edge_statuses(db)
    assert statuses[personal("Cara")] == "ENDED"
    assert statuses[personal("Bea")] == "PENDING"  # others are untouched
    # Invisible both ways: profiles, lists, contact.
    assert (await api(READ, {"id": api.id_for(candidate, recruiter)}, recruiter.token))["data"][
        "profile"
    ] is None
    assert (await api(READ, {"id": api.id_for(recruiter, candidate)}, candidate.token))["data"][
        "profile"
    ] is None
    assert [c["counterpart"]["id"] for c in await my_contacts(api, recruiter)] == [
        api.id_for(bystander, recruiter)
    ]
    assert await my_contacts(api, candidate) == []
    assert await _answers(api, recruiter, api.id_for(candidate, recruiter)) == await _answers(
        api, recruiter, unknown_profile_id()
    )
    # The blocker lists whom they blocked: id and alias, nothing else.
    data = await api.data(
        "{ viewer { blockedMembers { id alias fullName headline email"
        " contactability { canRequestContact reason } } } }",
        token=candidate.token,
    )
    assert data["viewer"]["blockedMembers"] == [
        {
            "id": api.id_for(recruiter, candidate),
            "alias": recruiter_alias,
            "fullName": None,
            "headline": None,
            "email": None,
            "contactability": {"canRequestContact": False, "reason": "BLOCKED"},
        }
    ]
    # Blocking again is harmless; the blocked side cannot "block back" a ghost.
    assert (await block(api, candidate, "blockMember", api.id_for(recruiter, candidate)))["ok"]
    ghost = await block(api, recruiter, "blockMember", api.id_for(candidate, recruiter))
    assert ghost == await block(api, recruiter, "blockMember", unknown_profile_id())
    assert [e["code"] for e in ghost["userErrors"]] == ["NOT_FOUND"]

    # Unblocking brings the member back, the ended contact stays ended.
    assert (await block(api, candidate, "unblockMember", api.id_for(recruiter, candidate)))["ok"]
    assert (await api(READ, {"id": api.id_for(candidate, recruiter)}, recruiter.token))["data"][
        "profile"
    ]
    statuses = {c["counterpart"]["id"]: c["status"] for c in await my_contacts(api, recruiter)}
    assert statuses == {
        api.id_for(candidate, recruiter): "ENDED",
        api.id_for(bystander, recruiter): "PENDING",
    }


async def test_a_company_block_withdraws_pending_requests(api, db):
    northwind = await api.company("northwind.example")
    recruiter = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    await request_ok(api, recruiter, candidate, personal("Cara"))
    assert (await block(api, candidate, "blockCompany", northwind))["ok"]
    assert (await _edge_statuses(db))[personal("Cara")] == "WITHDRAWN"
    data = await api.data("{ viewer { blockedCompanies { id name } } }", token=candidate.token)
    assert data["viewer"]["blockedCompanies"] == [{"id": northwind, "name": "Northwind"}]
    again = await send(api, recruiter, api.id_for(candidate, recruiter), personal("Cara", "Again."))
    assert [e["code"] for e in again["userErrors"]] == ["NOT_FOUND"]

    assert (await block(api, candidate, "unblockCompany", northwind))["ok"]
    data = await api.data("{ viewer { blockedCompanies { id } } }", token=candidate.token)
    assert data["viewer"]["blockedCompanies"] == []
    assert await request_ok(api, recruiter, candidate, personal("Cara", "Again."))
    unknown = await block(api, candidate, "blockCompany", "co_nothing")
    assert [(e["code"], e["field"]) for e in unknown["userErrors"]] == [
        ("UNKNOWN_COMPANY", "companyId")
    ]


async def test_a_recruiter_blocking_a_company_hides_himself_from_its_members_only(api):
    acme = await api.company("acme.example")
    await api.company("northwind.example")
    recruiter = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    acme_recruiter = await api.sign_up("eve@acme.example", "RECRUITER", "Eve")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    await api.update_profile(candidate, currentEmployerId=acme)
    assert (await block(api, recruiter, "blockCompany", acme))["ok"]
    # He vanishes for Acme's verified members, and nobody vanishes for him.
    seen_by_acme = api.id_for(recruiter, acme_recruiter)
    assert (await api(READ, {"id": seen_by_acme}, acme_recruiter.token))["data"]["profile"] is None
    seen_by_him = api.id_for(acme_recruiter, recruiter)
    assert (await api(READ, {"id": seen_by_him}, recruiter.token))["data"]["profile"]
    # A declared employer makes nobody a member: the candidate and he see each other.
    assert (await api(READ, {"id": api.id_for(candidate, recruiter)}, recruiter.token))["data"][
        "profile"
    ]
    assert (await api(READ, {"id": api.id_for(recruiter, candidate)}, candidate.token))["data"][
        "profile"
    ]


async def test_hide_from_current_employer(api, db):
    acme = await api.company("acme.example")
    employer_recruiter = await api.sign_up("eve@acme.example", "RECRUITER", "Eve")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    await api.update_profile(candidate, currentEmployerId=acme)
    hidden = await api.data("{ viewer { hideFromCurrentEmployer } }", token=candidate.token)
    assert hidden["viewer"]["hideFromCurrentEmployer"] is True  # on by default
    assert (
        await api(READ, {"id": api.id_for(candidate, employer_recruiter)}, employer_recruiter.token)
    )["data"]["profile"] is None

    await api.data(HIDE, {"h": False}, candidate.token)
    assert (
        await api(READ, {"id": api.id_for(candidate, employer_recruiter)}, employer_recruiter.token)
    )["data"]["profile"]
    await request_ok(api, employer_recruiter, candidate, personal("Cara"))

    # Turning it back on ends what is open with the employer's members, at once.
    await api.data(HIDE, {"h": True}, candidate.token)
    assert (await _edge_statuses(db))[personal("Cara")] == "WITHDRAWN"
    assert await my_contacts(api, employer_recruiter) == []
    assert await _answers(
        api, employer_recruiter, api.id_for(candidate, employer_recruiter)
    ) == await _answers(api, employer_recruiter, unknown_profile_id())


async def test_declining_keeps_the_candidate_visible_and_unreachable_twice(api):
    await api.company("northwind.example")
    recruiter = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    request_id = await request_ok(api, recruiter, candidate, personal("Cara"))
    declined = await respond(api, candidate, request_id, False)
    assert declined["request"]["status"] == "DECLINED"
    by_recruiter = await respond(api, recruiter, request_id, True)
    assert [e["code"] for e in by_recruiter["userErrors"]] == ["FORBIDDEN"]


async def test_pages_stay_full_when_counterparts_vanish(api, db):
    await api.company("northwind.example")
    recruiter = await api.sign_up("nat@northwind.example", "RECRUITER", "Nat")
    candidates = [await api.sign_up(f"c{i}@mail.example", name=f"C{i}") for i in range(6)]
    for i, candidate in enumerate(candidates):
        await request_ok(api, recruiter, candidate, personal(f"C{i}"))
    # Two block the recruiter, one deletes their account: their edges vanish for him.
    for gone in (candidates[4], candidates[1]):
        await block(api, gone, "blockMember", api.id_for(recruiter, gone))
    async with db.write() as conn:
        await conn.execute(text("DELETE FROM member WHERE email = 'c3@mail.example'"))
    visible = [api.id_for(candidates[i], recruiter) for i in (5, 2, 0)]  # newest first

    from tests.network_support import CONTACTS

    data = await api.data(CONTACTS, {"first": 2}, recruiter.token)
    page = data["viewer"]["contacts"]
    assert [e["node"]["counterpart"]["id"] for e in page["edges"]] == visible[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    data = await api.data(
        CONTACTS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, recruiter.token
    )
    page = data["viewer"]["contacts"]
    assert [e["node"]["counterpart"]["id"] for e in page["edges"]] == visible[2:]
    assert page["pageInfo"]["hasNextPage"] is False
    # The deleted member answers like an unknown id too.
    deleted = await send(
        api, recruiter, api.id_for(candidates[3], recruiter), personal("C3", "Again.")
    )
    unknown = await send(api, recruiter, unknown_profile_id(), personal("C3", "Again."))
    assert deleted == unknown
