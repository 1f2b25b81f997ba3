"""Operations too large to run are refused before any resolver runs, with one
``QUERY_TOO_COMPLEX`` error naming the limit; legitimate ones (GraphiQL's included) pass."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from graphql import Lexer, Source, TokenKind, get_introspection_query

from app import create_app
from config import QueryLimits
from policies.authorizer import get_authorizer
from web.request_body import more_tokens_than

SEARCH = "searchCandidates(first: 100) { edges { node { id alias headline } } }"


def refusal(body: dict) -> dict:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    return error


async def client_for(settings, db, **changes) -> httpx.AsyncClient:
    app = create_app(replace(settings, **changes), db, get_authorizer())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_the_alias_flood_stops_in_the_parser(settings, db):
    """The issue's 2.4 MB request of 100,000 ``__typename`` aliases: with a body limit
    raised to let it in, the parser gives up at the token limit."""
    flood = "{ " + " ".join(f"a{i}: __typename" for i in range(100_000)) + " }"
    assert len(flood) > 1_800_000
    limits = QueryLimits(max_body_bytes=4_000_000)
    async with await client_for(settings, db, query_limits=limits) as client:
        response = await client.post("/graphql", json={"query": flood})
    error = refusal(response.json())
    assert error["extensions"]["limit"] == "tokens"
    assert str(limits.max_tokens) in error["message"]


async def test_the_alias_flood_is_past_the_default_body_limit(http):
    flood = "{ " + " ".join(f"a{i}: __typename" for i in range(100_000)) + " }"
    response = await http.post("/graphql", json={"query": flood})
    assert response.status_code == 413


async def test_2000_aliased_searches_are_refused_before_any_statement(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    query = "{ " + " ".join(f"s{i}: {SEARCH}" for i in range(2000)) + " }"
    db.counter.reset()
    response = await api.raw(query, token=recruiter.token)
    error = refusal(response.json())
    assert error["extensions"]["limit"] in ("tokens", "aliases")
    assert db.counter.count == 0  # refused before the session lookup too


async def test_too_many_aliases(http):
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(101)) + " }"
    error = refusal((await http.post("/graphql", json={"query": query})).json())
    assert error["extensions"]["limit"] == "aliases" and "alias" in error["message"]


async def test_a_few_expensive_searches_are_refused_by_their_cost(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    query = "{ " + " ".join(f"s{i}: {SEARCH}" for i in range(20)) + " }"
    db.counter.reset()
    error = refusal((await api.raw(query, token=recruiter.token)).json())
    assert error["extensions"]["limit"] == "cost"
    assert db.counter.count == 1


async def test_the_cost_reads_first_from_the_variables(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    many = (
        "query($n: Int) { "
        + " ".join(
            f"s{i}: searchCandidates(first: $n) {{ edges {{ node {{ id alias headline }} }} }}"
            for i in range(20)
        )
        + " }"
    )
    error = refusal((await api.raw(many, {"n": 100}, token=recruiter.token)).json())
    assert error["extensions"]["limit"] == "cost"
    small = await api(many, {"n": 1}, token=recruiter.token)
    assert "errors" not in small, small


async def test_depth(settings, db):
    query = "{ viewer { profile { currentEmployer { name } } } }"
    async with await client_for(settings, db, query_limits=QueryLimits(max_depth=2)) as client:
        error = refusal((await client.post("/graphql", json={"query": query})).json())
    assert error["extensions"]["limit"] == "depth"


@pytest.mark.parametrize("directive", ["@aa", "@include(if: true)"])
async def test_directive_overloading_is_one_error(http, directive):
    query = "{ __typename " + directive * 10 + " }"
    error = refusal((await http.post("/graphql", json={"query": query})).json())
    assert error["extensions"]["limit"] == "directives"


async def test_circular_introspection(http):
    query = (
        "{ __schema { types { fields { type { fields { type { fields { type "
        "{ fields { type { name } } } } } } } } } } }"
    )
    error = refusal((await http.post("/graphql", json={"query": query})).json())
    assert error["extensions"]["limit"] == "introspection"


async def test_graphiql_introspection_passes(http):
    response = await http.post("/graphql", json={"query": get_introspection_query(True)})
    body = response.json()
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_a_full_search_page_passes(api, db):
    await api.company("acme.example")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    fields = (
        "id alias fullName headline summary photoUrl email phone city region "
        "country seniority yearsOfExperience experienceBand skills openToOpportunities "
        "currentTitle currentEmployer { id name sector sizeBand } "
        "experiences { title start end description employer { name } }"
    )
    query = f"{{ searchCandidates(first: 100) {{ edges {{ cursor node {{ {fields} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"
    body = await api(query, token=recruiter.token)
    assert "errors" not in body, body


SUGGESTED = "{ viewer { profil { alias } } }"


async def test_field_suggestions_are_off_in_production(settings, db):
    async with await client_for(settings, db, production=True) as client:
        body = (await client.post("/graphql", json={"query": SUGGESTED})).json()
    [error] = body["errors"]
    assert "profil" in error["message"] and "Did you mean" not in error["message"]


async def test_syntax_errors_are_coded(http):
    body = (await http.post("/graphql", json={"query": "{ a"})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_field_suggestions_help_in_development(http):
    body = (await http.post("/graphql", json={"query": SUGGESTED})).json()
    assert "Did you mean" in body["errors"][0]["message"]


def _lexer_tokens(document: str) -> int:
    """The tokens graphql-core's lexer reads (comments skipped, as its parser counts)."""
    lexer = Lexer(Source(document))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


@pytest.mark.parametrize(
    "document",
    [
        get_introspection_query(descriptions=True),
        '{ a: profile(id: "pf_x\\"y") { ...F @include(if: true) } } fragment F on Profile { alias }',
        '# a comment\nquery Q($n: Int = -12, $f: Float = 1.5e3) { search(text: """a "quoted"\n block""") }',
        "mutation { setFieldAudience(field: HEADLINE, audience: MEMBERS) { ok } } ,,,",
    ],
)
def test_the_early_token_count_is_the_lexers(document):
    """The guard's count (a regex, before strawberry) equals graphql-core's, so it
    refuses exactly the documents the parser's own token limit would refuse."""
    count = _lexer_tokens(document)
    assert not more_tokens_than(document, count)
    assert more_tokens_than(document, count - 1)
