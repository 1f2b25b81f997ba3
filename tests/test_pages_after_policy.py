"""Pages are cut after the policy: ``hasNextPage`` and cursors count only what the viewer sees.

Promises (Hidden members do not exist), (Edges are private): an edge or a
candidate hidden from the viewer (a block either way) at the boundary of a
page must answer exactly as one whose member deleted their account: no
``hasNextPage: true`` followed by an empty page. And a hidden row inside a
page does not leave the page short while more visible rows follow.

Each test reads the same page in one world twice, first with the boundary
member hidden, then once that member has deleted their account, so that the
two answers can be compared byte for byte.
"""

from __future__ import annotations

from tests.client import PASSWORD, Api, Member
from tests.network_support import CONTACTS, block, personal, request_ok
from tests.partner_support import PIPELINE, shared_contact

DELETE = "mutation($p: String!) { deleteAccount(password: $p) { ok } }"
SEARCH = """query($first: Int!, $after: String) {
  searchCandidates(first: $first, after: $after) {
    edges { cursor node { id alias } } pageInfo { hasNextPage endCursor }
  }
}"""


async def delete_account(api: Api, member: Member) -> None:
    assert (await api.data(DELETE, {"p": PASSWORD}, member.token))["deleteAccount"]["ok"]


async def page(api: Api, query: str, token: str, **variables) -> bytes:
    response = await api.raw(query, variables, token)
    assert response.status_code == 200 and b'"errors"' not in response.content, response.text
    return response.content


def page_info(api_body: dict, root: str) -> dict:
    return api_body[root]["pageInfo"]


async def candidates(api: Api, count: int) -> list[Member]:
    return [await api.sign_up(f"c{i}@mail.example", "CANDIDATE", f"Cand {i}") for i in range(count)]


async def test_contacts_hidden_and_deleted_edges_at_the_page_boundary_answer_alike(api):
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    oldest, middle, newest = await candidates(api, 3)
    for member in (oldest, middle, newest):  # newest first: newest, middle | oldest
        await request_ok(api, rita, member, personal(member.alias))

    visible = await api.data(CONTACTS, {"first": 2}, rita.token)
    assert page_info(visible["viewer"], "contacts")["hasNextPage"] is True
    after = page_info(visible["viewer"], "contacts")["endCursor"]
    [rest] = (await api.data(CONTACTS, {"after": after}, rita.token))["viewer"]["contacts"]["edges"]
    assert rest["node"]["counterpart"]["id"] == api.id_for(oldest, rita)

    assert (await block(api, oldest, "blockMember", api.id_for(rita, oldest)))["ok"]
    hidden = await page(api, CONTACTS, rita.token, first=2)
    hidden_next = await page(api, CONTACTS, rita.token, after=after)
    await delete_account(api, oldest)
    assert await page(api, CONTACTS, rita.token, first=2) == hidden
    assert await page(api, CONTACTS, rita.token, after=after) == hidden_next
    body = (await api.data(CONTACTS, {"first": 2}, rita.token))["viewer"]["contacts"]
    assert body["pageInfo"] == {"hasNextPage": False, "endCursor": body["edges"][-1]["cursor"]}
    assert [e["node"]["counterpart"]["id"] for e in body["edges"]] == [
        api.id_for(m, rita) for m in (newest, middle)
    ]


async def test_contacts_a_hidden_edge_inside_a_page_is_replaced_by_the_next_visible_one(api):
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    members = await candidates(api, 5)
    for member in members:
        await request_ok(api, rita, member, personal(member.alias))
    newest_first = members[::-1]
    # The second and third newest hide from Rita: a page of 2 still holds 2 edges.
    for member in newest_first[1:3]:
        assert (await block(api, member, "blockMember", api.id_for(rita, member)))["ok"]
    first = (await api.data(CONTACTS, {"first": 2}, rita.token))["viewer"]["contacts"]
    seen = [e["node"]["counterpart"]["id"] for e in first["edges"]]
    assert seen == [api.id_for(newest_first[i], rita) for i in (0, 3)]
    assert first["pageInfo"]["hasNextPage"] is True
    after = first["pageInfo"]["endCursor"]
    second = (await api.data(CONTACTS, {"first": 2, "after": after}, rita.token))["viewer"]
    assert [e["node"]["counterpart"]["id"] for e in second["contacts"]["edges"]] == [
        api.id_for(newest_first[4], rita)
    ]
    assert second["contacts"]["pageInfo"]["hasNextPage"] is False


async def test_pipeline_hidden_and_deleted_candidates_at_the_page_boundary_answer_alike(api):
    """A colleague reads the company's pipeline with their own rights: a candidate
    who blocks that colleague is hidden from them, though still shared."""
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    sam = await api.sign_up("sam@acme.example", "RECRUITER", "Sam Colleague")
    first, second, third = await candidates(api, 3)
    for member in (first, second, third):  # latest accepted first: third, second | first
        await shared_contact(api, rita, member, personal(member.alias))

    visible = (await api.data(PIPELINE, {"first": 2}, sam.token))["pipeline"]
    assert visible["pageInfo"]["hasNextPage"] is True

    assert (await block(api, first, "blockMember", api.id_for(sam, first)))["ok"]
    # Still shared with the company: Rita (whom nobody blocks) sees all three.
    assert len((await api.data(PIPELINE, {}, rita.token))["pipeline"]["edges"]) == 3
    hidden = await page(api, PIPELINE, sam.token, first=2)
    await delete_account(api, first)
    assert await page(api, PIPELINE, sam.token, first=2) == hidden
    body = (await api.data(PIPELINE, {"first": 2}, sam.token))["pipeline"]
    assert body["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["counterpart"]["id"] for e in body["edges"]] == [
        api.id_for(m, sam) for m in (third, second)
    ]


async def test_search_hidden_and_deleted_candidates_at_the_page_boundary_answer_alike(api):
    await api.company("acme.example", "Acme")
    rita = api.admins["acme.example"]
    members = {api.id_for(m, rita): m for m in await candidates(api, 3)}
    visible = (await api.data(SEARCH, {"first": 2}, rita.token))["searchCandidates"]
    assert visible["pageInfo"]["hasNextPage"] is True
    everyone = (await api.data(SEARCH, {"first": 3}, rita.token))["searchCandidates"]["edges"]
    boundary = members[everyone[-1]["node"]["id"]]

    assert (await block(api, boundary, "blockMember", api.id_for(rita, boundary)))["ok"]
    hidden = await page(api, SEARCH, rita.token, first=2)
    await delete_account(api, boundary)
    assert await page(api, SEARCH, rita.token, first=2) == hidden
    body = (await api.data(SEARCH, {"first": 2}, rita.token))["searchCandidates"]
    assert body["pageInfo"]["hasNextPage"] is False
    assert [e["node"]["id"] for e in body["edges"]] == [e["node"]["id"] for e in everyone[:2]]
