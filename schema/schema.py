"""The assembled schema, and its SDL for code generators (``schema.graphql``).

Each area of the API defines its own ``Query`` and ``Mutation`` fields in its
module; they are merged here into the two roots.
"""

from __future__ import annotations

import strawberry
from strawberry.tools import merge_types

import fastpaths
from schema.companies import CompanyMutation, CompanyQuery
from schema.mutation import AccountMutation
from schema.network import NetworkMutation
from schema.partner import PartnerMutation, PartnerQuery
from schema.query import ProfileQuery
from schema.search import SearchQuery
from schema.types import Profile
from web.extensions import AccessLogWriter, CredentialGate, ErrorMasking, ReplicaReads
from web.observe import OperationObserver
from web.query_limits import LimitedParsing, LimitedValidation

Query = merge_types("Query", (ProfileQuery, SearchQuery, PartnerQuery, CompanyQuery))
Mutation = merge_types(
    "Mutation", (AccountMutation, CompanyMutation, NetworkMutation, PartnerMutation)
)


class SuplinksSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        """Logging is ErrorMasking's job: it logs the unexpected ones, with a request id."""


schema = SuplinksSchema(
    query=Query,
    mutation=Mutation,
    types=[Profile],
    # Parsing and validating a query costs more than running a small one: both are
    # cached (bounded LRU, shared across requests) by the query's text.
    # LimitedParsing and LimitedValidation are ParserCache and ValidationCache within
    # the query limits (web/query_limits.py). CredentialGate comes after
    # LimitedValidation, which sets the validation errors.
    extensions=[
        OperationObserver,  # first: it reads the errors after ErrorMasking has masked them
        ErrorMasking,
        LimitedParsing,
        LimitedValidation,
        CredentialGate,
        AccessLogWriter,
        ReplicaReads,
    ],
    # Plain scalar and enum fields skip graphql-core's per-field bookkeeping
    # (strawberry's own executor with SUPLINKS_FAST_PATHS=off).
    execution_context_class=fastpaths.ExecutionContext,
)
