"""A company exists because a mailbox at its domain was proven; its admins manage it.

Every member here proves their mailbox through the in-process SMTP server
(``tests.mailbox``), never through the database.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from resolvers.companies import on_mailbox_verified
from tests.client import PASSWORD, Api, Member, table_counts
from tests.mailbox import token_of
from tests.network_support import (
    HIDE,
    contact,
    my_contacts,
    personal,
    request_ok,
    unknown_profile_id,
)
from tests.partner_support import CREATE_CLIENT, PIPELINE, create_client
from tests.search_world import SEARCH

NORTHWIND = {"name": "Northwind Analytics", "sector": "Software", "sizeBand": "S51_200"}

SIGN_UP = """mutation($input: SignUpInput!) {
  signUp(input: $input) { token userErrors { code message field } }
}"""
ROLE = "{ viewer { companyRole profile { currentEmployer { id name } } } }"
MEMBERS = "{ companyMembers { role profile { id alias fullName } } }"
SET_ROLE = """mutation($p: ID!, $r: CompanyRole!) {
  setCompanyRole(profileId: $p, role: $r) {
    member { role profile { id } } userErrors { code message field }
  }
}"""
REMOVE = """mutation($p: ID!) {
  removeFromCompany(profileId: $p) { member { role } userErrors { code message field } }
}"""
REVOKE = """mutation($c: String!) {
  revokeApiClient(clientId: $c) { clientId userErrors { code } }
}"""
ROTATE = """mutation($c: String!) {
  rotateApiClientSecret(clientId: $c) { clientSecret userErrors { code } }
}"""
REGISTER = """mutation {
  registerCompany(input: {name: "Northwind Analytics", emailDomain: "northwind-careers.example",
                          sector: "Software", sizeBand: S51_200}) { company { id } }
}"""
COMPANIES = "query($s: String) { companies(search: $s) { id name } }"
ADMINS_ONLY = "Only a company's admins manage its API clients."


async def pending_sign_up(
    api: Api, email: str, company: dict | None = None, kind: str = "RECRUITER"
) -> str:
    """Sign up without verifying: the token the mail brought."""
    seen = api.mailbox.count(email)
    answer = await sign_up_answer(api, email, company, kind)
    assert answer == {"token": None, "userErrors": []}, answer
    return token_of(await api.mailbox.wait_for(email, seen))


async def sign_up_answer(api: Api, email: str, company: dict | None, kind: str = "RECRUITER"):
    variables = {
        "input": {
            "email": email,
            "password": PASSWORD,
            "kind": kind,
            "fullName": "Someone",
            "company": company,
        }
    }
    return (await api.data(SIGN_UP, variables))["signUp"]


async def role_of(api: Api, member: Member) -> tuple[str | None, str | None]:
    viewer = (await api.data(ROLE, token=member.token))["viewer"]
    employer = viewer["profile"]["currentEmployer"]
    return viewer["companyRole"], employer and employer["name"]


def _codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def _error(body: dict) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


# --- acceptance 1: the attack -----------------------------------------------------------


async def test_an_address_at_a_company_domain_is_no_recruiter_until_proven_and_then_no_admin(
    api,
):
    """Before: anyone signing up at northwind.example read its pipeline, made an
    ATS client whose token returned candidates' names, and revoked the real
    recruiters' clients."""
    await api.company("northwind.example", "Northwind Analytics")
    rita = api.admins["northwind.example"]
    client_id, _ = await create_client(api, rita, "Northwind ATS")

    # Without the mailbox: no token at all, so neither the pipeline nor the clients.
    mailed = await pending_sign_up(api, "someone@northwind.example")
    logged = await api.data(
        "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
        {"e": "someone@northwind.example", "p": PASSWORD},
    )
    assert logged["logIn"]["token"] is None
    assert _error(await api(PIPELINE, {}))[0] == "UNAUTHENTICATED"

    # With the mailbox proven: a RECRUITER of Northwind, not an ADMIN.
    someone = await api.verify("someone@northwind.example", mailed)
    assert await role_of(api, someone) == ("RECRUITER", "Northwind Analytics")
    assert (await api(PIPELINE, {}, someone.token)).get("errors") is None  # a recruiter's read
    created = await api(CREATE_CLIENT, {"name": "Evil", "scopes": ["pipeline:read"]}, someone.token)
    assert _error(created) == ("FORBIDDEN", ADMINS_ONLY)
    for query in (REVOKE, ROTATE):
        assert _error(await api(query, {"c": client_id}, someone.token)) == (
            "FORBIDDEN",
            ADMINS_ONLY,
        )
    assert _error(await api("{ apiClients { clientId } }", token=someone.token)) == (
        "FORBIDDEN",
        ADMINS_ONLY,
    )
    listed = await api.data("{ apiClients { clientId revokedAt } }", token=rita.token)
    assert listed["apiClients"] == [{"clientId": client_id, "revokedAt": None}]


async def test_register_company_is_retired(api, db):
    before = await table_counts(db)
    body = await api(REGISTER)
    assert _error(body)[0] == "FORBIDDEN"
    assert await table_counts(db) == before


# --- acceptance 4: companies only after verification, never free mail or a look-alike ---


async def test_a_company_appears_only_when_its_first_mailbox_is_proven(api):
    token = await pending_sign_up(api, "rita@northwind.example", NORTHWIND)
    assert (await api.data(COMPANIES, {"s": "northwind"}))["companies"] == []
    rita = await api.verify("rita@northwind.example", token)
    [company] = (await api.data(COMPANIES, {"s": "northwind"}))["companies"]
    assert company["name"] == "Northwind Analytics"
    assert await role_of(api, rita) == ("ADMIN", "Northwind Analytics")
    sam = await api.sign_up("sam@northwind.example", "RECRUITER")  # no company needed now
    assert await role_of(api, sam) == ("RECRUITER", "Northwind Analytics")


@pytest.mark.parametrize(
    "email", ["rita@gmail.com", "rita@proton.me", "rita@mailinator.com", "rita@eu.gmail.com"]
)
async def test_free_mail_and_disposable_domains_make_no_company(api, db, email):
    before = await table_counts(db)
    answer = await sign_up_answer(api, email, NORTHWIND)
    assert _codes(answer) == ["FREE_MAIL_DOMAIN"]
    assert answer["token"] is None
    assert await table_counts(db) == before


async def test_a_candidate_may_use_any_domain(api):
    ann = await api.sign_up("ann@gmail.com")
    assert await role_of(api, ann) == (None, None)


@pytest.mark.parametrize(
    "name",
    [
        "Northwind Analytics",
        "northwind analytics ltd",
        "NORTHWIND-ANALYTICS S.A.",
        "N\u043erthwind Analytics",  # Cyrillic o
        "North\u200bwind Analytics",  # zero-width space
        "\u202eNorthwind Analytics",  # right-to-left override
        "N\u00f6rthwind Analytics",  # an accent
    ],
)
async def test_a_name_that_looks_like_a_company_s_is_taken(api, db, name):
    await api.company("northwind.example", "Northwind Analytics")
    before = await table_counts(db)
    answer = await sign_up_answer(api, "eve@northwind-careers.example", {**NORTHWIND, "name": name})
    assert _codes(answer) == ["NAME_TAKEN"]
    assert await table_counts(db) == before


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u200b", "  ", "--"])
async def test_a_name_of_nothing_visible_is_refused(api, db, name):
    before = await table_counts(db)
    answer = await sign_up_answer(api, "eve@newco.example", {**NORTHWIND, "name": name})
    assert _codes(answer) in (["BAD_USER_INPUT"], ["REQUIRED"])
    assert await table_counts(db) == before


async def test_a_recruiter_at_an_unknown_domain_must_name_the_company(api, db):
    before = await table_counts(db)
    answer = await sign_up_answer(api, "eve@newco.example", None)
    assert _codes(answer) == ["BAD_USER_INPUT"]
    assert await table_counts(db) == before


# --- concurrent verifications -------------------------------------------------------------


async def test_two_verifications_at_once_make_one_company_with_one_admin(api, db):
    tokens = [
        await pending_sign_up(api, f"{who}@newco.example", {**NORTHWIND, "name": "NewCo"})
        for who in ("ann", "bob")
    ]
    ann, bob = await asyncio.gather(
        api.verify("ann@newco.example", tokens[0]), api.verify("bob@newco.example", tokens[1])
    )
    roles = sorted([(await role_of(api, ann))[0], (await role_of(api, bob))[0]])
    assert roles == ["ADMIN", "RECRUITER"]
    async with db.autocommit() as conn:
        count = await conn.execute(text("SELECT count(*) FROM company WHERE name = 'NewCo'"))
        assert count.scalar() == 1


async def _member_uuid(db, email: str):
    async with db.autocommit() as conn:
        found = await conn.execute(text("SELECT id FROM member WHERE email = :e"), {"e": email})
        return found.scalar_one()


async def test_a_verification_waiting_on_another_joins_the_company_it_created(api, db, settings):
    """Forced interleaving: the second transaction's insert waits on the first's
    uncommitted company, then inserts nothing and joins it as a recruiter."""
    pending = {"name": "NewCo", "sector": "Software", "size_band": "S51_200"}
    pending["domain"] = "newco.example"
    for who in ("ann", "bob"):
        await pending_sign_up(api, f"{who}@newco.example", {**NORTHWIND, "name": "NewCo"})
    ann, bob = [await _member_uuid(db, f"{who}@newco.example") for who in ("ann", "bob")]
    async with db.write() as first:
        await on_mailbox_verified(
            settings, first, member_id=ann, email="ann@newco.example", pending_company=pending
        )

        async def second() -> None:
            async with db.write() as conn:
                await on_mailbox_verified(
                    settings,
                    conn,
                    member_id=bob,
                    email="bob@newco.example",
                    pending_company=pending,
                )

        waiting = asyncio.create_task(second())
        await _until_a_transaction_waits_for_a_lock(db)
    await waiting
    async with db.autocommit() as conn:
        rows = await conn.execute(
            text(
                "SELECT m.email, m.company_role FROM member m JOIN company c"
                " ON c.id = m.company_id WHERE c.email_domain = 'newco.example' ORDER BY 1"
            )
        )
        assert [tuple(r) for r in rows] == [
            ("ann@newco.example", "ADMIN"),
            ("bob@newco.example", "RECRUITER"),
        ]


async def _until_a_transaction_waits_for_a_lock(db) -> None:
    for _ in range(500):
        async with db.autocommit() as conn:
            waiting = await conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
            if waiting.scalar():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the second verification never waited for the first")


# --- company roles -------------------------------------------------------------------------


@pytest.fixture
async def acme(api):
    """Acme: its admin, a recruiter, and a candidate in contact with the recruiter."""
    await api.company("acme.example", "Acme")
    await api.company("globex.example", "Globex")
    admin = api.admins["acme.example"]
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    return admin, rita, cara


async def test_admins_list_their_recruiters_and_nobody_else_does(api, acme):
    admin, rita, cara = acme
    listed = (await api.data(MEMBERS, token=admin.token))["companyMembers"]
    assert [(m["role"], m["profile"]["id"]) for m in listed] == [
        ("ADMIN", admin.id),
        ("RECRUITER", rita.id),
    ]
    assert _error(await api(MEMBERS, token=rita.token))[0] == "FORBIDDEN"
    assert _error(await api(MEMBERS, token=cara.token))[0] == "FORBIDDEN"
    assert _error(await api(MEMBERS))[0] == "UNAUTHENTICATED"


async def test_an_admin_promotes_and_the_last_admin_stays(api, acme):
    admin, rita, _ = acme
    # Rita may not promote herself.
    refused = await api.data(SET_ROLE, {"p": rita.id, "r": "ADMIN"}, rita.token)
    assert _codes(refused["setCompanyRole"]) == ["FORBIDDEN"]
    promoted = await api.data(SET_ROLE, {"p": api.id_for(rita, admin), "r": "ADMIN"}, admin.token)
    assert promoted["setCompanyRole"] == {
        "member": {"role": "ADMIN", "profile": {"id": rita.id}},
        "userErrors": [],
    }
    assert (await role_of(api, rita))[0] == "ADMIN"
    # Two admins: one may step down; then the other is the last and stays.
    down = await api.data(SET_ROLE, {"p": admin.id, "r": "RECRUITER"}, admin.token)
    assert down["setCompanyRole"]["userErrors"] == []
    for query, variables, name in (
        (SET_ROLE, {"p": rita.id, "r": "RECRUITER"}, "setCompanyRole"),
        (REMOVE, {"p": rita.id}, "removeFromCompany"),
    ):
        kept = (await api.data(query, variables, rita.token))[name]
        assert _codes(kept) == ["FORBIDDEN"]
        assert "keeps one admin" in kept["userErrors"][0]["message"]
    assert (await role_of(api, rita))[0] == "ADMIN"


async def test_members_outside_the_company_are_unknown_ids(api, acme):
    admin, _, cara = acme
    gus = api.admins["globex.example"]
    for target in (
        api.id_for(gus, admin),
        api.id_for(cara, admin),
        unknown_profile_id(),
        "garbage",
    ):
        for query, variables, name in (
            (SET_ROLE, {"p": target, "r": "ADMIN"}, "setCompanyRole"),
            (REMOVE, {"p": target}, "removeFromCompany"),
        ):
            answer = (await api.data(query, variables, admin.token))[name]
            assert answer["userErrors"] == [
                {"code": "NOT_FOUND", "message": "No such member.", "field": "profileId"}
            ]
    assert (await role_of(api, gus))[0] == "ADMIN"


async def test_a_removed_recruiter_s_open_edges_end_and_they_recruit_no_more(api, acme):
    admin, rita, cara = acme
    dan = await api.sign_up("dan@mail.example", "CANDIDATE", "Dan")
    await contact(api, rita, cara, personal("Cara"))
    await request_ok(api, rita, dan, personal("Dan"))
    removed = (await api.data(REMOVE, {"p": api.id_for(rita, admin)}, admin.token))[
        "removeFromCompany"
    ]
    assert removed == {"member": None, "userErrors": []}
    assert [c["status"] for c in await my_contacts(api, cara)] == ["ENDED"]
    assert [c["status"] for c in await my_contacts(api, dan)] == ["WITHDRAWN"]
    assert await role_of(api, rita) == (None, None)
    assert _error(await api(SEARCH, {}, rita.token))[0] == "FORBIDDEN"
    listed = (await api.data(MEMBERS, token=admin.token))["companyMembers"]
    assert [m["profile"]["id"] for m in listed] == [admin.id]


async def test_a_recruiter_may_leave_on_their_own(api, acme):
    _, rita, _ = acme
    left = (await api.data(REMOVE, {"p": rita.id}, rita.token))["removeFromCompany"]
    assert left["userErrors"] == []
    assert await role_of(api, rita) == (None, None)


# --- moving: a proven new address, and a declared employer ---------------------------------


CHANGE_EMAIL = """mutation($e: String!, $p: String!) { changeEmail(newEmail: $e, password: $p) }"""


async def test_a_recruiter_moves_company_only_once_the_new_mailbox_is_proven(api, acme):
    _, rita, cara = acme
    await contact(api, rita, cara, personal("Cara"))
    seen = api.mailbox.count("rita@globex.example")
    assert (await api.data(CHANGE_EMAIL, {"e": "rita@globex.example", "p": PASSWORD}, rita.token))[
        "changeEmail"
    ]
    assert await role_of(api, rita) == ("RECRUITER", "Acme")  # not before the proof
    assert [c["status"] for c in await my_contacts(api, cara)] == ["ACCEPTED"]
    token = token_of(await api.mailbox.wait_for("rita@globex.example", seen))
    moved = await api.verify("rita@globex.example", token)
    assert await role_of(api, moved) == ("RECRUITER", "Globex")
    assert [c["status"] for c in await my_contacts(api, cara)] == ["ENDED"]


async def edge_statuses(db) -> list[str]:
    """As stored: an edge to a member one is hidden from is not listed to either side."""
    async with db.autocommit() as conn:
        return list((await conn.execute(text("SELECT status FROM contact ORDER BY 1"))).scalars())


async def test_declaring_an_employer_one_hides_from_ends_what_is_open_with_it(api, db, acme):
    """Before: the edge stayed open with a recruiter the candidate is now hidden from."""
    _, rita, cara = acme
    dan = await api.sign_up("dan@mail.example", "CANDIDATE", "Dan")
    acme_id = (await api.data(ROLE, token=rita.token))["viewer"]["profile"]["currentEmployer"]
    await contact(api, rita, cara, personal("Cara"))
    await request_ok(api, rita, dan, personal("Dan"))
    await api.update_profile(cara, currentEmployerId=acme_id["id"])
    assert await edge_statuses(db) == ["ENDED", "PENDING"]  # Dan's request stays


async def test_declaring_an_employer_while_not_hiding_ends_nothing(api, db, acme):
    _, rita, cara = acme
    await api.data(HIDE, {"h": False}, cara.token)
    acme_id = (await api.data(ROLE, token=rita.token))["viewer"]["profile"]["currentEmployer"]
    await contact(api, rita, cara, personal("Cara"))
    await api.update_profile(cara, currentEmployerId=acme_id["id"])
    assert [c["status"] for c in await my_contacts(api, cara)] == ["ACCEPTED"]
    assert await edge_statuses(db) == ["ACCEPTED"]


async def test_an_admin_whose_proven_address_leaves_the_domain_hands_over_to_a_recruiter(api, acme):
    """A company always keeps one admin: its last admin moving to free mail leaves
    it, and its longest-serving recruiter becomes its admin."""
    admin, rita, _ = acme
    seen = api.mailbox.count("boss@gmail.com")
    changed = await api.data(CHANGE_EMAIL, {"e": "boss@gmail.com", "p": PASSWORD}, admin.token)
    assert changed["changeEmail"] is True
    token = token_of(await api.mailbox.wait_for("boss@gmail.com", seen))
    moved = await api.verify("boss@gmail.com", token)
    assert await role_of(api, moved) == (None, None)
    assert await role_of(api, rita) == ("ADMIN", "Acme")


async def test_a_company_whose_last_admin_deletes_their_account_keeps_an_admin(api, acme):
    admin, rita, _ = acme
    deleted = await api.data(
        "mutation($p: String!) { deleteAccount(password: $p) { ok } }", {"p": PASSWORD}, admin.token
    )
    assert deleted["deleteAccount"]["ok"] is True
    assert await role_of(api, rita) == ("ADMIN", "Acme")
