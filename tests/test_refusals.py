"""Refusals that look alike also take alike.

Promise (Hidden members do not exist): for a member a viewer may not see,
every path that takes a member id answers byte for byte as for an id naming
nobody, or a member who deleted their account. Timing is the other half of
that answer: here it is held by the work done, not by a clock. Each path
sends the very same SQL statements (same number, same text, in the same
order) for the three cases; ``bench/refusals.py`` measures the times.
"""

from __future__ import annotations

from tests.client import PASSWORD, Api, Member
from tests.network_support import (
    BLOCK,
    END,
    RESPOND,
    SEND,
    WITHDRAW,
    block,
    nobody_id,
    personal,
    request_ok,
    unknown_profile_id,
    unknown_request_id,
)

READ = "query($id: ID!) { profile(id: $id) { id alias headline kind } }"
RESOLVE = "query($id: ID!) { node(id: $id) { id ... on Profile { alias headline } } }"
SET_ROLE = """mutation($id: ID!) {
  setCompanyRole(profileId: $id, role: ADMIN) { userErrors { code message field } } }"""
REMOVE = """mutation($id: ID!) {
  removeFromCompany(profileId: $id) { userErrors { code message field } } }"""
DELETE = "mutation($p: String!) { deleteAccount(password: $p) { ok userErrors { code } } }"

# Every path a recruiter (here their company's admin) can send a member id down,
# with the variables it takes.
PATHS = {
    "sendContactRequest": (SEND, lambda target: {"p": target, "m": personal("there")}),
    "blockMember": (BLOCK["blockMember"], lambda target: {"id": target}),
    "unblockMember": (BLOCK["unblockMember"], lambda target: {"id": target}),
    "setCompanyRole": (SET_ROLE, lambda target: {"id": target}),
    "removeFromCompany": (REMOVE, lambda target: {"id": target}),
    "profile": (READ, lambda target: {"id": target}),
    "node": (RESOLVE, lambda target: {"id": target}),
}


RESOLVE_REQUEST = "query($id: ID!) { node(id: $id) { id ... on ContactRequest { status } } }"

# Every path a member can send a contact request id down.
EDGE_PATHS = {
    "respondToContactRequest": (RESPOND, lambda edge: {"r": edge, "a": True, "s": False}),
    "withdrawContactRequest": (WITHDRAW, lambda edge: {"r": edge}),
    "endContact": (END, lambda edge: {"r": edge}),
    "node": (RESOLVE_REQUEST, lambda edge: {"id": edge}),
}


async def deleted_member(api: Api, email: str, viewer: Member) -> str:
    """The id ``viewer`` knew a member by who signed up, then deleted their account."""
    gone = await api.sign_up(email, "CANDIDATE", "Gone Soon")
    known = api.id_for(gone, viewer)
    done = await api.data(DELETE, {"p": PASSWORD}, gone.token)
    assert done["deleteAccount"]["ok"], done
    return known


async def refusal_world(api: Api) -> tuple[Member, Member, dict[str, str]]:
    """A recruiter, a candidate they may see, and the ids they may not:
    unknown, deleted, hidden by a member block, hidden by a company block."""
    await api.company("acme.example", "Acme")
    recruiter = api.admins["acme.example"]
    visible = await api.sign_up("vic@mail.example", "CANDIDATE", "Vic")
    blocker = await api.sign_up("bea@mail.example", "CANDIDATE", "Bea")
    assert (await block(api, blocker, "blockMember", api.id_for(recruiter, blocker)))["ok"]
    company_blocker = await api.sign_up("cid@mail.example", "CANDIDATE", "Cid")
    acme = (
        await api.data("{ viewer { profile { currentEmployer { id } } } }", token=recruiter.token)
    )["viewer"]["profile"]["currentEmployer"]["id"]
    assert (await block(api, company_blocker, "blockCompany", acme))["ok"]
    refused = {
        "unknown": nobody_id(api, recruiter),
        "deleted": await deleted_member(api, "dan@mail.example", recruiter),
        "hidden by a member block": api.id_for(blocker, recruiter),
        "hidden by a company block": api.id_for(company_blocker, recruiter),
    }
    return recruiter, visible, refused


async def answer(
    api: Api, db, path: str, target: str, token: str, paths=PATHS
) -> tuple[bytes, list[str]]:
    """The response body's bytes and the SQL statements sent while answering."""
    query, variables = paths[path]
    with db.counter.capture() as statements:
        response = await api.raw(query, variables(target), token)
    assert response.status_code == 200, response.text
    return response.content, list(statements)


async def assert_alike(api: Api, db, token: str, refused: dict[str, str], paths) -> dict:
    """Each path answers every refused id with the unknown id's statements and bytes;
    returns the unknown id's answer per path."""
    unknown = {}
    for path in paths:
        for target in refused.values():  # warm: the first request of a kind may prepare things
            await answer(api, db, path, target, token, paths)
        got = {
            case: await answer(api, db, path, target, token, paths)
            for case, target in refused.items()
        }
        body, statements = unknown[path] = got["unknown"]
        assert statements, "the statement counter saw nothing"
        for case, (other_body, other_statements) in got.items():
            assert other_statements == statements, (path, case)
            assert other_body == body, (path, case)
    return unknown


async def test_unknown_deleted_and_hidden_send_the_same_statements_and_bytes(api, db):
    recruiter, visible, refused = await refusal_world(api)
    unknown = await assert_alike(api, db, recruiter.token, refused, PATHS)
    # An id that opens under no key of the recruiter's names nobody before any
    # lookup (nothing to take alike with), but answers with the very same bytes.
    for path in PATHS:
        forged, _ = await answer(api, db, path, unknown_profile_id(), recruiter.token)
        assert forged == unknown[path][0], path
    # Control: a member the recruiter may see gets another answer.
    for path in ("sendContactRequest", "profile", "node"):
        seen, _ = await answer(api, db, path, api.id_for(visible, recruiter), recruiter.token)
        assert seen != unknown[path][0], path


async def test_the_refusal_is_not_found_everywhere(api, db):
    """What the identical bytes are: NOT_FOUND on mutations, null on reads."""
    recruiter, _, refused = await refusal_world(api)
    target = refused["hidden by a member block"]
    for path in ("sendContactRequest", "blockMember", "unblockMember"):
        query, variables = PATHS[path]
        data = await api.data(query, variables(target), recruiter.token)
        assert data[path]["userErrors"] == [
            {"code": "NOT_FOUND", "message": "No such member.", "field": "profileId"}
        ]
    assert await api.data(READ, {"id": target}, recruiter.token) == {"profile": None}
    assert await api.data(RESOLVE, {"id": target}, recruiter.token) == {"node": None}


async def edge_world(api: Api) -> tuple[Member, dict[str, str]]:
    """A recruiter and the request ids that name no edge of theirs they may see: unknown,
    one whose candidate deleted their account, one whose candidate blocked them since,
    and another recruiter's."""
    await api.company("acme.example", "Acme")
    await api.company("globex.example", "Globex")
    rita, gus = api.admins["acme.example"], api.admins["globex.example"]
    leaver = await api.sign_up("lea@mail.example", "CANDIDATE", "Lea")
    blocker = await api.sign_up("bea@mail.example", "CANDIDATE", "Bea")
    other = await api.sign_up("oto@mail.example", "CANDIDATE", "Oto")
    deleted = await request_ok(api, rita, leaver, personal("Lea"))
    hidden = await request_ok(api, rita, blocker, personal("Bea"))
    theirs = await request_ok(api, gus, other, personal("Oto"))
    assert (await api.data(DELETE, {"p": PASSWORD}, leaver.token))["deleteAccount"]["ok"]
    assert (await block(api, blocker, "blockMember", api.id_for(rita, blocker)))["ok"]
    return rita, {
        "unknown": unknown_request_id(),
        "deleted": deleted,
        "hidden by a member block": hidden,
        "another recruiter's": theirs,
    }


async def test_request_ids_refuse_alike_whatever_hides_the_edge(api, db):
    """An edge whose counterpart blocked me answers like one whose counterpart left."""
    rita, refused = await edge_world(api)
    await assert_alike(api, db, rita.token, refused, EDGE_PATHS)
