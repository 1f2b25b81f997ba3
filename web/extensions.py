"""Schema extensions: what happens around every operation.

- ``ErrorMasking``: known errors keep their ``extensions.code``; anything else
  becomes ``INTERNAL`` with a request id, and the detail goes to the server log
  under that id. No traceback ever reaches the client.
- ``CredentialGate``: before execution, a dead bearer token (invalid, expired
  or revoked) fails the whole operation as ``UNAUTHENTICATED`` (a stale cookie
  only makes the request anonymous, so that GraphiQL can log in again); and the
  policy decides which root fields the actor may ask (a partner ATS token:
  ``pipeline`` and introspection, nothing else).
- ``AccessLogWriter``: the fields of narrow audience that this request
  delivered are recorded in one insert, after the operation; if it cannot be
  written, nothing is delivered.
- ``ReplicaReads``: a query (and only a query) may read from the replica.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from functools import lru_cache

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from auth import security
from db.engine import database_unavailable
from policies import actions
from policies.facts import RootField
from web.errors import ApiError, rate_limited, unauthenticated

logger = logging.getLogger("suplinks.errors")


# graphql-core's words when the parser stops at ``max_tokens`` (see web/query_limits.py).
TOKEN_LIMIT_MESSAGE = "tokens. Parsing aborted."
# graphql-core's words for a variable whose value does not fit its type (an enum
# value that does not exist, say): the client's input, though the error carries
# the coercion's exception as its original error.
VARIABLE_ERROR = "Variable '$"


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
    if isinstance(original, security.HashingBusy):
        original = rate_limited(original.retry_after)
    if isinstance(original, ApiError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            extensions=original.extensions,
        )
    if original is None or error.message.startswith(VARIABLE_ERROR):
        return _client_error(error, production)
    if database_unavailable(original):
        logger.warning("request %s: the database is unreachable (%s)", request_id, original)
    else:
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
            context.database_lost = any(
                database_unavailable(e.original_error) for e in result.errors
            )
            result.errors = [_public(e, request_id, production) for e in result.errors]


class AccessLogWriter(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        try:
            await ctx.write_access_log()
        except Exception as error:
            # The member sees who saw their identity (the access log): fields it
            # could not record are not delivered. ErrorMasking makes this INTERNAL.
            result = self.execution_context.result
            if result is None:
                raise
            result.data = None
            result.errors = [GraphQLError("access log not written", original_error=error)]
            ctx.access_log.seen.clear()
            ctx.access_log.labels.clear()


class ReplicaReads(SchemaExtension):
    """A query writes nothing, so it may read from a caught-up replica
    (``Context.reading``); a mutation reads its own writes on the primary."""

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        execution.context.read_only = execution.operation_type is OperationType.QUERY
        yield


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
        elif execution.graphql_document is not None:
            # Promise (Partners see only consented fields): the policy says which
            # root fields this actor may ask (a partner token: its pipeline only).
            known = _schema_roots(execution.schema._schema)
            asked = _root_fields(execution.graphql_document, execution.operation_name)
            try:
                for name in sorted(asked):
                    # A name the schema lacks is asked as "?": validation rejects it
                    # anyway, and the policy's memo stays bounded.
                    ctx.authorize(actions.QUERY_ROOT, RootField(name if name in known else "?"))
            except ApiError as refused:
                execution.pre_execution_errors = [refused]
        yield


@lru_cache(maxsize=4)
def _schema_roots(schema: GraphQLSchema) -> frozenset[str]:
    """Every root field name of the schema, and the introspection fields."""
    roots = [schema.query_type, schema.mutation_type]
    fields = {name for root in roots if root is not None for name in root.fields}
    return frozenset({"__typename", "__schema", "__type", *fields})
