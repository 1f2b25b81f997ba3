"""Outside in: schemathesis generates operations from the contract against a served instance.

``app.py serve --demo`` runs as a subprocess (as in production: uvicorn, the
real middleware, the embedded PostgreSQL, or a fresh database on the server of
``DATABASE_URL``). schemathesis reads the contract by introspection of the
schema in this process (the same one the service serves), then generates, for
every root query and mutation, operations with arbitrary selections and
arguments (strings with NUL bytes and other control characters, huge and
negative numbers, unknown ids), sent logged out and logged in as a candidate
and as a recruiter. ``logOut`` and ``deleteAccount`` are left out of the
logged-in runs so that a run does not end its own session.

Whatever is generated, the service answers without a 5xx and without an
``INTERNAL`` error: every bad input has a typed answer. The runs are
derandomized (the same operations every run) and sized to about a minute.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from graphql import introspection_from_schema
from hypothesis import HealthCheck, settings

from demo.seed import DEMO_PASSWORD
from schema.schema import schema as graphql_schema
from tests.conftest import drop_database, fresh_database
from tests.service import running_service

EXAMPLES_PER_OPERATION = 15
MINIMUM_OPERATIONS = 1_000
SESSION_ENDERS = ["Mutation.logOut", "Mutation.deleteAccount"]
MEMBERS = {"candidate": "alice@mail.example", "recruiter": "rita@northwind.example"}
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
# Generous budgets: the runs test what each input does, not the rate limiter.
FUZZ_RATE_LIMITS = ",".join(
    f"{name}=1000000/60"
    for name in ("anonymous", "signup", "signup_ip", "login", "login_ip", "search", "contact")
)

contract = schemathesis.graphql.from_dict(introspection_from_schema(graphql_schema._schema))
members_contract = contract.exclude(name=SESSION_ENDERS)
sent: Counter[str] = Counter()

generation = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
async def service_database() -> AsyncIterator[dict[str, str]]:
    """The service's own database: a fresh one on ``DATABASE_URL``'s server, else embedded."""
    external = os.environ.get("DATABASE_URL")
    if not external:
        yield {}
        return
    name = f"suplinks_fuzz_{os.getpid()}"
    url = await fresh_database(external, name)
    yield {"DATABASE_URL": url}
    await drop_database(external, name)


@pytest.fixture(scope="module")
def service(service_database, tmp_path_factory) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("fuzzed-service")
    env = {**service_database, "SUPLINKS_RATE_LIMITS": FUZZ_RATE_LIMITS}
    with running_service(data_dir, env=env) as base:
        yield base


@pytest.fixture(scope="module")
def bearer(service) -> dict[str, dict[str, str]]:
    """``Authorization`` headers of a demo candidate and a demo recruiter."""
    headers = {}
    for role, email in MEMBERS.items():
        response = httpx.post(
            service + "/graphql",
            json={"query": LOG_IN, "variables": {"e": email, "p": DEMO_PASSWORD}},
        )
        token = response.json()["data"]["logIn"]["token"]
        headers[role] = {"authorization": f"Bearer {token}"}
    return headers


def check(case, base: str, role: str, headers: dict[str, str] | None = None) -> None:
    """One generated operation: never a 5xx, never INTERNAL, always a GraphQL answer."""
    response = case.call(base_url=base + "/graphql", headers=headers)
    sent[role] += 1
    assert response.status_code < 500, (case.body, response.text)
    body = response.json()
    assert "data" in body or "errors" in body, body
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL" not in codes, (case.body, body)


@contract.parametrize()
@generation
def test_logged_out(case, service):
    check(case, service, "anonymous")


@members_contract.parametrize()
@generation
def test_logged_in_as_a_candidate(case, service, bearer):
    check(case, service, "candidate", bearer["candidate"])


@members_contract.parametrize()
@generation
def test_logged_in_as_a_recruiter(case, service, bearer):
    check(case, service, "recruiter", bearer["recruiter"])


def test_the_runs_sent_enough_operations(bearer, service):
    """The three runs above, together, sent at least 1,000 operations (runs deselected: skip)."""
    if set(sent) != {"anonymous", "candidate", "recruiter"}:
        pytest.skip("the generated runs did not all run in this session")
    assert sum(sent.values()) >= MINIMUM_OPERATIONS, sent
    # The members' sessions survived their run: nothing generated ended them.
    for role in MEMBERS:
        response = httpx.post(
            service + "/graphql",
            json={"query": "{ viewer { profile { kind } } }"},
            headers=bearer[role],
        )
        body = response.json()
        assert (body.get("data") or {}).get("viewer"), (role, body, sent)
