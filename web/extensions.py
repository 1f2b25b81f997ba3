"""Schema extensions: what happens around every operation.

- ``ErrorMasking``: known errors keep their ``extensions.code``; anything else
  becomes ``INTERNAL`` with a request id, and the detail goes to the server log
  under that id. No traceback ever reaches the client.
- ``CredentialGate``: before execution, a dead bearer token (invalid, expired
  or revoked) fails the whole operation as ``UNAUTHENTICATED`` (a stale cookie
  only makes the request anonymous, so that GraphiQL can log in again); and a
  partner ATS token reaches ``pipeline`` (and introspection) and nothing else.
- ``AccessLogWriter``: the fields of narrow audience that this request
  delivered are recorded in one insert, after the operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension

from db import access_log as access_log_db
from web.errors import ApiError, unauthenticated

logger = logging.getLogger("suplinks.errors")


# graphql-core's words when the parser stops at ``max_tokens`` (see web/query_limits.py).
TOKEN_LIMIT_MESSAGE = "tokens. Parsing aborted."


def _client_error(error: GraphQLError, production: bool) -> GraphQLError:
    """A parse, validation or variable error: the client's query is at fault.

    In production the "Did you mean ...?" hints go: they name fields and
    values to a caller who did not know them (graphql-cop: Field Suggestions).
    """
    message = error.message
    extensions = {"code": "BAD_USER_INPUT", **(error.extensions or {})}
    if TOKEN_LIMIT_MESSAGE in message:
        extensions = {"code": "QUERY_TOO_COMPLEX", "limit": "tokens"}
    if production and " Did you mean" in message:
        message = message.split(" Did you mean", 1)[0]
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)


def _public(error: GraphQLError, request_id: str, production: bool) -> GraphQLError:
    original = error if isinstance(error, ApiError) else error.original_error
    if isinstance(original, ApiError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            extensions=original.extensions,
        )
    if original is None:
        return _client_error(error, production)
    logger.error(
        "request %s: unexpected error at %s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return GraphQLError(
        f"Internal error. Quote request id {request_id} to the operators.",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


class ErrorMasking(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            context = self.execution_context.context
            request_id = getattr(context, "request_id", "")
            production = context.settings.production
            result.errors = [_public(e, request_id, production) for e in result.errors]


class AccessLogWriter(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        seen = ctx.access_log.seen
        if not seen:
            return
        identity = ctx.identity
        label = identity.partner_label or identity.alias or "a member"
        async with ctx.db.read() as conn:  # one INSERT: atomic without BEGIN/COMMIT
            await access_log_db.insert_events(
                conn, viewer_id=identity.member_id, label=label, seen=seen
            )
        seen.clear()


# What a partner token may ask at the root: its pipeline, and the schema itself.
PARTNER_ROOT_FIELDS = frozenset({"pipeline", "__typename", "__schema", "__type"})


def _root_fields(document, operation_name: str | None) -> set[str]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    fragments = {
        d.name.value: d
        for d in document.definitions
        if hasattr(d, "type_condition")
        and hasattr(d, "name")
        and not isinstance(d, OperationDefinitionNode)
    }
    names: set[str] = set()

    def walk(selections) -> None:
        for node in selections:
            if isinstance(node, FieldNode):
                names.add(node.name.value)
            elif isinstance(node, InlineFragmentNode):
                walk(node.selection_set.selections)
            elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
                walk(fragments[node.name.value].selection_set.selections)

    for operation in chosen:
        walk(operation.selection_set.selections)
    return names


class CredentialGate(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        ctx = execution.context
        if ctx.rejected_credential == "bearer":
            execution.pre_execution_errors = [unauthenticated(rejected=True)]
        elif ctx.identity.is_partner and execution.graphql_document is not None:
            asked = _root_fields(execution.graphql_document, execution.operation_name)
            if not asked <= PARTNER_ROOT_FIELDS:
                execution.pre_execution_errors = [
                    ApiError("FORBIDDEN", "A partner token may only query `pipeline`.")
                ]
        yield
