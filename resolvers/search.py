"""``searchCandidates``: recruiter search that never leaks a hidden field.

Promise (Filtering, sorting and counting are reads). The SQL that filters is
generated from the policy's own answers: the rows search can return are
candidates who do not block the viewer, so they stand to the viewer in one of
two tiers, accepted contact or not. For each tier we build the policy's
``Relation`` exactly as ``view_rows`` will (``relation_for``), and ask the
authorizer which audiences of each filtered field it may read; ``db.search``
turns those sets into per-row conditions. One statement returns the page's
rows with their facts, which go straight to ``view_rows`` (the one path that
decides fields, behind ``view_profiles`` too): no further query.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from functools import lru_cache

from auth.identity import Identity
from db import search as search_db
from db.facts import HIDING_FACTS, RawFacts
from policies import actions
from policies.authorizer import Authorizer
from policies.facts import Relation
from policies.fields import CANDIDATE_DEFAULTS, PROFILE, experience_band
from resolvers import validation
from schema import types as t
from schema.inputs import CandidateFilter
from views import ids
from views.profiles import view_rows
from views.standing import relation_for
from web.context import Context
from web.errors import ApiError

MAX_FIRST = 100
MAX_TEXT = 200

# Every field a search clause or the ranking reads.
SEARCH_FIELDS = (
    "skills",
    "region",
    "country",
    "seniority",
    "currentEmployer",
    "employerSector",
    "yearsOfExperience",
    "experienceBand",
    "openToOpportunities",
    "headline",
    "summary",
)

# Those whose value can be lone (Promise (Coarse companions are k-anonymous)).
LONE_SEARCH_FIELDS = tuple(f.name for f in PROFILE if f.crowd and f.name in SEARCH_FIELDS)


def bad_input(message: str, field: str) -> ApiError:
    return ApiError("BAD_USER_INPUT", message, field=field)


def tier_relations(identity: Identity) -> dict[bool, Relation]:
    """How this viewer stands to a candidate hidden from them by no fact: contact or not."""
    owner = {"member_id": None, "kind": "CANDIDATE", "confidential_search": False}
    return {
        contact: relation_for(
            identity, owner, RawFacts(is_contact=contact, has_pending_request=False, blocked=False)
        )
        for contact in (False, True)
    }


def access_for(authorizer: Authorizer, identity: Identity, k_anonymity: int) -> search_db.Access:
    rels = tier_relations(identity)
    return _access(authorizer, rels[False], rels[True], k_anonymity)


@lru_cache(maxsize=64)
def _access(
    authorizer: Authorizer, plain: Relation, contact: Relation, k_anonymity: int
) -> search_db.Access:
    """The policy's answers for both tiers, asked once per distinct pair of relations.

    A tier the viewer may not see contributes no rows at all; in a tier they
    may see, a field is readable under exactly the audiences the policy lists,
    and a candidate is left out where one of the facts the policy hides on
    holds (Promise (Company blocks and hiding are one-way): the viewer's own
    company blocks and hiding are no such fact).
    """
    tiers = tuple(
        search_db.Tier(
            contact=is_contact,
            readable=tuple(
                (name, frozenset(a.value for a in authorizer.readable_audiences(rel, name)))
                for name in SEARCH_FIELDS
            ),
            hidden_by=tuple(
                fact
                for fact in HIDING_FACTS
                if not authorizer.can_see(rel._replace(**{fact: True}))
            ),
            lone=tuple(
                (name, frozenset(a.value for a in authorizer.lone_audiences(rel, name)))
                for name in LONE_SEARCH_FIELDS
            ),
        )
        for is_contact, rel in ((False, plain), (True, contact))
        if authorizer.can_see(rel)
    )
    defaults = tuple((name, CANDIDATE_DEFAULTS[name].value) for name in SEARCH_FIELDS)
    return search_db.Access(defaults=defaults, tiers=tiers, k_anonymity=k_anonymity)


def band_floor(min_years: int) -> int | None:
    """The smallest number of years whose experience band alone proves ``>= min_years``.

    A band's lower bound is at least ``min_years`` exactly when the years reach
    the first band boundary at or above it; found by walking ``experience_band``
    itself so the two cannot disagree. None: no band proves it.
    """
    start = max(min_years, 0)
    for years in range(start, 101):
        if years == 0 or experience_band(years) != experience_band(years - 1):
            return years
    return None


def _text(value: str | None, field: str) -> str | None:
    with validation.query_arguments():
        return validation.text(value, field, max_length=MAX_TEXT)


def criteria(raw: CandidateFilter | None) -> search_db.Criteria:
    """The filter, normalized as profiles store their values; blank parts are no clause."""
    if raw is None:
        return search_db.Criteria()
    with validation.query_arguments():  # sizes first, then linear work
        validation.items(raw.seniority, "seniority", max_items=20)
        skills = validation.skills(raw.skills, max_length=MAX_TEXT)
    employer_id = None
    if raw.current_employer_id is not None:
        employer_id = ids.decode(ids.COMPANY, raw.current_employer_id)
        if employer_id is None:
            raise bad_input("currentEmployerId is not a company id.", "currentEmployerId")
    min_years = raw.min_years_of_experience
    return search_db.Criteria(
        skills=tuple(skills),
        region=_text(raw.region, "region"),
        country=_text(raw.country, "country"),
        seniority=tuple(sorted({s.value for s in raw.seniority or []})),
        employer_sector=_text(raw.employer_sector, "employerSector"),
        employer_id=employer_id,
        min_years=min_years,
        band_floor=band_floor(min_years) if min_years is not None else None,
        open_to_opportunities=raw.open_to_opportunities,
        text=_text(raw.text, "text"),
    )


# --- cursors: the last row's sort key, opaque to clients ---------------------

_KEY, _RANKED = b"k", b"r"


def encode_cursor(profile_id: str, rank: float | None) -> str:
    """The row's sort key: its profile id, after its relevance when the search has text.

    Nothing in it is news to the client: the id is the profile's as this viewer
    was given it (Promise: Pseudonyms per company: never the member's own UUID,
    which every company would share), and the relevance comes from words the
    client may read.
    """
    head = _KEY if rank is None else _RANKED + struct.pack(">f", rank)
    return base64.urlsafe_b64encode(head + profile_id.encode()).rstrip(b"=").decode()


def decode_cursor(ctx: Context, cursor: str | None, ranked: bool) -> search_db.After | None:
    """The position after which to continue, for a search with (or without) text.

    A cursor made for another company names a profile id this viewer's audience
    cannot open: it is refused like any cursor that is not one.
    """
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    rank, opaque = None, b""
    if ranked and raw[:1] == _RANKED and len(raw) > 5:
        (rank,) = struct.unpack(">f", raw[1:5])
        opaque = raw[5:] if rank == rank else b""  # not NaN
    elif not ranked and raw[:1] == _KEY:
        opaque = raw[1:]
    member = ids.profile_member(
        ctx.settings, ctx.identity.audience, opaque.decode("ascii", "replace")
    )
    if member is None:
        raise bad_input("after is not a cursor of this search.", "after")
    return search_db.After(member_id=member, rank=rank)


# --- the query ---------------------------------------------------------------


# The search budget counts pages of this many results: first: 100 costs 5.
SEARCH_PAGE = 20


def search_cost(first: int | None) -> int:
    """What a search spends of its budget: its page size, in default pages (at least 1)."""
    return max(1, math.ceil(min(first or SEARCH_PAGE, MAX_FIRST) / SEARCH_PAGE))


async def search_candidates(
    ctx: Context, tree: dict, raw_filter: CandidateFilter | None, first: int, after: str | None
) -> t.ProfileConnection:
    await ctx.rate_limit("search", ctx.caller, search_cost(first))
    identity = ctx.authorize(actions.SEARCH)
    if first < 0:
        raise bad_input("first must not be negative.", "first")
    first = min(first, MAX_FIRST)
    wanted = criteria(raw_filter)
    position = decode_cursor(ctx, after, ranked=wanted.text is not None)
    access = access_for(ctx.authorizer, identity, ctx.settings.k_anonymity)
    async with ctx.reading() as conn:
        rows = await search_db.search_candidates(
            conn, identity.member_id, access, wanted, position, first + 1, ctx.now()
        )
    page = rows[:first]
    facts = {
        r["member_id"]: RawFacts(
            is_contact=r["is_contact"],
            has_pending_request=r["has_pending_request"],
            blocked=False,  # the statement returns no hidden row
        )
        for r in page
    }
    profiles = await view_rows(ctx, page, facts, tree.get("edges", {}).get("node", {}))
    edges = [
        t.ProfileEdge(node=profile, cursor=encode_cursor(profile.id, row["rank"]))
        for row, profile in zip(page, profiles, strict=True)
        if profile is not None  # defence in depth: the statement returns visible rows only
    ]
    return t.ProfileConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > first,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
