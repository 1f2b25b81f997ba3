"""The assembled schema, and its SDL for code generators (``schema.graphql``)."""

from __future__ import annotations

import strawberry

from resolvers.extensions import AccessLogWriter, ErrorMasking
from schema.mutation import Mutation
from schema.query import Query
from schema.types import Profile


class SuplinksSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Logging is ErrorMasking's job: it logs the unexpected ones, with a request id."""


schema = SuplinksSchema(
    query=Query,
    mutation=Mutation,
    types=[Profile],
    extensions=[ErrorMasking, AccessLogWriter],
)
