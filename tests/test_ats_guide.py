"""The ATS guide's commands work as written against the real service.

The guide's ``bash`` blocks run in order in one shell (they share variables,
as a reader's terminal does) against ``app.py serve --demo``, with only the
base URL changed; its Python client runs as a script. The outputs are checked
against what the guide says they are.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from demo.seed import DEMO_PASSWORD
from tests.service import ROOT, running_service

GUIDE = ROOT / "docs" / "ats.md"
DOCUMENTED_URL = "http://127.0.0.1:8000"
MARK = "@@@ block"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the guide uses curl and jq"
)


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", GUIDE.read_text(), flags=re.S | re.M)


def _environment(data_dir: Path) -> dict[str, str]:
    """The reader's shell: the same data folder as the service (for the command line)."""
    env = {**os.environ, "SUPLINKS_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # the embedded server, as `make run` does
    return env


def run_bash_blocks(blocks: list[str], base: str, data_dir: Path) -> list[str]:
    """Run the blocks in one shell; return each block's standard output."""
    script = "\n".join(f'echo "{MARK} {i}"\n{block}' for i, block in enumerate(blocks))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_URL, base)],
        cwd=ROOT,
        env=_environment(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    # A command may end its output without a newline: the mark may follow on its line.
    parts = re.split(rf"{MARK} \d+\n", done.stdout)
    assert parts[0] == "" and len(parts) == len(blocks) + 1, done.stdout
    return parts[1:]


def documented_after(blocks: list[str], snippet: str, language: str = "json") -> str:
    """The sample output the guide shows right after the bash block containing ``snippet``."""
    text = GUIDE.read_text()
    [block] = [b for b in blocks if snippet in b]
    start = text.index(block) + len(block)
    match = re.compile(rf"^```{language}\n(.*?)^```", re.S | re.M).search(text, start)
    assert match is not None
    return match.group(1)


def _block(blocks: list[str], outputs: list[str], snippet: str) -> str:
    [index] = [i for i, block in enumerate(blocks) if snippet in block]
    return outputs[index]


def _new_client(base: str) -> tuple[str, str]:
    login = {
        "query": "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
        "variables": {"e": "rita@northwind.example", "p": DEMO_PASSWORD},
    }
    token = httpx.post(base + "/graphql", json=login).json()["data"]["logIn"]["token"]
    create = {
        "query": 'mutation { createApiClient(name: "Python ATS", scopes: ["pipeline:read"]) '
        "{ clientId clientSecret } }"
    }
    headers = {"authorization": f"Bearer {token}"}
    payload = httpx.post(base + "/graphql", json=create, headers=headers).json()
    client = payload["data"]["createApiClient"]
    return client["clientId"], client["clientSecret"]


def test_the_guides_commands_work_as_written(tmp_path: Path):
    blocks = code_blocks("bash")
    [python_client] = code_blocks("python")
    assert all(DOCUMENTED_URL in b for b in blocks if "curl" in b)
    with running_service(tmp_path) as base:
        outputs = run_bash_blocks(blocks, base, tmp_path)
        script = tmp_path / "ats_pipeline.py"
        script.write_text(python_client.replace(DOCUMENTED_URL, base))
        client_id, secret = _new_client(base)
        env = {**os.environ, "SUPLINKS_CLIENT_ID": client_id, "SUPLINKS_CLIENT_SECRET": secret}
        python_run = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=60
        )

    created = json.loads(_block(blocks, outputs, "createApiClient(name"))["data"]["createApiClient"]
    assert created["clientId"].startswith("slc_") and created["clientSecret"].startswith("sls_")
    assert created["userErrors"] == []

    operator = _block(blocks, outputs, "api-client create").splitlines()
    assert [line.split("=")[0] for line in operator] == ["client_id", "client_secret"]

    token = json.loads(_block(blocks, outputs, 'curl -s -u "$CLIENT_ID:$CLIENT_SECRET"'))
    assert token["token_type"] == "Bearer" and token["scope"] == "pipeline:read"
    assert token["expires_in"] == 3600

    # The demo pipeline: Chloe (shared last), then David; Alice did not share.
    first = json.loads(_block(blocks, outputs, "variables: {first: 1}}'"))["data"]["pipeline"]
    second = json.loads(_block(blocks, outputs, "first: 1, after: $after"))["data"]["pipeline"]
    names = [e["node"]["counterpart"]["fullName"] for e in first["edges"] + second["edges"]]
    assert names == ["Chloe Bernard", "David Petit"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    chloe = first["edges"][0]["node"]["counterpart"]
    assert chloe["email"] == "chloe@mail.example" and chloe["skills"] == [
        "leadership",
        "kubernetes",
        "go",
    ]

    wrong = _block(blocks, outputs, "not-the-secret")
    assert wrong.strip() == documented_after(blocks, "not-the-secret").strip()

    forbidden = json.loads(_block(blocks, outputs, "viewer { profile { fullName } }"))
    assert forbidden["data"] is None
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    revoked = _block(blocks, outputs, "revokeApiClient").strip().splitlines()
    assert (
        revoked[-1]
        == documented_after(blocks, "revokeApiClient").strip()
        == '{"code":"UNAUTHENTICATED"}'
    )
    revoke = json.loads("\n".join(revoked[:-1]))["data"]["revokeApiClient"]
    assert revoke == {"clientId": created["clientId"], "userErrors": []}

    assert python_run.returncode == 0, python_run.stderr
    lines = python_run.stdout.splitlines()
    assert [line.split()[-2:] for line in lines] == [
        ["Bernard", "chloe@mail.example"],
        ["Petit", "david@mail.example"],
    ]
