"""Every body the API does not take is a 400 (413 when too large) with a JSON
``BAD_REQUEST`` error, before strawberry sees it; never a 500."""

from __future__ import annotations

import httpx
import pytest

from web.request_body import MAX_JSON_DEPTH

JSON = {"content-type": "application/json"}


def assert_refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}, error
    return error["message"]


@pytest.mark.parametrize("body", [b"42", b'"x"', b"null", b"true", b"[]", b"{}"])
async def test_json_that_is_not_an_operation_is_a_400(http, body):
    assert_refused(await http.post("/graphql", content=body, headers=JSON))


async def test_invalid_utf8_is_a_400(http):
    body = b'{"query": "{ __typename }", "operationName": "\xff\xfe"}'
    assert "UTF-8" in assert_refused(await http.post("/graphql", content=body, headers=JSON))


async def test_malformed_json_is_a_400(http):
    assert_refused(await http.post("/graphql", content=b'{"query": ', headers=JSON))


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 100_000])
async def test_deep_json_is_a_400(http, depth):
    nested = b"[" * depth + b"]" * depth
    deep = b'{"query": "{ __typename }", "variables": {"a": ' + nested + b"}}"
    assert_refused(await http.post("/graphql", content=deep, headers=JSON))


@pytest.mark.parametrize(
    "body",
    [
        {"query": 42},
        {"query": ["{ __typename }"]},
        {"query": "{ __typename }", "variables": "{}"},
        {"query": "{ __typename }", "variables": [1]},
        {"query": "{ __typename }", "operationName": 1},
        {"query": "{ __typename }", "extensions": "x"},
        {"variables": {}},
    ],
)
async def test_an_operation_of_the_wrong_shape_is_a_400(http, body):
    assert_refused(await http.post("/graphql", json=body))


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
async def test_other_content_types_are_a_400(http, content_type):
    body = b'{"query": "{ __typename }"}'
    response = await http.post("/graphql", content=body, headers={"content-type": content_type})
    assert_refused(response)


async def test_batched_operations_are_refused(http):
    """Decided: one operation per request, so that limits and budgets hold per operation."""
    response = await http.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
    assert "Batched" in assert_refused(response)


async def test_get_runs_no_operation(http):
    assert_refused(await http.get("/graphql", params={"query": "{ __typename }"}))


async def test_a_body_over_the_limit_is_a_413_read_no_further(app, settings):
    """The declared length alone refuses it; a body without one is counted as it comes."""
    limit = settings.query_limits.max_body_bytes
    chunks_read = 0

    async def stream():
        nonlocal chunks_read
        for _ in range(1000):
            chunks_read += 1
            yield b" " * 65536

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        declared = await client.post("/graphql", content=b" " * (limit + 1), headers={**JSON})
        assert "larger than" in assert_refused(declared, 413)
        streamed = await client.post("/graphql", content=stream(), headers=JSON)
    assert "larger than" in assert_refused(streamed, 413)
    assert chunks_read <= limit // 65536 + 2  # stopped at the limit, not at 64 MB


async def test_a_well_formed_request_still_runs(http):
    response = await http.post(
        "/graphql",
        json={"query": "query Q { __typename }", "operationName": "Q", "variables": None},
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_client_id_with_a_nul_is_an_unknown_client(http, db):
    form = {"grant_type": "client_credentials", "client_id": "sl_\x00", "client_secret": "x"}
    response = await http.post("/oauth/token", data=form)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            "mutation($i: ProfileInput!) { updateProfile(input: $i) { userErrors { code } } }",
            {"i": {"seniority": "PRINCIPAL"}},
        ),
        (
            "query($f: CandidateFilter) { searchCandidates(filter: $f) { edges { cursor } } }",
            {"f": {"seniority": ["PRINCIPAL"]}},
        ),
        ("query($n: Int) { searchCandidates(first: $n) { edges { cursor } } }", {"n": "many"}),
    ],
)
async def test_a_variable_of_the_wrong_value_is_the_clients_error(api, query, variables):
    """An enum value that does not exist is BAD_USER_INPUT, never INTERNAL."""
    member = await api.sign_up("val@mail.example")
    body = await api(query, variables, member.token)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
    assert "Variable '$" in body["errors"][0]["message"]
