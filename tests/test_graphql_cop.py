"""graphql-cop's twelve checks, each request sent exactly as graphql-cop sends it.

graphql-cop (github.com/dolevf/graphql-cop, ``lib/tests/*.py``) is the usual
outside audit of a GraphQL endpoint. Each test below sends its request (same
document, ``operationName: "cop"``, same method and body encoding) and asserts
the secure answer: the denial-of-service shapes are refused before any resolver
runs, nothing leaks (suggestions, traces, exceptions), and no request a browser
can forge runs a mutation with the session cookie.

Two checks report findings that SUPLINKS keeps on purpose, and the tests assert
that they stay on: the GraphiQL IDE and introspection. Introspection describes
the contract, which is public (``schema.graphql`` ships with the project and
partners generate clients from it); it hides no data, because every private
field is decided by the policy for each viewer and each member (Promise: Denied
fields are null), so knowing a field's name reads nothing.
"""

from __future__ import annotations

import httpx

from tests.client import PASSWORD, Api

# graphql-cop's own documents (lib/tests/*.py), verbatim.
ALIASES = "".join(f"alias{i}:__typename \n" for i in range(101))
ALIAS_OVERLOADING = "query cop { " + ALIASES + " }"
BATCHED = "query cop { __typename }"
CIRCULAR_INTROSPECTION = (
    "query cop { __schema { types { fields { type { fields { type { fields { type "
    "{ fields { type { name } } } } } } } } } } }"
)
DIRECTIVE_OVERLOADING = "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }"
FIELD_SUGGESTIONS = "query cop { __schema { directive } }"
GET_MUTATION = "mutation cop {__typename}"
GET_QUERY = "query cop {__typename}"
IDE_HEURISTICS = ("graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground")
INTROSPECTION = "query cop { __schema { types { name fields { name } } } }"
URLENCODED_QUERY = "query cop { __typename }"
TRACE = "query cop { __typename }"
UNHANDLED = "qwerty cop { abc }"

VIEWER = "{ viewer { profile { alias } } }"


async def cop_query(http: httpx.AsyncClient, document: str) -> httpx.Response:
    """graphql-cop's ``graph_query``: a JSON POST naming the operation ``cop``."""
    return await http.post("/graphql", json={"query": document, "operationName": "cop"})


def refused_as_too_complex(response: httpx.Response) -> list[dict]:
    """The refusal of a denial-of-service shape: no data, one QUERY_TOO_COMPLEX error."""
    body = response.json()
    assert body.get("data") is None, body
    codes = [e.get("extensions", {}).get("code") for e in body["errors"]]
    assert codes == ["QUERY_TOO_COMPLEX"], body
    return body["errors"]


def assert_bad_request(response: httpx.Response) -> None:
    """Every body the API does not take is a 400 with a JSON BAD_REQUEST error."""
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST", error


async def logged_in_browser(api: Api, http: httpx.AsyncClient) -> httpx.AsyncClient:
    """A member logged in through ``logIn``: the client now holds the session cookie."""
    await api.sign_up("victim@mail.example")
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
            "variables": {"e": "victim@mail.example", "p": PASSWORD},
        },
    )
    assert response.json()["data"]["logIn"]["token"]
    assert "suplinks_session" in http.cookies
    return http


async def session_alive(http: httpx.AsyncClient) -> bool:
    response = await http.post("/graphql", json={"query": VIEWER})
    return response.json()["data"]["viewer"] is not None


# --- denial of service ---------------------------------------------------------------


async def test_alias_overloading_is_refused_before_execution(http):
    """graphql-cop: 101 aliases of ``__typename`` answered means Alias Overloading (HIGH)."""
    [error] = refused_as_too_complex(await cop_query(http, ALIAS_OVERLOADING))
    assert "alias" in error["message"].lower()


async def test_array_batching_is_refused(http):
    """graphql-cop: ten queries in one JSON array, all answered, means batching (HIGH)."""
    response = await http.post("/graphql", json=[{"query": BATCHED}] * 10)
    assert_bad_request(response)


async def test_circular_introspection_is_refused(http):
    """graphql-cop: a ten-level ``__schema`` cycle answered means a circular query (HIGH)."""
    refused_as_too_complex(await cop_query(http, CIRCULAR_INTROSPECTION))


async def test_directive_overloading_is_refused_with_one_error(http):
    """graphql-cop: ten errors for ten repeated directives means the validator did the work
    of each one (HIGH). The limit answers once, before validating each directive."""
    [error] = refused_as_too_complex(await cop_query(http, DIRECTIVE_OVERLOADING))
    assert "directive" in error["message"].lower()


# --- information leaks ---------------------------------------------------------------


async def test_no_field_suggestions_in_production(settings, db):
    """graphql-cop: a "Did you mean" error names fields the caller did not know (LOW)."""
    from dataclasses import replace

    from app import create_app
    from policies.authorizer import get_authorizer

    production = create_app(replace(settings, production=True), db, get_authorizer())
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        body = (await cop_query(client, FIELD_SUGGESTIONS)).json()
    assert body["errors"], body
    assert not any("Did you mean" in e["message"] for e in body["errors"]), body


async def test_no_trace_mode(http):
    """graphql-cop: ``extensions.tracing`` in an answer means tracing is on (INFO)."""
    response = await cop_query(http, TRACE)
    body = response.json()
    assert body == {"data": {"__typename": "Query"}}
    assert "tracing" not in response.text.lower()


async def test_unhandled_errors_show_no_exception(http):
    """graphql-cop: ``extensions.exception`` in an error means a leaked exception (INFO)."""
    response = await cop_query(http, UNHANDLED)
    body = response.json()
    assert body.get("data") is None and body["errors"], body
    for error in body["errors"]:
        assert "exception" not in error.get("extensions", {}), error
        assert "stacktrace" not in error.get("extensions", {}), error
    assert "Traceback" not in response.text and 'File "' not in response.text


# --- what a browser can forge --------------------------------------------------------


async def test_get_runs_no_query(http):
    """graphql-cop: a query answered over GET (MEDIUM, possible CSRF). SUPLINKS takes
    operations over POST with a JSON body only: GET serves the GraphiQL page."""
    response = await http.get("/graphql", params={"query": GET_QUERY})
    assert_bad_request(response)


async def test_get_runs_no_mutation_even_with_the_session_cookie(api, http):
    """graphql-cop: a mutation run over GET (MEDIUM, CSRF). Also with a real mutation and
    the victim's cookie: ``logOut`` over GET must not end the session."""
    response = await http.get("/graphql", params={"query": GET_MUTATION})
    assert_bad_request(response)

    browser = await logged_in_browser(api, http)
    response = await browser.get("/graphql", params={"query": "mutation cop { logOut }"})
    assert_bad_request(response)
    assert await session_alive(browser)


async def test_urlencoded_post_runs_nothing_even_with_the_session_cookie(api, http):
    """graphql-cop: a url-encoded POST answered (MEDIUM, CSRF: an HTML form can send it).
    Nor may the other bodies a form or ``fetch`` without preflight sends run a mutation."""
    response = await http.post("/graphql", data={"query": URLENCODED_QUERY})
    assert_bad_request(response)

    browser = await logged_in_browser(api, http)
    forged = "mutation cop { logOut }"
    for attempt in (
        {"data": {"query": forged}},
        {"files": {"operations": (None, f'{{"query": "{forged}"}}'), "map": (None, "{}")}},
        {
            "content": f'{{"query": "{forged}"}}',
            "headers": {"content-type": "text/plain"},
        },
    ):
        assert_bad_request(await browser.post("/graphql", **attempt))
        assert await session_alive(browser)


async def test_session_cookie_is_same_site_strict(api, http):
    """The second lock against CSRF: the browser never sends the cookie cross-site."""
    await api.sign_up("strict@mail.example")
    response = await http.post(
        "/graphql",
        json={
            "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
            "variables": {"e": "strict@mail.example", "p": PASSWORD},
        },
    )
    cookie = response.headers["set-cookie"].lower()
    assert "samesite=strict" in cookie and "httponly" in cookie


# --- on by design ----------------------------------------------------------------------


async def test_graphiql_ide_is_served_by_design(http):
    """graphql-cop reports the IDE (LOW); it stays on: recruiters explore the API in
    GraphiQL (design, section 2), on a page whose every script comes from this origin."""
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code in (200, 503)  # 503 only when `make assets` was not run
    if response.status_code == 200:
        assert any(word in response.text for word in IDE_HEURISTICS)


async def test_introspection_is_on_by_design(http):
    """graphql-cop reports introspection (HIGH); it stays on: see the module docstring.
    The answer describes types and fields, never a member's data."""
    body = (await cop_query(http, INTROSPECTION)).json()
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Query", "Mutation", "Profile"} <= names
