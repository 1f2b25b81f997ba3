"""Each fast path answers exactly as its stock twin (``fastpaths.py``).

The executor's twins are compared in ``tests/test_execution.py``; here, the
rows of the hot reads and the selection tree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import strawberry
from sqlalchemy import select

from auth.identity import Identity
from db import accounts as accounts_db
from db import search as search_db
from db.models import AuthSession
from fastpaths import (
    Tree,
    fast_fetch_mappings,
    fast_selection_tree,
    stock_fetch_mappings,
    stock_selection_tree,
)
from policies.authorizer import get_authorizer
from resolvers.search import access_for, criteria
from schema.inputs import CandidateFilter
from tests.search_world import insert_candidates, insert_company


async def test_both_fetches_return_the_same_rows(db, api) -> None:
    await api.sign_up("someone@mail.example")
    await insert_candidates(
        db,
        3,
        headline="Data engineer",
        skills=["python", "sql"],
        region="North",
        years_of_experience=7,
        open_to_opportunities=True,
        audiences={"skills": "MEMBERS", "region": "MEMBERS", "yearsOfExperience": "RECRUITERS"},
    )
    company = await insert_company(db)
    recruiter = Identity(member_id=uuid.uuid4(), kind="RECRUITER", company_id=company)
    access = access_for(get_authorizer(), recruiter, 5)
    wanted = criteria(CandidateFilter(skills=["python"], region="north"))
    search = search_db.statement_for(recruiter.member_id, access, wanted, None, 51)
    assert search is not None
    async with db.autocommit() as conn:
        session_id = (await conn.execute(select(AuthSession.__table__.c.id))).scalar_one()
        live = accounts_db._LIVE_SESSION, {"session_id": session_id, "now": datetime.now(UTC)}
        for statement, params in (live, search):
            before = db.counter.count
            fast = await fast_fetch_mappings(conn, statement, params)
            stock = await stock_fetch_mappings(conn, statement, params)
            assert db.counter.count == before + 2, "both announce their statement"
            assert fast, "the comparison needs rows"
            assert [dict(row.items()) for row in fast] == [dict(row.items()) for row in stock]


@strawberry.type
class Node:
    name: str = "n"
    tags: list[str] = strawberry.field(default_factory=list)
    child: Node | None = None


TREES: list[tuple[Tree, Tree]] = []


@strawberry.type
class Query:
    @strawberry.field
    def node(self, info: strawberry.Info) -> Node:
        TREES.append((fast_selection_tree(info), stock_selection_tree(info)))
        return Node(child=Node(child=Node(child=Node())))


# Aliases, a field asked twice, named and inline fragments, skipped and excluded
# fields and fragments (left out: the access log names only what a viewer received).
QUERY = """
query($skip: Boolean!) {
  node { first: name ...Deep child { ... on Node { tags child { name } } name @skip(if: $skip) } }
  node { child { ... on Node @include(if: false) { name } tags @skip(if: false) } }
  node { child { tags } }
  again: node { __typename }
}
fragment Deep on Node { child { child { child { name } } } }
"""


async def test_both_selection_trees_are_the_same() -> None:
    TREES.clear()
    result = await strawberry.Schema(Query).execute(QUERY, variable_values={"skip": True})
    assert result.errors is None
    assert TREES[0][0] == {
        "name": {},
        "child": {"child": {"child": {"name": {}}, "name": {}}, "tags": {}},
    }
    assert TREES[1][0] == {"__typename": {}}
    assert all(fast == stock for fast, stock in TREES)
