"""End to end: the real command line, the embedded server, data kept across restarts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from email import message_from_bytes, policy
from pathlib import Path

import httpx

from demo.seed import DEMO_PASSWORD
from tests.mailbox import token_of
from tests.service import ROOT, running_service

LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token userErrors { code } } }"
VERIFY = "mutation($t: String!) { verifyEmail(token: $t) { token userErrors { code } } }"
VIEWER = "{ viewer { profile { alias fullName } } }"


def gql(base: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        base + "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    response.raise_for_status()
    return response.json()


def outbox_token(outbox: Path, address: str, timeout: float = 20) -> str:
    """The token of the one mail to ``address`` in the development outbox."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml") if outbox.exists() else ():
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == address:
                return token_of(message)
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} in {outbox}")


def log_in(base: str, email: str, password: str) -> str:
    payload = gql(base, LOG_IN, {"e": email, "p": password})["data"]["logIn"]
    assert payload["userErrors"] == [], payload
    return payload["token"]


def test_serve_with_demo_data_keeps_data_across_restarts(tmp_path: Path):
    with running_service(tmp_path) as base:
        token = log_in(base, "rita@northwind.example", DEMO_PASSWORD)
        alias = gql(base, VIEWER, token=token)["data"]["viewer"]["profile"]["alias"]
        signed = gql(
            base,
            'mutation { signUp(input: {email: "new@mail.example", password: "a long password",'
            ' kind: CANDIDATE, fullName: "New Member"}) { token userErrors { code } } }',
        )
        assert signed["data"]["signUp"] == {"token": None, "userErrors": []}
        # Without SUPLINKS_SMTP_URL the mail lands in the data folder's outbox.
        token = outbox_token(tmp_path / "outbox", "new@mail.example")
        page = httpx.get(base + "/verify", params={"token": token})
        assert page.status_code == 200 and "<form method='post'" in page.text
        confirmed = httpx.post(base + "/verify", data={"token": token})
        assert confirmed.status_code == 200 and "Address confirmed" in confirmed.text
        # `make run` says where development mail goes.
        assert any(
            f"Mail goes to {tmp_path / 'outbox'}" in log.read_text()
            for log in tmp_path.glob("serve-*.log")
        )
        page = httpx.get(base + "/graphql", headers={"accept": "text/html"})
        assert page.status_code in (200, 503)  # 503 only when the GraphiQL assets were not fetched
    with running_service(tmp_path) as base:
        token = log_in(base, "rita@northwind.example", DEMO_PASSWORD)
        assert gql(base, VIEWER, token=token)["data"]["viewer"]["profile"]["alias"] == alias
        token = log_in(base, "new@mail.example", "a long password")
        assert (
            gql(base, VIEWER, token=token)["data"]["viewer"]["profile"]["fullName"] == "New Member"
        )


def run_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "SUPLINKS_SECRET_KEY"}
    env.update(SUPLINKS_ENV="production", SUPLINKS_DATA_DIR=str(tmp_path))
    result = run_cli("migrate", env=env)
    assert result.returncode == 2
    assert "SUPLINKS_SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_migrate_is_idempotent_on_an_external_database(database_url: str, tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": database_url, "SUPLINKS_DATA_DIR": str(tmp_path)}
    for _ in range(2):
        result = run_cli("migrate", env=env)
        assert result.returncode == 0, result.stderr
    assert not (tmp_path / "pg").exists()  # no embedded server was started


def test_database_url_runs_the_service_on_an_external_server(database_url: str, db, tmp_path: Path):
    """The same service, pointed at another PostgreSQL by DATABASE_URL alone."""
    with running_service(tmp_path, demo=False, env={"DATABASE_URL": database_url}) as base:
        signed = gql(
            base,
            'mutation { signUp(input: {email: "ext@mail.example", password: "a long password",'
            ' kind: CANDIDATE, fullName: "External"}) { token } }',
        )
        assert signed["data"]["signUp"]["token"] is None  # until the mailbox is proven
        mailed = outbox_token(tmp_path / "outbox", "ext@mail.example")
        verified = gql(base, VERIFY, {"t": mailed})["data"]["verifyEmail"]
        token = verified["token"]
        assert gql(base, VIEWER, token=token)["data"]["viewer"]["profile"]["fullName"] == "External"
    assert not (tmp_path / "pg").exists()  # no embedded server was started
