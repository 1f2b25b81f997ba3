"""Trusted documents for first-party frontends, named by hash.

A request may name a manifest document (Apollo's persistedQuery, or a plain
documentId); an unknown hash answers Apollo's PersistedQueryNotFound; and with
``anonymous_trusted_only`` a caller without a credential runs nothing else.
"""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest
from graphql import parse, validate

from app import OPERATIONS_DIR, PROJECT_ROOT, create_app, main
from config import ConfigError, document_hash, load_manifest, load_settings
from policies.authorizer import get_authorizer
from schema.schema import schema
from tests.client import PASSWORD
from tests.partner_support import ats_for
from web.trusted_documents import build_manifest

SHIPPED = PROJECT_ROOT / "docs" / "trusted-documents.json"
MANIFEST = load_manifest(SHIPPED)
LOG_IN = (OPERATIONS_DIR / "LogIn.graphql").read_text()
ME = (OPERATIONS_DIR / "Me.graphql").read_text()
FREE = "{ __typename }"


def persisted(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


@pytest.fixture
def trusting(settings):
    return replace(settings, trusted_documents=MANIFEST)


@pytest.fixture
async def app(trusting, db):
    return create_app(trusting, db, get_authorizer())


@pytest.fixture
async def strict(trusting, db):
    """A client of the app as production runs it: anonymous callers, trusted documents only."""
    app = create_app(replace(trusting, anonymous_trusted_only=True), db, get_authorizer())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def error_code(response: httpx.Response) -> str | None:
    errors = response.json().get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


# --- the manifest ----------------------------------------------------------------------


def test_the_shipped_manifest_is_built_from_the_operations_folder():
    assert build_manifest(OPERATIONS_DIR) == MANIFEST
    for digest, document in MANIFEST.items():
        assert digest == document_hash(document)
        assert validate(schema._schema, parse(document)) == [], document


def test_the_command_line_writes_the_manifest(tmp_path):
    folder = tmp_path / "ops"
    (folder / "nested").mkdir(parents=True)
    (folder / "A.graphql").write_text(FREE)
    (folder / "nested" / "B.graphql").write_text(ME)
    (folder / "notes.txt").write_text("not a document")
    assert main(["trusted-documents", str(tmp_path / "out.json"), str(folder)]) == 0
    written = json.loads((tmp_path / "out.json").read_text())
    assert written == {document_hash(FREE): FREE, document_hash(ME): ME}


def test_a_tampered_manifest_stops_the_service_at_start(tmp_path, monkeypatch):
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({document_hash(ME): "{ viewer { profile { email } } }"}))
    with pytest.raises(ValueError):
        load_manifest(forged)
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPLINKS_TRUSTED_DOCUMENTS", str(forged))
    with pytest.raises(ConfigError):
        load_settings()
    monkeypatch.setenv("SUPLINKS_TRUSTED_DOCUMENTS", str(SHIPPED))
    monkeypatch.setenv("SUPLINKS_ANONYMOUS_TRUSTED_ONLY", "true")
    loaded = load_settings()
    assert loaded.trusted_documents == MANIFEST and loaded.anonymous_trusted_only


# --- naming a document -----------------------------------------------------------------


async def test_a_document_named_by_apollo_hash_or_document_id_runs(api, http):
    ann = await api.sign_up("ann@mail.example")
    variables = {"email": ann.email, "password": PASSWORD}
    digest = document_hash(LOG_IN)
    for body in (
        {"extensions": persisted(digest), "variables": variables},
        {"documentId": f"sha256:{digest}", "variables": variables},
        {"documentId": digest, "variables": variables},
        {"query": LOG_IN, "extensions": persisted(digest), "variables": variables},
    ):
        response = await http.post("/graphql", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["data"]["logIn"]["token"]


async def test_an_unknown_hash_answers_persisted_query_not_found(http):
    for body in (
        {"extensions": persisted("0" * 64)},
        {"documentId": "sha256:" + "0" * 64},
        {"extensions": persisted(document_hash(FREE))},  # a real hash, not in the manifest
    ):
        response = await http.post("/graphql", json=body)
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {
                    "message": "PersistedQueryNotFound",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
                }
            ]
        }


async def test_a_hash_and_another_query_or_a_bad_version_are_refused(http):
    digest = document_hash(ME)
    cases = (
        {"query": "{ viewer { profile { email } } }", "extensions": persisted(digest)},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": digest}}},
        {"extensions": {"persistedQuery": {"version": 1}}},
        {"documentId": 42},
    )
    for body in cases:
        response = await http.post("/graphql", json=body)
        assert response.status_code == 400, body
        assert error_code(response) == "BAD_REQUEST"


# --- anonymous callers held to trusted documents -------------------------------------


async def test_anonymous_callers_may_run_only_trusted_documents(strict):
    refused = await strict.post("/graphql", json={"query": FREE})
    assert refused.status_code == 400
    assert error_code(refused) == "TRUSTED_DOCUMENT_REQUIRED"
    aliased = " ".join(f"a{i}: __typename" for i in range(1000))
    assert error_code(await strict.post("/graphql", json={"query": f"{{ {aliased} }}"})) == (
        "TRUSTED_DOCUMENT_REQUIRED"
    )
    by_hash = await strict.post("/graphql", json={"documentId": document_hash(ME)})
    assert by_hash.status_code == 200 and by_hash.json() == {"data": {"viewer": None}}
    in_full = await strict.post("/graphql", json={"query": ME.strip()})  # as an editor sends it
    assert in_full.status_code == 200 and "errors" not in in_full.json()
    forged = await strict.post(
        "/graphql", json={"query": FREE}, headers={"authorization": "Bearer forged"}
    )
    assert forged.status_code == 400  # a dead credential is no credential


async def test_members_and_partners_keep_free_queries(strict, api):
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    partner = await ats_for(api, api.admins["acme.example"])  # API clients are an admin's
    for token in (rita.token, partner):
        response = await strict.post(
            "/graphql", json={"query": FREE}, headers={"authorization": f"Bearer {token}"}
        )
        assert response.json() == {"data": {"__typename": "Query"}}
    # The session cookie that logIn sets (GraphiQL's way in) counts as a credential.
    login = await strict.post(
        "/graphql",
        json={
            "documentId": document_hash(LOG_IN),
            "variables": {"email": rita.email, "password": PASSWORD},
        },
    )
    assert login.json()["data"]["logIn"]["token"]
    assert strict.cookies.get("suplinks_session")
    response = await strict.post("/graphql", json={"query": FREE})
    assert response.json() == {"data": {"__typename": "Query"}}
