"""``app.py serve --workers 2``: two processes, one database, nothing cached per worker.

A logOut answered by one worker holds at once in the other (Sessions are
revocable at once): each request asks the database whether its session is
still live, and no worker keeps a copy. ``/metrics`` answers for both
workers (prometheus-client's multiprocess mode), only to the token's bearer,
and no label it shows carries an email, a name or an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from demo.seed import DEMO_PASSWORD
from tests.service import Service, free_port, served

METRICS_TOKEN = "metrics-token-for-the-test-0123456789"
EMAIL = "rita@northwind.example"
LOG_IN = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
VIEWER = "query Viewer { viewer { profile { id alias fullName } } }"
LOG_OUT = "mutation LogOut { logOut }"
# Whatever a label must never look like: an email, a UUID, an opaque id.
PERSONAL = re.compile(r"@|[0-9a-f]{8}-[0-9a-f]{4}-|\b(pf|cr|co|rc|se)_[A-Za-z0-9_-]{20}")


METRICS_PORT = free_port()


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    data_dir: Path = tmp_path_factory.mktemp("workers")
    env = {
        "SUPLINKS_METRICS_TOKEN": METRICS_TOKEN,
        "SUPLINKS_METRICS_BIND": f"127.0.0.1:{METRICS_PORT}",
        "SUPLINKS_PASSWORD_HASH_COST": "low",
        "REDIS_URL": "",  # per-worker counters, whatever the environment says
    }
    with served(data_dir, env=env, args=("--workers", "2"), timeout=120) as running:
        # Without REDIS_URL each worker counts budgets alone: serve says so at start.
        logs = "".join(log.read_text() for log in data_dir.glob("serve-*.log"))
        assert "every rate limit is counted per worker" in logs
        yield running


def scrape(url: str, headers: dict | None = None) -> dict:
    response = httpx.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    return {f.name: f for f in text_string_to_metric_families(response.text)}


def post(base: str, query: str, variables: dict | None = None, token: str | None = None):
    """One request on a new connection (so that either worker may accept it)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        base + "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


def by_worker(base: str, query: str, token: str, *, rounds: int = 40) -> dict[str, dict]:
    """The answers of each worker to the same request, sent in bursts until both answered."""
    answers: dict[str, dict] = {}
    with ThreadPoolExecutor(8) as pool:
        for _ in range(rounds):
            for response in pool.map(lambda _: post(base, query, token=token), range(8)):
                answers[response.headers["x-suplinks-worker"]] = response.json()
            if len(answers) == 2:
                return answers
    raise AssertionError(f"only worker(s) {sorted(answers)} answered")


def test_a_log_out_in_one_worker_holds_in_the_other(service: Service):
    token = post(service.base, LOG_IN, {"e": EMAIL, "p": DEMO_PASSWORD}).json()["data"]["logIn"]
    token = token["token"]
    before = by_worker(service.base, VIEWER, token)
    assert all(body["data"]["viewer"]["profile"]["alias"] for body in before.values())

    answered = post(service.base, LOG_OUT, token=token)
    assert answered.json() == {"data": {"logOut": True}}
    after = by_worker(service.base, VIEWER, token)
    assert answered.headers["x-suplinks-worker"] in after
    for body in after.values():
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body


def test_metrics_add_up_both_workers_and_show_both(service: Service):
    by_worker(service.base, VIEWER, "not-a-token")
    bearer = {"authorization": f"Bearer {METRICS_TOKEN}"}
    # The API's port (with the token) and the metrics listener (SUPLINKS_METRICS_BIND).
    for families in (
        scrape(service.base + "/metrics", bearer),
        scrape(f"http://127.0.0.1:{METRICS_PORT}/metrics"),
    ):
        pids = {s.labels["pid"] for s in families["suplinks_db_connections_in_use"].samples}
        assert len(pids) == 2, pids
        requests = families["suplinks_request_duration_seconds"]
        assert any(s.labels.get("operation") == "Viewer" for s in requests.samples)
        for family in families.values():
            for sample in family.samples:
                for name, value in sample.labels.items():
                    assert not PERSONAL.search(value), (sample.name, name, value)
                    assert "Rita" not in value and "northwind" not in value


def test_metrics_refuse_a_missing_or_wrong_token(service: Service):
    assert httpx.get(service.base + "/metrics").status_code == 401
    wrong = {"authorization": f"Bearer {METRICS_TOKEN[:-1]}x"}
    assert httpx.get(service.base + "/metrics", headers=wrong).status_code == 401
