"""Editing one's profile, bad input, companies, errors and health."""

from __future__ import annotations

import pytest

from tests.client import table_counts

UPDATE = """
mutation($input: ProfileInput!) {
  updateProfile(input: $input) {
    profile { headline summary city skills currentEmployer { name } salaryExpectation { min max currency } }
    userErrors { code message field }
  }
}"""


async def test_update_changes_only_the_given_fields(api):
    ann = await api.sign_up("ann@mail.example")
    await api.update_profile(
        ann, headline="Backend engineer", city="Lyon", skills=["Python", "python", "SQL"]
    )
    data = await api.data(UPDATE, {"input": {"summary": "Hello"}}, ann.token)
    profile = data["updateProfile"]["profile"]
    assert profile["headline"] == "Backend engineer"
    assert profile["city"] == "Lyon"
    assert profile["summary"] == "Hello"
    assert profile["skills"] == ["python", "sql"]  # normalised, deduplicated


async def test_null_clears_a_field_and_employer_is_a_company_id(api):
    ann = await api.sign_up("ann@mail.example")
    acme = await api.company("acme.example", "Acme")
    data = await api.data(UPDATE, {"input": {"city": "Lyon", "currentEmployerId": acme}}, ann.token)
    assert data["updateProfile"]["profile"]["currentEmployer"]["name"] == "Acme"
    data = await api.data(UPDATE, {"input": {"city": None}}, ann.token)
    assert data["updateProfile"]["profile"]["city"] is None
    assert data["updateProfile"]["profile"]["currentEmployer"]["name"] == "Acme"


BAD_UPDATES = [
    ("unknown company id", {"currentEmployerId": "co_AAAAAAAAAAAAAAAAAAAAAA"}, "UNKNOWN_COMPANY"),
    ("malformed company id", {"currentEmployerId": "42"}, "UNKNOWN_COMPANY"),
    ("10 kB headline", {"headline": "x" * 10_000}, "TOO_LONG"),
    ("empty name", {"fullName": "  "}, "REQUIRED"),
    ("bad handle", {"handle": "No Spaces!"}, "INVALID_HANDLE"),
    ("bad photo url", {"photoUrl": "javascript:alert(1)"}, "INVALID_URL"),
    ("negative years", {"yearsOfExperience": -1}, "OUT_OF_RANGE"),
    ("bad salary", {"salaryExpectation": {"min": 9, "max": 1, "currency": "EUR"}}, "OUT_OF_RANGE"),
    ("bad currency", {"salaryExpectation": {"min": 1, "currency": "euro"}}, "INVALID_CURRENCY"),
]


@pytest.mark.parametrize(("case", "fields", "code"), BAD_UPDATES, ids=[c[0] for c in BAD_UPDATES])
async def test_bad_update_is_typed_and_changes_nothing(api, db, case, fields, code):
    ann = await api.sign_up("ann@mail.example")
    await api.update_profile(ann, headline="Before")
    before = await table_counts(db)
    # A valid change in the same input must not be half-applied either.
    data = await api.data(UPDATE, {"input": {"summary": "half-written?", **fields}}, ann.token)
    assert data["updateProfile"]["profile"] is None
    assert [e["code"] for e in data["updateProfile"]["userErrors"]] == [code]
    after = await api.data("{ viewer { profile { headline summary } } }", token=ann.token)
    assert after["viewer"]["profile"] == {"headline": "Before", "summary": None}
    assert await table_counts(db) == before


async def test_handle_is_unique(api):
    ann = await api.sign_up("ann@mail.example")
    bob = await api.sign_up("bob@mail.example")
    await api.update_profile(ann, handle="ann-builds")
    data = await api.data(UPDATE, {"input": {"handle": "ANN-builds"}}, bob.token)
    assert data["updateProfile"]["userErrors"][0]["code"] == "HANDLE_TAKEN"


async def test_recruiter_cannot_change_employer(api):
    await api.company("acme.example")
    other = await api.company("other.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER")
    data = await api.data(UPDATE, {"input": {"currentEmployerId": other}}, rita.token)
    assert data["updateProfile"]["userErrors"][0]["code"] == "EMPLOYER_FIXED"


async def test_unknown_private_field_audience_is_a_user_error(api, db):
    ann = await api.sign_up("ann@mail.example")
    data = await api.data(
        'mutation { setFieldAudience(field: "password", audience: MEMBERS) { userErrors { code field } } }',
        token=ann.token,
    )
    assert data["setFieldAudience"]["userErrors"] == [{"code": "UNKNOWN_FIELD", "field": "field"}]


async def test_unexpected_errors_are_internal_with_a_request_id(api, monkeypatch, caplog):
    from resolvers import profiles

    async def explode(*args, **kwargs):
        raise RuntimeError("secret detail: password=hunter2")

    monkeypatch.setattr(profiles, "companies", explode)
    response = await api.raw("{ companies { id } }")
    body = response.json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "INTERNAL"
    request_id = error["extensions"]["requestId"]
    assert request_id == response.headers["x-request-id"]
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)


async def test_health_and_readiness(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "up"}}


def test_checked_in_schema_file_is_current():
    from pathlib import Path

    from schema.schema import schema

    checked_in = Path(__file__).resolve().parent.parent / "schema.graphql"
    assert checked_in.read_text().strip() == str(schema).strip(), (
        "schema.graphql is stale: run `make schema`"
    )
