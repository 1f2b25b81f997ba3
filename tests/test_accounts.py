"""Sign-up, log-in, sessions, and every bad input leaving nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth import security
from tests.client import PASSWORD, table_counts

SIGN_UP = """
mutation($input: SignUpInput!) {
  signUp(input: $input) { token viewer { profile { id alias kind } } userErrors { code message field } }
}"""
LOG_IN = """
mutation($email: String!, $password: String!) {
  logIn(email: $email, password: $password) { token userErrors { code message field } }
}"""
VIEWER = "{ viewer { profile { alias fullName email kind currentEmployer { name } } } }"


async def with_cookie(http, cookie: str):
    """A browser-like request carrying only the session cookie."""
    http.cookies.clear()
    http.cookies.set("suplinks_session", cookie)
    try:
        return await http.post("/graphql", json={"query": VIEWER})
    finally:
        http.cookies.clear()


def sign_up_input(email, kind="CANDIDATE", name="Ann Example", password=PASSWORD):
    return {"input": {"email": email, "password": password, "kind": kind, "fullName": name}}


async def test_recruiter_company_comes_from_email_domain(api):
    await api.company("acme.example", "Acme")
    recruiter = await api.sign_up("Rita@ACME.example", "RECRUITER", "Rita")
    data = await api.data(VIEWER, token=recruiter.token)
    profile = data["viewer"]["profile"]
    assert profile["currentEmployer"]["name"] == "Acme"
    assert profile["email"] == "rita@acme.example"  # normalised
    assert profile["kind"] == "RECRUITER"


async def test_password_is_hashed_with_argon2id(api, db):
    from sqlalchemy import text

    await api.sign_up("ann@mail.example")
    async with db.autocommit() as conn:
        stored = (await conn.execute(text("SELECT password_hash FROM member"))).scalar()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


async def test_alias_is_unique_and_not_derived_from_name_or_email(api):
    members = [await api.sign_up(f"jeanne{i}@mail.example", name="Jeanne Dupont") for i in range(8)]
    aliases = [m.alias for m in members]
    assert len(set(aliases)) == len(aliases)
    for alias in aliases:
        assert "jeanne" not in alias.lower() and "dupont" not in alias.lower()


def company_sign_up(name="Nowhere", sector="Software"):
    """A recruiter at an unregistered domain, naming the company to create."""
    variables = sign_up_input("rita@nowhere.example", kind="RECRUITER")
    variables["input"]["company"] = {"name": name, "sector": sector, "sizeBand": "S51_200"}
    return variables


BAD_SIGN_UPS = [
    ("malformed email", sign_up_input("not-an-email"), "INVALID_EMAIL"),
    ("10 kB name", sign_up_input("big@mail.example", name="x" * 10_000), "TOO_LONG"),
    ("weak password", sign_up_input("weak@mail.example", password="short"), "WEAK_PASSWORD"),
    (
        "recruiter on an unregistered domain, naming no company",
        sign_up_input("rita@nowhere.example", kind="RECRUITER"),
        "BAD_USER_INPUT",
    ),
    (
        "10 kB company name",
        company_sign_up(name="x" * 10_000),
        "TOO_LONG",
    ),
    ("empty company sector", company_sign_up(sector="  "), "REQUIRED"),
]


@pytest.mark.parametrize(
    ("case", "variables", "code"), BAD_SIGN_UPS, ids=[c[0] for c in BAD_SIGN_UPS]
)
async def test_bad_sign_up_is_typed_and_writes_nothing(api, db, case, variables, code):
    await api.sign_up("taken@mail.example")
    before = await table_counts(db)
    data = await api.data(SIGN_UP, variables)
    payload = data["signUp"]
    assert payload["token"] is None and payload["viewer"] is None
    assert [e["code"] for e in payload["userErrors"]] == [code]
    assert payload["userErrors"][0]["message"]
    assert await table_counts(db) == before


async def test_login_answers_the_same_for_unknown_email_and_wrong_password(api, db):
    await api.sign_up("ann@mail.example")
    before = await table_counts(db)
    unknown = await api.data(LOG_IN, {"email": "nobody@mail.example", "password": PASSWORD})
    wrong = await api.data(LOG_IN, {"email": "ann@mail.example", "password": "wrong password!"})
    assert unknown == wrong
    assert unknown["logIn"]["token"] is None
    assert unknown["logIn"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    assert await table_counts(db) == before  # no session was created


async def test_bearer_and_cookie_sessions_and_logout_revokes_both(api, http):
    await api.sign_up("ann@mail.example", name="Ann")
    response = await api.raw(LOG_IN, {"email": "ANN@mail.example", "password": PASSWORD})
    token = response.json()["data"]["logIn"]["token"]
    cookie_header = response.headers["set-cookie"].lower()
    assert "httponly" in cookie_header and "samesite=strict" in cookie_header
    cookie = response.cookies["suplinks_session"]

    by_bearer = await api.data(VIEWER, token=token)
    assert by_bearer["viewer"]["profile"]["fullName"] == "Ann"
    by_cookie = await with_cookie(http, cookie)
    assert by_cookie.json()["data"]["viewer"]["profile"]["fullName"] == "Ann"

    out = await api.data("mutation { logOut }", token=token)
    assert out == {"logOut": True}
    for attempt in (await api.raw(VIEWER, token=token), await with_cookie(http, cookie)):
        body = attempt.json()
        assert (body["data"] or {}).get("viewer") is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_expired_and_forged_tokens_are_unauthenticated(api, settings):
    import uuid

    member = await api.sign_up("ann@mail.example")
    expired = security.issue_token(
        settings.secret_key,
        security.TokenClaims("member", uuid.uuid4(), datetime.now(UTC) - timedelta(seconds=5)),
    )
    forged = member.token[:-4] + ("AAAA" if not member.token.endswith("AAAA") else "BBBB")
    for token in (expired, forged, "garbage"):
        body = await api(
            'mutation { updateProfile(input: {headline: "x"}) { userErrors { code } } }',
            token=token,
        )
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_missing_token_on_a_mutation_is_unauthenticated(api, db):
    before = await table_counts(db)
    body = await api('mutation { updateProfile(input: {headline: "x"}) { userErrors { code } } }')
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await table_counts(db) == before


async def test_viewer_is_null_when_not_logged_in(api):
    assert await api.data("{ viewer { profile { alias } } }") == {"viewer": None}


async def test_delete_account_erases_the_member(api, db):
    ann = await api.sign_up("ann@mail.example")
    bob = await api.sign_up("bob@mail.example")
    before = await table_counts(db)
    wrong = await api.data(
        'mutation { deleteAccount(password: "nope nope nope") { ok userErrors { code } } }',
        token=ann.token,
    )
    assert wrong["deleteAccount"] == {"ok": False, "userErrors": [{"code": "INVALID_CREDENTIALS"}]}
    assert await table_counts(db) == before
    done = await api.data(
        "mutation($p: String!) { deleteAccount(password: $p) { ok userErrors { code } } }",
        {"p": PASSWORD},
        ann.token,
    )
    assert done["deleteAccount"] == {"ok": True, "userErrors": []}
    body = await api("{ viewer { profile { alias } } }", token=ann.token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    gone = await api.data(
        "query($id: ID!) { profile(id: $id) { alias } }", {"id": api.id_for(ann, bob)}, bob.token
    )
    assert gone == {"profile": None}
    again = await api.data(LOG_IN, {"email": "ann@mail.example", "password": PASSWORD})
    assert again["logIn"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
