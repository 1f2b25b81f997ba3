"""``pipeline``: a company's consented pipeline, for its ATS and its recruiters.

Promise (Partners see only consented fields).

The rows are the company's contacts (``contact.company_id``: the recruiter's
company when the request was sent) that the candidate accepted and shared
with the company's ATS, under a consent receipt not withdrawn; the SQL
predicate is ``db.network.shared_with_ats``, and the policy admits such an
edge for the company side (``EdgeRelation.is_consented_partner``).

Each candidate is built by ``view_profiles`` with the viewer's own facts, so
nothing here decides a field:

- the company's ATS stands to a candidate who consented as a contact does,
  limited to the fields on their receipts (``views.standing``), and to
  anyone else as nobody;
- a recruiter of the company reads each candidate as they would anywhere
  else: the recruiter who holds the contact reads a contact's fields, a
  colleague reads what a recruiter may read (a colleague is not the
  candidate's contact; the pipeline tells them who is in it, not more).
"""

from __future__ import annotations

from db import network as network_db
from policies import actions
from schema import types as t
from views.contacts import page_of_edges
from views.selection import selected
from web.context import Context

PIPELINE_CURSOR = "pipeline"


async def pipeline(
    ctx: Context, info, first: int | None, after: str | None
) -> t.ContactRequestConnection:
    # The company of the recruiter or of the ATS: the pipeline is always the viewer's own.
    identity = ctx.authorize(actions.READ_PIPELINE)
    company_id = identity.company_id
    await ctx.rate_limit("pipeline", identity.partner_client_id or identity.member_id)
    now = ctx.now()

    async def fetch(conn, position, limit: int) -> list[dict]:
        return await network_db.pipeline_edges(
            conn, identity.member_id, company_id, now, after=position, limit=limit
        )

    return await page_of_edges(
        ctx,
        selected(info, "edges", "node"),
        fetch,
        cursor_kind=PIPELINE_CURSOR,
        key="responded_at",
        first=first,
        after=after,
    )
