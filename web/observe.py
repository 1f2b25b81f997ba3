"""One record per request: a log line and the metrics, never a value or personal data.

``RequestObserver`` (ASGI middleware) times each request, tallies its SQL
statements (``db.engine.tally_statements``), then writes one line to the
``suplinks.requests`` logger and feeds ``web.metrics``. What only GraphQL
knows (the operation, the first error's code) the ``OperationObserver``
extension leaves in the request's state; who asks (the viewer's kind) is left
there by the GraphQL context. The line holds labels from fixed sets (an
operation name of a trusted document, a code, a kind), counts and durations:
nothing a caller typed, no path, no id but the request's own.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from graphql import OperationDefinitionNode
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from db.engine import Database, tally_statements
from policies.authorizer import Authorizer
from web import metrics

logger = logging.getLogger("suplinks.requests")

# Routes other than /graphql, by path: the label and log name of their requests.
ROUTES = {
    "/healthz": "healthz",
    "/readyz": "readyz",
    "/metrics": "metrics",
    "/oauth/token": "oauth_token",
    "/verify": "verify_page",
    "/reset-password": "reset_password_page",
}


def route_label(path: str, method: str) -> str | None:
    """The fixed name of a non-GraphQL route (None for /graphql: its operation names it)."""
    if path == "/graphql":
        return None if method == "POST" else "graphiql"
    if path.startswith("/static/"):
        return "static"
    return ROUTES.get(path, metrics.OTHER)


def viewer_kind(is_partner: bool, kind: str | None) -> str:
    """anonymous, candidate, recruiter or partner: who asked, as the log says it."""
    if is_partner:
        return "partner"
    return kind.lower() if kind else "anonymous"


def _operation_name(execution) -> str | None:
    """The operation that ran: the one the request names, else the document's only one."""
    if execution.operation_name:
        return execution.operation_name
    document = execution.graphql_document
    if document is None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) == 1 and operations[0].name:
        return operations[0].name.value
    return None


class OperationObserver(SchemaExtension):
    """Leaves the operation's name and outcome code in the request's state (after masking)."""

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        request = getattr(execution.context, "request", None)
        if request is None:
            return
        state = request.scope.setdefault("state", {})
        state["operation"] = _operation_name(execution)
        errors = execution.result.errors if execution.result is not None else None
        if errors:
            state["outcome"] = str((errors[0].extensions or {}).get("code", "INTERNAL"))
        else:
            state["outcome"] = "ok"


class RequestObserver:
    """Times every HTTP request; one log line and the metrics when it has answered."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        db: Database,
        authorizer: Authorizer,
        operations: frozenset[str],
        worker_header: bool = False,
    ) -> None:
        self.app = app
        self.db = db
        self.authorizer = authorizer
        self.operations = operations
        # Development only: which worker answered (tests show that a logOut holds in all).
        self.worker = str(os.getpid()).encode() if worker_header else None
        self._misses = authorizer.misses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if self.worker is not None:
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"x-suplinks-worker", self.worker),
                    ]
            await send(message)

        with tally_statements() as tally:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                seconds = time.perf_counter() - started
                self._record(scope, status, seconds, tally.statements, tally.seconds)

    def _record(
        self, scope: Scope, status: int, seconds: float, statements: int, sql_seconds: float
    ) -> None:
        state = scope.get("state", {})
        operation = route_label(scope["path"], scope["method"]) or metrics.operation_label(
            state.get("operation"), self.operations
        )
        outcome = metrics.outcome_label(state.get("outcome"), status)
        metrics.REQUEST_SECONDS.labels(operation, outcome).observe(seconds)
        metrics.REQUEST_STATEMENTS.labels(operation).observe(statements)
        metrics.REQUEST_SQL_SECONDS.labels(operation).observe(sql_seconds)
        metrics.DB_CONNECTIONS_IN_USE.set(self.db.connections_in_use())
        metrics.POLICY_MEMO_ENTRIES.set(self.authorizer.memo_size())
        misses, self._misses = self.authorizer.misses - self._misses, self.authorizer.misses
        if misses > 0:
            metrics.POLICY_MEMO_MISSES.inc(misses)
        logger.info(
            "%s %s %d in %.1f ms, %d statements",
            operation,
            outcome,
            status,
            seconds * 1000,
            statements,
            extra={
                "request": {
                    "request_id": state.get("request_id", ""),
                    "operation": operation,
                    "duration_ms": round(seconds * 1000, 2),
                    "outcome": outcome,
                    "viewer": state.get("viewer", "anonymous"),
                    "statements": statements,
                    "sql_ms": round(sql_seconds * 1000, 2),
                    "status": status,
                }
            },
        )
