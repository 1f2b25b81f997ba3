"""Schema extensions: what happens around every operation.

- ``ErrorMasking``: known errors keep their ``extensions.code``; anything else
  becomes ``INTERNAL`` with a request id, and the detail goes to the server log
  under that id. No traceback ever reaches the client.
- ``AccessLogWriter``: the fields of narrow audience that this request
  delivered are recorded in one insert, after the operation.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from db import access_log as access_log_db
from resolvers.errors import ApiError

logger = logging.getLogger("suplinks.errors")


def _public(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if isinstance(original, ApiError):
        return GraphQLError(
            original.message,
            nodes=error.nodes,
            path=error.path,
            extensions=original.extensions,
        )
    if original is None:
        # Parse, validation and variable errors: the client's query is at fault.
        extensions = {"code": "BAD_USER_INPUT", **(error.extensions or {})}
        return GraphQLError(
            error.message, nodes=error.nodes, path=error.path, extensions=extensions
        )
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
            request_id = getattr(self.execution_context.context, "request_id", "")
            result.errors = [_public(e, request_id) for e in result.errors]


class AccessLogWriter(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        yield
        ctx = self.execution_context.context
        seen = ctx.access_log.seen
        if not seen:
            return
        identity = ctx.identity
        label = identity.partner_label or identity.alias or "a member"
        async with ctx.db.write() as conn:
            await access_log_db.insert_events(
                conn, viewer_id=identity.member_id, label=label, seen=seen
            )
        seen.clear()
