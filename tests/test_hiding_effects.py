"""What each hiding mechanism's effect tells an attacker (docs/design.md, "What hiding reveals").

The attacker can create accounts, block, declare an employer, search and time
answers. Each test below holds one row of that table, for the rows that no
other test file holds already (the table names those).

Promises (Hidden members do not exist), (Company blocks and hiding are
one-way), (Partners see only consented fields).
"""

from __future__ import annotations

from tests.client import PASSWORD, Api, Member
from tests.network_support import SEND, block, nobody_id, personal, unknown_profile_id
from tests.partner_support import PIPELINE, ats_for, shared_contact, withdraw_consent

READ = "query($id: ID!) { profile(id: $id) { id alias } }"
SEARCH = "{ searchCandidates(first: 100) { edges { node { id } } } }"
DELETE = "mutation($p: String!) { deleteAccount(password: $p) { ok } }"
EMPLOYER = "{ viewer { profile { currentEmployer { id } } } }"


async def company_of(api: Api, recruiter: Member) -> str:
    return (await api.data(EMPLOYER, token=recruiter.token))["viewer"]["profile"][
        "currentEmployer"
    ]["id"]


async def sees(api: Api, viewer: Member, member: Member) -> bool:
    found = await api.data(READ, {"id": api.id_for(member, viewer)}, viewer.token)
    return found["profile"] is not None


async def searched(api: Api, recruiter: Member) -> set[str]:
    edges = (await api.data(SEARCH, token=recruiter.token))["searchCandidates"]["edges"]
    return {edge["node"]["id"] for edge in edges}


# --- contactable = false ---------------------------------------------------------------


async def test_not_contactable_refuses_with_the_statements_of_an_unknown_id(api, db):
    """Row "contactable = false": the refusal is the unknown id's, in bytes (also held by
    test_network_limits) and in the work done, so its timing tells nothing either.
    The unknown id here is one Rita's audience could have been given (it opens under
    her company's key) naming nobody; an id that does not open at all is looked up as
    ``ids.NOBODY`` (``views.ids.member_named``) and answers the same bytes."""
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    closed = await api.sign_up("cloe@mail.example", "CANDIDATE", "Cloe")
    await api.update_profile(closed, contactable=False)
    answers = []
    closed_id = api.id_for(closed, rita)
    for target in (nobody_id(api, rita), closed_id, nobody_id(api, rita), closed_id):
        with db.counter.capture() as statements:
            response = await api.raw(SEND, {"p": target, "m": personal("you")}, rita.token)
        answers.append((response.content, list(statements)))
    assert answers[2] == answers[3]
    assert b"NOT_FOUND" in answers[3][0]
    forged = await api.raw(SEND, {"p": unknown_profile_id(), "m": personal("you")}, rita.token)
    assert forged.content == answers[3][0]


# --- ATS consent withdrawal ------------------------------------------------------------


async def test_a_withdrawn_consent_reads_like_a_deleted_account_to_the_ats(api):
    """Row "ATS consent withdrawal": the ATS sees the candidate leave its pipeline; it
    cannot tell a withdrawal from an account deletion, even at a page boundary."""
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    first, second, third = [
        await api.sign_up(f"c{i}@mail.example", "CANDIDATE", f"Cand {i}") for i in range(3)
    ]
    edges = {}
    for member in (first, second, third):  # latest accepted first: third, second | first
        edges[member.id] = await shared_contact(api, rita, member, personal(member.alias))
    token = await ats_for(api, rita)
    assert (await api.data(PIPELINE, {"first": 2}, token))["pipeline"]["pageInfo"]["hasNextPage"]

    assert (await withdraw_consent(api, first, edges[first.id]))["userErrors"] == []
    withdrawn = (await api.raw(PIPELINE, {"first": 2}, token)).content
    assert (await api.data(DELETE, {"p": PASSWORD}, first.token))["deleteAccount"]["ok"]
    assert (await api.raw(PIPELINE, {"first": 2}, token)).content == withdrawn
    assert b'"hasNextPage":false' in withdrawn


# --- company blocks and hiding from one's employer: one-way ----------------------------


async def test_a_company_block_hides_the_blocker_as_an_unknown_id(api, db):
    """Row "company block", the part that holds today: to the company's recruiter,
    the member who blocks it is an unknown id (also test_refusals, statement for statement)."""
    await api.company("globex.example", "Globex")
    gus = api.admins["globex.example"]
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    assert (await block(api, cara, "blockCompany", await company_of(api, gus)))["ok"]
    unknown = unknown_profile_id()
    for query, variables in (
        (READ, {}),
        (SEND, {"m": personal("Cara")}),
    ):
        key = "id" if query is READ else "p"
        hidden = await api.raw(query, {key: api.id_for(cara, gus), **variables}, gus.token)
        absent = await api.raw(query, {key: unknown, **variables}, gus.token)
        assert hidden.content == absent.content
    assert api.id_for(cara, gus) not in await searched(api, gus)


async def test_blocking_a_company_does_not_change_what_the_blocker_sees(api):
    """Row "company block": block a company, watch who vanishes, and you would know who
    works there. One-way, the blocker's own view stays as it was."""
    await api.company("acme.example", "Acme")
    globex = await api.company("globex.example", "Globex")
    rita = api.admins["acme.example"]
    gus = api.admins["globex.example"]
    worker = await api.sign_up("wes@mail.example", "CANDIDATE", "Wes")
    await api.update_profile(worker, currentEmployerId=globex)
    before = await searched(api, rita)
    assert api.id_for(worker, rita) in before and await sees(api, rita, gus)
    assert (await block(api, rita, "blockCompany", globex))["ok"]
    assert await searched(api, rita) == before
    assert await sees(api, rita, worker) and await sees(api, rita, gus)


async def test_declaring_an_employer_does_not_change_what_the_declarer_sees(api):
    """Row "hide from my employer": declare an employer (hiding is on by default), watch
    who vanishes. One-way, and a declared employer makes nobody a member of it:
    neither its recruiter nor a colleague who also hides from it vanishes."""
    acme = await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    colleague = await api.sign_up("col@mail.example", "CANDIDATE", "Colleague")
    await api.update_profile(colleague, currentEmployerId=acme)
    prober = await api.sign_up("pro@mail.example", "CANDIDATE", "Prober")
    assert await sees(api, prober, rita) and await sees(api, prober, colleague)
    await api.update_profile(prober, currentEmployerId=acme)
    assert await sees(api, prober, rita)
    assert await sees(api, prober, colleague)


async def test_blocking_a_company_does_not_unmask_a_confidential_recruiter(api):
    """Row "confidential search": a candidate who blocks Globex must not see Globex's
    confidential recruiter vanish, or the block names the recruiter's company."""
    globex = await api.company("globex.example", "Globex")
    gus = api.admins["globex.example"]
    await api.update_profile(gus, confidentialSearch=True)
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    assert await sees(api, cara, gus)
    assert (await block(api, cara, "blockCompany", globex))["ok"]
    assert await sees(api, cara, gus)
