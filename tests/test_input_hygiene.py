"""Text a frontend renders is clean. Control characters (NUL among them,
which answered INTERNAL in eight inputs), invisible characters in names, internal
URLs and impossible dates are refused with a userError naming the field, and
nothing is written; query arguments answer a BAD_USER_INPUT error. Text is
stored NFC-normalised and otherwise as given: plain text, escaped by clients."""

from __future__ import annotations

import pytest

from tests.client import PASSWORD, table_counts
from tests.network_support import SEND, personal

SIGN_UP = """mutation($input: SignUpInput!) {
  signUp(input: $input) { token userErrors { code message field } } }"""
LOG_IN = """mutation($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token userErrors { code message field } } }"""
UPDATE = """mutation($input: ProfileInput!) {
  updateProfile(input: $input) { profile { id } userErrors { code message field } } }"""
CREATE_CLIENT = """mutation($n: String!) {
  createApiClient(name: $n, scopes: ["pipeline:read"]) { clientId userErrors { code field } } }"""
MINE = "{ viewer { profile { fullName summary headline photoUrl experiences { start description } } } }"

NUL = "Ann\x00Smith"


async def refused(api, db, query, variables, token=None, *, field, code="BAD_USER_INPUT"):
    """The mutation answers one userError on ``field`` and writes nothing."""
    before = await table_counts(db)
    data = await api.data(query, variables, token)
    [payload] = data.values()
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [(code, field)], payload
    assert await table_counts(db) == before


async def test_sign_up_refuses_control_characters(api, db):
    base = {"email": "ann@mail.example", "password": PASSWORD, "kind": "CANDIDATE"}
    await refused(api, db, SIGN_UP, {"input": {**base, "fullName": NUL}}, field="fullName")
    await refused(
        api,
        db,
        SIGN_UP,
        {"input": {**base, "fullName": "Ann", "email": "ann\x00@mail.example"}},
        field="email",
    )


async def test_log_in_with_a_nul_is_wrong_credentials(api, db):
    await api.sign_up("ann@mail.example")
    data = await api.data(LOG_IN, {"e": "ann\x00@mail.example", "p": PASSWORD})
    assert [e["code"] for e in data["logIn"]["userErrors"]] == ["INVALID_CREDENTIALS"]


def founding(company_name: str = "Acme", sector: str = "Software") -> dict:
    """signUp for the first recruiter of a new company (it exists once they verify)."""
    return {
        "input": {
            "email": "rita@acme.example",
            "password": PASSWORD,
            "kind": "RECRUITER",
            "fullName": "Rita",
            "company": {"name": company_name, "sector": sector, "sizeBand": "S1_10"},
        }
    }


@pytest.mark.parametrize("field", ["name", "sector"])
async def test_a_new_company_refuses_control_characters(api, db, field):
    variables = founding(**{"company_name" if field == "name" else field: "Ac\x00me"})
    await refused(api, db, SIGN_UP, variables, field=f"company.{field}")


@pytest.mark.parametrize(
    "field", ["headline", "summary", "phone", "city", "region", "country", "fullName"]
)
async def test_update_profile_refuses_nul_in_every_text_field(api, db, field):
    ann = await api.sign_up("ann@mail.example")
    await refused(api, db, UPDATE, {"input": {field: "a\x00b"}}, ann.token, field=field)


@pytest.mark.parametrize("field", ["title", "description", "start"])
async def test_experiences_refuse_control_characters(api, db, field):
    ann = await api.sign_up("ann@mail.example")
    item = {"title": "Engineer", "start": "2018", field: "x\x00"}
    await refused(
        api, db, UPDATE, {"input": {"experiences": [item]}}, ann.token, field=f"experiences.{field}"
    )


async def test_multiline_text_keeps_its_lines_and_refuses_other_controls(api, db):
    ann = await api.sign_up("ann@mail.example")
    await api.update_profile(ann, summary="First line\nSecond\tline")
    data = await api.data(MINE, token=ann.token)
    assert data["viewer"]["profile"]["summary"] == "First line\nSecond\tline"
    await refused(api, db, UPDATE, {"input": {"summary": "bell \x07"}}, ann.token, field="summary")
    await refused(api, db, UPDATE, {"input": {"headline": "a\nb"}}, ann.token, field="headline")


async def test_contact_request_message_refuses_nul(api, db):
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    ann = await api.sign_up("ann@mail.example")
    message = personal("Ann") + "\x00"
    await refused(
        api, db, SEND, {"p": api.id_for(ann, rita), "m": message}, rita.token, field="message"
    )


async def test_api_client_name_refuses_control_characters(api, db):
    await api.company("acme.example")
    admin = api.admins["acme.example"]
    await refused(api, db, CREATE_CLIENT, {"n": "ATS\x00"}, admin.token, field="name")


async def test_api_client_ids_refuse_control_characters(api, db):
    await api.company("acme.example")
    admin = api.admins["acme.example"]
    rotate = """mutation($c: String!) {
      rotateApiClientSecret(clientId: $c) { clientId userErrors { code field } } }"""
    await refused(api, db, rotate, {"c": "sl_\x00"}, admin.token, field="clientId")


@pytest.mark.parametrize(
    "name",
    ["\u200b\u200b", "Ann\u202eetiL", "A\u200dnn", "Ann\u2028Smith", "\ufeffAnn"],
)
async def test_names_refuse_invisible_and_bidi_characters(api, db, name):
    ann = await api.sign_up("ann@mail.example")
    await refused(api, db, UPDATE, {"input": {"fullName": name}}, ann.token, field="fullName")
    await refused(api, db, SIGN_UP, founding(name), field="company.name")


async def test_text_is_stored_nfc_normalised_and_otherwise_as_given(api, db):
    ann = await api.sign_up("ann@mail.example", name="Rene\u0301e")
    await api.update_profile(ann, headline="<script>alert(1)</script> & co")
    profile = (await api.data(MINE, token=ann.token))["viewer"]["profile"]
    assert profile["fullName"] == "Ren\u00e9e"
    assert profile["headline"] == "<script>alert(1)</script> & co"  # plain text: clients escape


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:5432/",
        "http://photos.example.com/me.jpg",
        "https://127.0.0.1/me.jpg",
        "https://localhost/me.jpg",
        "https://10.1.2.3/me.jpg",
        "https://192.168.0.10/me.jpg",
        "https://[::1]/me.jpg",
        "https://[fe80::1]/me.jpg",
        "https://2130706433/me.jpg",
        "https://user:secret@photos.example.com/me.jpg",
        "javascript:alert(1)",
        "https://photos.example.com:99999/me.jpg",
    ],
)
async def test_urls_are_https_to_public_hosts_without_credentials(api, db, url):
    ann = await api.sign_up("ann@mail.example")
    await refused(
        api,
        db,
        UPDATE,
        {"input": {"photoUrl": url}},
        ann.token,
        field="photoUrl",
        code="INVALID_URL",
    )


async def test_a_public_https_url_is_accepted(api, db):
    ann = await api.sign_up("ann@mail.example")
    await api.update_profile(ann, photoUrl="https://photos.example.com/me.jpg")
    profile = (await api.data(MINE, token=ann.token))["viewer"]["profile"]
    assert profile["photoUrl"] == "https://photos.example.com/me.jpg"


@pytest.mark.parametrize("start", ["2099-99-99", "2021-02-29", "2018-13", "18", "1066", "soon"])
async def test_dates_are_real_dates(api, db, start):
    ann = await api.sign_up("ann@mail.example")
    item = {"title": "Engineer", "start": start}
    await refused(
        api,
        db,
        UPDATE,
        {"input": {"experiences": [item]}},
        ann.token,
        field="experiences.start",
        code="INVALID_DATE",
    )


async def test_real_dates_are_accepted(api, db):
    ann = await api.sign_up("ann@mail.example")
    items = [{"title": "A", "start": s, "end": "2024"} for s in ("2018", "2018-05", "2020-02-29")]
    await api.update_profile(ann, experiences=items)
    data = await api.data(MINE, token=ann.token)
    assert [e["start"] for e in data["viewer"]["profile"]["experiences"]] == [
        "2018",
        "2018-05",
        "2020-02-29",
    ]


async def test_a_list_is_sized_before_any_work_on_its_items(api, db):
    """150 copies of one skill de-duplicated to one were accepted after a quadratic
    de-duplication; now the list is refused for its size before its items are read."""
    ann = await api.sign_up("ann@mail.example")
    await refused(
        api,
        db,
        UPDATE,
        {"input": {"skills": ["python"] * 150}},
        ann.token,
        field="skills",
        code="TOO_MANY",
    )
    await api.update_profile(ann, skills=["Python", "python ", "Go"])


SEARCH = """query($f: CandidateFilter) {
  searchCandidates(filter: $f, first: 5) { edges { node { id } } } }"""


@pytest.mark.parametrize(
    "criteria",
    [
        {"text": "py\x00thon"},
        {"region": "Ile\x00"},
        {"skills": ["go\x00"]},
        {"skills": ["python"] * 150},
    ],
)
async def test_query_arguments_answer_bad_user_input(api, db, criteria):
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    body = await api(SEARCH, {"f": criteria}, rita.token)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error


async def test_company_search_refuses_nul(api, db):
    ann = await api.sign_up("ann@mail.example")
    body = await api('{ companies(search: "ac\\u0000me") { id } }', token=ann.token)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
