"""What the service counts, for Prometheus: every series is defined here.

Label values come from short fixed sets only: an operation name from the
trusted documents and the project's own operations (anything else is
``other``), an error code, a budget's name, a delivery outcome. Never a field
value, an email address or an id: a label is kept forever and shown to
whoever may read the metrics.

With several workers (``app.py serve --workers N``), ``serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at an empty folder before the workers start:
each worker writes its values there and a scrape, answered by any worker,
adds them up (``MultiProcessCollector``). Gauges then carry a ``pid`` label,
one series per live worker.
"""

from __future__ import annotations

import hmac
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Seconds: most requests answer in 5 to 50 ms; the tail shows in the last buckets.
LATENCY_BUCKETS = (0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SQL_SECONDS_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0)
STATEMENT_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 20, 50)

REQUEST_SECONDS = Histogram(
    "suplinks_request_duration_seconds",
    "Time to answer a request, per operation name and outcome code.",
    ["operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_STATEMENTS = Histogram(
    "suplinks_request_sql_statements",
    "SQL statements sent by one request.",
    ["operation"],
    buckets=STATEMENT_BUCKETS,
)
REQUEST_SQL_SECONDS = Histogram(
    "suplinks_request_sql_seconds",
    "Time one request spent waiting for SQL statements.",
    ["operation"],
    buckets=SQL_SECONDS_BUCKETS,
)
POLICY_MEMO_ENTRIES = Gauge(
    "suplinks_policy_memo_entries",
    "Decisions held by this process's policy memo.",
    multiprocess_mode="liveall",
)
POLICY_MEMO_MISSES = Counter(
    "suplinks_policy_memo_misses",
    "Policy questions the memo could not answer (each asked Oso once).",
)
DB_CONNECTIONS_IN_USE = Gauge(
    "suplinks_db_connections_in_use",
    "Pooled database connections checked out, sampled after each request.",
    multiprocess_mode="liveall",
)
RATE_LIMIT_REFUSALS = Counter(
    "suplinks_rate_limit_refusals",
    "Requests refused because a budget was spent, per budget.",
    ["budget"],
)
MAIL_DELIVERIES = Counter(
    "suplinks_mail_deliveries",
    "Mails handed to the transport, per outcome (sent, failed: every attempt failed).",
    ["outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "suplinks_webhook_deliveries",
    "Webhook calls to partners, per outcome (delivered, retry, dead).",
    ["outcome"],
)

OTHER = "other"
UNNAMED = "unnamed"
# Never more distinct operation names than this, whatever a manifest lists.
MAX_OPERATIONS = 200
_CODE = re.compile(r"[A-Z][A-Z_]{0,39}")


def operation_names(documents: Iterable[str]) -> frozenset[str]:
    """The named operations of trusted documents: the only names a label may carry."""
    names: set[str] = set()
    for document in documents:
        try:
            definitions = parse(document).definitions
        except GraphQLSyntaxError:
            continue
        names.update(
            d.name.value for d in definitions if isinstance(d, OperationDefinitionNode) and d.name
        )
    return frozenset(sorted(names)[:MAX_OPERATIONS])


def operation_label(name: str | None, known: frozenset[str]) -> str:
    """``name`` if it is a trusted operation's, else ``other`` (``unnamed`` without one)."""
    if not name:
        return UNNAMED
    return name if name in known else OTHER


def outcome_label(code: str | None, status: int) -> str:
    """The first error's code (``ok`` without), or ``HTTP_<status>`` for a refused request."""
    if code is not None:
        return code if code == "ok" or _CODE.fullmatch(code) else OTHER
    return "ok" if status < 400 else f"HTTP_{status}"


def mail_delivered(outcome: str) -> None:
    MAIL_DELIVERIES.labels(outcome).inc()


def webhook_attempted(outcome: str) -> None:
    """One attempt at a notice: "delivered", "retry" (failed, due again) or "dead"."""
    WEBHOOK_DELIVERIES.labels(outcome).inc()


def rate_limit_refused(budget: str) -> None:
    RATE_LIMIT_REFUSALS.labels(budget).inc()


def prepare_multiprocess(folder: Path) -> None:
    """Before workers start: an empty folder for their values, named in the environment."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)


def worker_exited(pid: int) -> None:
    """A worker's live gauges leave the scrape with it."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


def exposition() -> bytes:
    """Every series, in the Prometheus text format (all workers' when there are several)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def metrics_endpoint(token: str | None):
    """``/metrics`` on the API's port: only to ``Authorization: Bearer <token>``.

    Without a token it answers 404, as if absent: metrics are not public by
    default (``SUPLINKS_METRICS_BIND`` serves them on a listener of their own).
    """

    async def metrics(request: Request) -> Response:
        if token is None:
            return PlainTextResponse("Not Found", status_code=404)
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), token.encode()
        ):
            return PlainTextResponse(
                "Unauthorized", status_code=401, headers={"www-authenticate": "Bearer"}
            )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return metrics


def start_listener(bind: tuple[str, int]) -> None:
    """``SUPLINKS_METRICS_BIND``: /metrics on its own address, in a thread of this process.

    ``serve`` starts it in the parent process: it reads the workers' values
    from the multiprocess folder, so it answers for all of them.
    """
    registry = REGISTRY
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    host, port = bind
    start_http_server(port, addr=host, registry=registry)
