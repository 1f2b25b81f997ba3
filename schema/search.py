"""``searchCandidates``: the recruiters' search (GraphQL surface only)."""

from __future__ import annotations

import math

import strawberry

from resolvers import search as r
from schema.inputs import CandidateFilter
from schema.types import ProfileConnection
from views.selection import selected

# The search budget counts pages of this many results: first: 100 costs 5.
SEARCH_PAGE = 20


def search_cost(first: int | None) -> int:
    """What a search spends of its budget: its page size, in default pages (at least 1)."""
    return max(1, math.ceil(min(first or SEARCH_PAGE, r.MAX_FIRST) / SEARCH_PAGE))


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description=(
            "Verified recruiters only. A clause on a field matches a candidate only where you"
            " may read that field of theirs; the order uses readable text only. At most 100"
            " per page; no total count."
        )
    )
    async def search_candidates(
        self,
        info: strawberry.Info,
        filter: CandidateFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> ProfileConnection:
        await info.context.rate_limit("search", info.context.caller, search_cost(first))
        return await r.search_candidates(
            info.context, selected(info), filter, 20 if first is None else first, after
        )
