"""``searchCandidates``: the recruiters' search (GraphQL surface only)."""

from __future__ import annotations

import strawberry

from resolvers import search as r
from schema.inputs import CandidateFilter
from schema.types import ProfileConnection
from views.selection import selected


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
        return await r.search_candidates(
            info.context, selected(info), filter, 20 if first is None else first, after
        )
