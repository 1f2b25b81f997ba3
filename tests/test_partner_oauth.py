"""API clients, the OAuth2 client-credentials grant, and what a partner token reaches."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from auth import security
from tests.client import table_counts

CREATE = """
mutation($name: String!, $scopes: [String!]!) {
  createApiClient(name: $name, scopes: $scopes) { clientId clientSecret userErrors { code field } }
}"""


@pytest.fixture
async def client_creds(api):
    await api.company("acme.example", "Acme")
    rita = await api.make_admin(await api.sign_up("rita@acme.example", "RECRUITER"))
    data = await api.data(CREATE, {"name": "Acme ATS", "scopes": ["pipeline:read"]}, rita.token)
    payload = data["createApiClient"]
    assert payload["userErrors"] == []
    return rita, payload["clientId"], payload["clientSecret"]


async def token_request(http, client_id, secret, *, basic=True, **form):
    data = {"grant_type": "client_credentials", **form}
    headers = {}
    if basic:
        raw = f"{client_id}:{secret}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(raw).decode()
    else:
        data.update(client_id=client_id, client_secret=secret)
    return await http.post("/oauth/token", data=data, headers=headers)


@pytest.mark.parametrize("basic", [True, False], ids=["http-basic", "form-body"])
async def test_client_credentials_grant(http, client_creds, basic):
    _, client_id, secret = client_creds
    response = await token_request(http, client_id, secret, basic=basic)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    assert body["scope"] == "pipeline:read"
    assert response.headers["cache-control"] == "no-store"


async def test_standard_errors(http, client_creds):
    _, client_id, secret = client_creds
    wrong = await token_request(http, client_id, "sls_wrong")
    assert (wrong.status_code, wrong.json()["error"]) == (401, "invalid_client")
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = await token_request(http, "slc_unknown", secret, basic=False)
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    grant = await http.post("/oauth/token", data={"grant_type": "password"})
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    missing = await http.post("/oauth/token", data={})
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    scope = await token_request(http, client_id, secret, scope="pipeline:read admin")
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")


async def test_only_admins_manage_clients_and_bad_scopes_are_typed(api, db):
    ann = await api.sign_up("ann@mail.example")
    body = await api(CREATE, {"name": "x", "scopes": ["pipeline:read"]}, ann.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await api.company("acme.example")
    rita = await api.make_admin(await api.sign_up("rita@acme.example", "RECRUITER"))
    before = await table_counts(db)
    data = await api.data(CREATE, {"name": "x", "scopes": ["everything"]}, rita.token)
    assert data["createApiClient"]["userErrors"] == [{"code": "INVALID_SCOPE", "field": "scopes"}]
    assert await table_counts(db) == before


async def test_secret_is_stored_hashed_and_listed_without_it(api, db, client_creds):
    from sqlalchemy import text

    rita, client_id, secret = client_creds
    async with db.autocommit() as conn:
        stored = (await conn.execute(text("SELECT secret_hash FROM api_client"))).scalar()
    assert secret not in stored
    listed = await api.data("{ apiClients { clientId name scopes revokedAt } }", token=rita.token)
    assert listed["apiClients"] == [
        {"clientId": client_id, "name": "Acme ATS", "scopes": ["pipeline:read"], "revokedAt": None}
    ]


async def test_rotation_replaces_the_secret(api, http, client_creds):
    rita, client_id, old = client_creds
    data = await api.data(
        "mutation($c: String!) { rotateApiClientSecret(clientId: $c) { clientSecret userErrors { code } } }",
        {"c": client_id},
        rita.token,
    )
    new = data["rotateApiClientSecret"]["clientSecret"]
    assert new and new != old
    assert (await token_request(http, client_id, old)).status_code == 401
    assert (await token_request(http, client_id, new)).status_code == 200


async def test_other_companies_cannot_touch_a_client(api, client_creds):
    _, client_id, _ = client_creds
    await api.company("other.example")
    eve = api.admins["other.example"]  # an admin, but of another company
    data = await api.data(
        "mutation($c: String!) { revokeApiClient(clientId: $c) { clientId userErrors { code } } }",
        {"c": client_id},
        eve.token,
    )
    assert data["revokeApiClient"] == {"clientId": None, "userErrors": [{"code": "NOT_FOUND"}]}


async def test_revoked_client_tokens_stop_working_at_once(api, http, client_creds):
    rita, client_id, secret = client_creds
    token = (await token_request(http, client_id, secret)).json()["access_token"]
    assert "errors" not in await api("{ __typename }", token=token)
    await api.data(
        "mutation($c: String!) { revokeApiClient(clientId: $c) { clientId } }",
        {"c": client_id},
        rita.token,
    )
    body = await api("{ __typename }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await token_request(http, client_id, secret)).status_code == 401


async def test_expired_partner_token_is_unauthenticated(api, settings, client_creds, db):
    from sqlalchemy import text

    async with db.autocommit() as conn:
        row_id = (await conn.execute(text("SELECT id FROM api_client"))).scalar()
    expired = security.issue_token(
        settings.secret_key,
        security.TokenClaims(
            "partner", row_id, datetime.now(UTC) - timedelta(seconds=1), ("pipeline:read",)
        ),
    )
    body = await api("{ __typename }", token=expired)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { profile { alias } } }",
        '{ profile(id: "pf_AAAAAAAAAAAAAAAAAAAAAA") { alias } }',
        "{ companies { id } }",
        '{ publicProfile(handle: "someone") { handle } }',
        "{ apiClients { clientId } }",
        "mutation { logOut }",
        "query Sneaky { ...Root } fragment Root on Query { viewer { profile { alias } } }",
    ],
)
async def test_a_partner_token_reaches_nothing_but_the_pipeline(api, http, client_creds, query):
    _, client_id, secret = client_creds
    token = (await token_request(http, client_id, secret)).json()["access_token"]
    body = await api(query, token=token)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
