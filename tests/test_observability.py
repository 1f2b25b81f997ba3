"""One log line per request and the metrics: counts and fixed labels, never personal data.

The log line and the labels are read by operators and kept by log and
metrics pipelines: a caller's email, name, id, token or words must never
reach them, whatever the caller puts in the request (the operation's name
included).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from config import ConfigError, load_settings
from policies.authorizer import get_authorizer
from tests.client import PASSWORD, Api
from web import metrics
from web.logs import JsonFormatter

KEYS = {
    "ts",
    "level",
    "request_id",
    "operation",
    "duration_ms",
    "outcome",
    "viewer",
    "statements",
    "sql_ms",
    "status",
}
LOG_IN = """mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"""
# A caller-chosen operation name spelling personal data: it must not reach a label or a log.
NOSY = "query lena_observed_at_mail_example { viewer { profile { id alias fullName headline } } }"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def request_log() -> Iterator[Lines]:
    handler = Lines()
    logger = logging.getLogger("suplinks.requests")
    logger.addHandler(handler)
    # Alembic's logging set-up (another test's migrations) disables existing loggers.
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.INFO)
    logger.disabled = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.disabled = disabled


async def test_each_request_logs_one_json_line_without_personal_data(api: Api, request_log):
    lena = await api.sign_up("lena.observed@mail.example", name="Lena Observed")
    await api.update_profile(lena, headline="Quietly looking xyzzy")
    request_log.lines.clear()

    logged_in = await api.data(LOG_IN, {"e": lena.email, "p": PASSWORD})
    token = logged_in["logIn"]["token"]
    seen = await api.data(NOSY, token=token)
    assert seen["viewer"]["profile"]["fullName"] == "Lena Observed"
    refused = await api(NOSY, token="not-a-token")
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    assert len(request_log.lines) == 3  # one line per request
    entries = [json.loads(line) for line in request_log.lines]
    for line, entry in zip(request_log.lines, entries, strict=True):
        assert set(entry) >= KEYS, entry
        for secret in (
            lena.email,
            "lena",
            "Lena",
            "Observed",
            "xyzzy",
            lena.alias,
            lena.id,
            token,
            PASSWORD,
        ):
            assert secret not in line, (secret, line)
    login, viewer, dead = entries
    assert (login["operation"], login["outcome"], login["viewer"]) == ("unnamed", "ok", "anonymous")
    assert (viewer["operation"], viewer["outcome"], viewer["viewer"]) == (
        "other",
        "ok",
        "candidate",
    )
    assert viewer["statements"] >= 1 and viewer["sql_ms"] > 0
    assert dead["outcome"] == "UNAUTHENTICATED" and dead["status"] == 200
    assert len({e["request_id"] for e in entries}) == 3


async def test_trusted_operations_are_named_and_others_are_not():
    known = metrics.operation_names(["query Viewer { viewer { alias } }", "{ viewer { alias } }"])
    assert known == frozenset({"Viewer"})
    assert metrics.operation_label("Viewer", known) == "Viewer"
    assert metrics.operation_label("alice_mail_example", known) == "other"
    assert metrics.operation_label(None, known) == "unnamed"
    assert metrics.outcome_label("ok", 200) == "ok"
    assert metrics.outcome_label("alice@mail.example", 200) == "other"
    assert metrics.outcome_label(None, 429) == "HTTP_429"


async def test_metrics_are_absent_unless_a_token_is_set(http: httpx.AsyncClient):
    assert (await http.get("/metrics")).status_code == 404


PERSONAL = re.compile(r"@|[0-9a-f]{8}-[0-9a-f]{4}-|\b(pf|cr|co|rc|se)_[A-Za-z0-9_-]{20}")


async def test_metrics_need_the_token_and_label_nothing_personal(settings, db, mailbox):
    token = "a-metrics-token-long-enough"
    app = create_app(dataclasses.replace(settings, metrics_token=token), db, get_authorizer())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        api = Api(http, mailbox)
        member = await api.sign_up("mo.metrics@mail.example", name="Mo Metrics")
        await api.data(NOSY, token=member.token)
        await api(LOG_IN, {"e": "nobody@mail.example", "p": "wrong password"})
        assert (await http.get("/metrics")).status_code == 401
        wrong = await http.get("/metrics", headers={"authorization": "Bearer " + token[:-1]})
        assert wrong.status_code == 401
        scraped = await http.get("/metrics", headers={"authorization": f"Bearer {token}"})
    assert scraped.status_code == 200
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    for name in (
        "suplinks_request_duration_seconds",
        "suplinks_request_sql_statements",
        "suplinks_request_sql_seconds",
        "suplinks_policy_memo_entries",
        "suplinks_policy_memo_misses",
        "suplinks_db_connections_in_use",
        "suplinks_rate_limit_refusals",
        "suplinks_mail_deliveries",
        "suplinks_webhook_deliveries",
    ):
        assert name in families, name
    assert families["suplinks_policy_memo_entries"].samples[0].value > 0
    sent = [s for s in families["suplinks_mail_deliveries"].samples if s.name.endswith("_total")]
    assert any(s.labels == {"outcome": "sent"} and s.value >= 1 for s in sent)
    for family in families.values():
        for sample in family.samples:
            for value in sample.labels.values():
                assert not PERSONAL.search(value), (sample.name, value)
                assert "mo_" not in value.lower() and "metrics@" not in value


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUPLINKS_LOG_FORMAT", "xml"),
        ("SUPLINKS_METRICS_TOKEN", "short"),
        ("SUPLINKS_METRICS_BIND", "9100"),
    ],
)
def test_observability_settings_refuse_what_they_cannot_read(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_production_logs_json_by_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPLINKS_ENV", "production")
    monkeypatch.setenv("SUPLINKS_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SUPLINKS_SMTP_URL", "smtp://127.0.0.1:25")
    monkeypatch.setenv("SUPLINKS_METRICS_BIND", "127.0.0.1:9100")
    settings = load_settings()
    assert settings.log_format == "json"
    assert settings.metrics_bind == ("127.0.0.1", 9100)
    assert settings.metrics_token is None
