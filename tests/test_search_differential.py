"""Differential test: the SQL search returns exactly what the Polar policy allows.

For random worlds (companies, candidates with random values and audiences,
contacts, blocks either way, company blocks, "hide me from my employer", the
viewer's verified memberships and declared employer) and
random filters, ``searchCandidates`` (over HTTP, page after page) must return
exactly the candidates that a plain evaluation says should match, in the same
order. The plain evaluation shares nothing with the implementation but the
policy and the registry of defaults: facts are computed in Python from the
generated world, and every decision is a fresh Oso query (``ask_see``,
``ask_field``: no memo, no SQL generated from it). Only the words of a text
clause go to PostgreSQL, as plain strings, for stemming and ``ts_rank``.

Also checked per world: the fields each returned profile carries, full pages,
and ``db.facts.load_facts`` against the Python facts (search and
``profile(id)`` share their hiding SQL).

With k = 2 (Promise (Coarse companions are k-anonymous)), a world's sectors
are lone or not: a sector filter matches a lone sector only where the exact
employer is readable, as the policy says when asked about a lone value.

At least 200 worlds per run.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Text, bindparam, insert, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from app import create_app
from auth.security import TokenClaims, issue_token
from config import Settings
from db import facts as facts_db
from db.engine import Database
from db.models import AuthSession, Company, CompanyBlock, Contact, Member, MemberBlock, Profile
from db.models import metadata as tables
from policies.authorizer import get_authorizer
from policies.facts import Relation
from policies.fields import effective_audiences, experience_band
from tests.search_world import SEARCH, contact_row
from views import ids

WORLDS = 200
K = 2  # the least crowd of a sector; worlds have 2 or 3 companies, so both cases occur

SECTORS = ("Energy", "Software")
SKILLS = ("go", "rust", "sql")
REGIONS = ("Bretagne", "Alsace")
COUNTRIES = ("France", "Spain")
SENIORITIES = ("JUNIOR", "SENIOR", "LEAD")
WORDS = ("python", "python", "engineer", "cloud", "pythonic", "the")  # "the": a stop word
# The fields a clause, the ranking or the checked output reads...
READ_FIELDS = (
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
# ...and two that none does: choices about them must change nothing.
AUDIENCE_FIELDS = (*READ_FIELDS, "city", "fullName")


def _maybe(*values) -> st.SearchStrategy:
    """One of ``values`` or None (None as likely as any one value)."""
    return st.sampled_from((None, *values))


def _rarely() -> st.SearchStrategy:
    return st.sampled_from((False,) * 9 + (True,))


@dataclass
class Person:
    id: uuid.UUID
    kind: str
    contactable: bool
    employer: int | None  # index of a company
    hide: bool
    region: str | None
    country: str | None
    seniority: str | None
    years: int | None
    skills: list[str]
    open: bool
    headline: str | None
    summary: str | None
    audiences: dict[str, str]
    contact: str | None  # status of a contact request from the viewer
    blocks_viewer: bool
    blocked_by_viewer: bool
    blocks_company: int | None


@dataclass
class World:
    sectors: list[str]  # one per company; the viewer recruits for company 0
    viewer_id: uuid.UUID
    viewer_hide: bool
    viewer_blocks_company: int | None
    # The viewer recruits for company 0; they may also have proven a mailbox at
    # another company's domain (a verified member of it too), and declare any
    # current employer (which makes them a member of nothing).
    viewer_mailbox: int | None
    viewer_declared: int | None
    people: list[Person] = field(default_factory=list)

    @property
    def company_ids(self) -> list[uuid.UUID]:
        return [uuid.UUID(int=n + 1) for n in range(len(self.sectors))]


_words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join)


@st.composite
def worlds(draw) -> World:
    companies = draw(st.integers(2, 3))  # the viewer works for company 0
    count = draw(st.integers(3, 10))
    member_ids = draw(
        st.lists(st.uuids(version=4), min_size=count + 1, max_size=count + 1, unique=True)
    )
    company = _maybe(*range(companies))
    # Readable audiences are likelier than hidden ones, so that most worlds match someone.
    audience = st.sampled_from(
        ("MEMBERS", "MEMBERS", "RECRUITERS", "RECRUITERS", "CONTACTS", "ONLY_ME")
    )
    people = [
        Person(
            id=member_id,
            kind=draw(st.sampled_from(("CANDIDATE",) * 7 + ("RECRUITER",))),
            contactable=not draw(_rarely()),
            employer=draw(company),
            hide=draw(st.sampled_from((False, False, True))),
            region=draw(_maybe(*REGIONS)),
            country=draw(_maybe(*COUNTRIES)),
            seniority=draw(_maybe(*SENIORITIES)),
            years=draw(_maybe(0, 1, 2, 4, 5, 9, 10, 12, 19, 20, 25)),
            skills=draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3)),
            open=draw(st.booleans()),
            headline=draw(st.one_of(st.none(), _words, _words)),
            summary=draw(st.one_of(st.none(), _words, _words)),
            audiences=draw(st.dictionaries(st.sampled_from(AUDIENCE_FIELDS), audience, max_size=5)),
            contact=draw(st.sampled_from((None, None, "ACCEPTED", "ACCEPTED", "PENDING", "ENDED"))),
            blocks_viewer=draw(_rarely()),
            blocked_by_viewer=draw(_rarely()),
            blocks_company=draw(st.sampled_from((None,) * 9 + tuple(range(companies)))),
        )
        for member_id in member_ids[1:]
    ]
    return World(
        sectors=draw(st.lists(st.sampled_from(SECTORS), min_size=companies, max_size=companies)),
        viewer_id=member_ids[0],
        viewer_hide=draw(_rarely()),
        viewer_blocks_company=draw(st.sampled_from((None,) * 9 + tuple(range(companies)))),
        viewer_mailbox=draw(st.sampled_from((None, None, *range(companies)))),
        viewer_declared=draw(st.sampled_from((0, 0, None, *range(companies)))),
        people=people,
    )


# Values near the edges: band boundaries for years, case and blanks for text,
# stop words, negation and OR in text.
CLAUSES = {
    "skills": st.lists(st.sampled_from((*SKILLS, "GO", " ")), min_size=1, max_size=2),
    "region": st.sampled_from((*REGIONS, "bretagne", " ")),
    "country": st.sampled_from(COUNTRIES),
    "seniority": st.lists(st.sampled_from(SENIORITIES), max_size=2),
    "employerSector": st.sampled_from((*SECTORS, "energy")),
    "currentEmployerId": st.integers(0, 2),
    "minYearsOfExperience": st.sampled_from((-1, 0, 1, 2, 3, 5, 6, 10, 11, 20, 21)),
    "openToOpportunities": st.booleans(),
    "text": st.sampled_from(
        ("python", "python", "cloud engineer", "python OR cloud", "the", "-cloud", "Pythons")
    ),
}


@st.composite
def filters(draw, *, most: int, least: int = 0, text: bool = False) -> dict:
    keys = st.sampled_from(sorted(set(CLAUSES) - {"text"} if text else CLAUSES))
    chosen = draw(st.lists(keys, min_size=least, max_size=most, unique=True))
    if text:
        chosen.append("text")
    return {key: draw(CLAUSES[key]) for key in chosen}


# Each world is searched four ways: one clause (each field on its own), two or three
# clauses, none to three, and text with at most one other clause.
searches = st.tuples(
    *(
        st.tuples(f, st.sampled_from((1, 2, 3, 100)))
        for f in (
            filters(least=1, most=1),
            filters(least=2, most=3),
            filters(most=3),
            filters(most=1, text=True),
        )
    )
)


# --- the plain evaluation ---------------------------------------------------


@dataclass(frozen=True)
class Facts:
    is_contact: bool
    has_pending_request: bool
    blocked: bool
    owner_blocks_viewers_company: bool
    owner_hides_from_viewers_company: bool


def facts_of(world: World, p: Person) -> Facts:
    """How the viewer stands to ``p``, from the world itself (docs/design.md, "Vocabulary").

    A member block is mutual; a company block and hiding from one's declared
    employer are one-way: they hide ``p`` from the verified members of that
    company (the viewer: company 0, where they recruit, and the company of the
    mailbox they proved), and the viewer's own company block, hiding and
    declared employer change nothing.
    """
    verified = {0, world.viewer_mailbox} - {None}
    employer = p.employer if p.kind == "CANDIDATE" else 0  # declared (a recruiter's: their company)
    return Facts(
        p.contact == "ACCEPTED",
        p.contact == "PENDING",
        p.blocks_viewer or p.blocked_by_viewer,
        p.blocks_company in verified,
        p.hide and employer in verified,
    )


def band_floor(years: int) -> int:
    """The lower bound of the experience band shown for ``years`` (e.g. "10-20" -> 10)."""
    return int(experience_band(years).split("-")[0].rstrip("+"))


def readings(world: World) -> dict[uuid.UUID, dict[str, bool]]:
    """For each candidate the viewer may see, which fields they may read.

    One fresh Oso query per candidate and field (``ask_*``: no memo), with the
    facts computed from the world; candidates search never returns are left out.
    """
    authorizer = get_authorizer()
    out = {}
    for p in world.people:
        if p.kind != "CANDIDATE" or not p.contactable:
            continue
        facts = facts_of(world, p)
        rel = Relation(
            is_member=True,
            is_recruiter=True,
            is_contact=facts.is_contact,
            blocked=facts.blocked,
            owner_blocks_viewers_company=facts.owner_blocks_viewers_company,
            owner_hides_from_viewers_company=facts.owner_hides_from_viewers_company,
        )
        if authorizer.ask_see(rel):
            audiences = effective_audiences("CANDIDATE", p.audiences)
            can = {f: authorizer.ask_field(rel, f, audiences[f].value) for f in READ_FIELDS}
            sector = audiences["employerSector"].value
            exact = can["currentEmployer"]
            can["lone employerSector"] = authorizer.ask_field(
                rel, "employerSector", sector, True, exact
            )
            out[p.id] = can
    return out


def matches(world: World, p: Person, can: dict[str, bool], f: dict) -> bool:
    """Whether every clause but text matches ``p``, each only if its field is readable."""
    sector = world.sectors[p.employer] if p.employer is not None else None
    skills = {s.strip().lower() for s in f.get("skills") or []} - {""}
    if skills and not (can["skills"] and skills <= set(p.skills)):
        return False
    for name, value in (("region", p.region), ("country", p.country)):
        wanted = (f.get(name) or "").strip().lower()
        if wanted and not (can[name] and value is not None and value.lower() == wanted):
            return False
    if f.get("seniority") and not (can["seniority"] and p.seniority in f["seniority"]):
        return False
    if "employerSector" in f and not (
        can["employerSector"] and sector and sector.lower() == f["employerSector"].lower()
    ):
        return False
    if "employerSector" in f:
        crowd = sum(s.lower() == sector.lower() for s in world.sectors)
        if crowd < K and not can["lone employerSector"]:
            return False
    if "currentEmployerId" in f and not (
        can["currentEmployer"] and p.employer == f["currentEmployerId"]
    ):
        return False
    if "minYearsOfExperience" in f:
        least = f["minYearsOfExperience"]
        exact = can["yearsOfExperience"] and p.years is not None and p.years >= least
        band = can["experienceBand"] and p.years is not None and band_floor(p.years) >= least
        if not (exact or band):
            return False
    if "openToOpportunities" in f:
        return can["openToOpportunities"] and p.open == f["openToOpportunities"]
    return True


# Text matches a field only where the field is readable (an unreadable field is
# not an empty one: "-cloud" must not match a hidden summary); relevance is the
# sum of the readable fields' ts_rank.
_TEXT_ORACLE = text(
    """
    SELECT t.i,
           (t.hr AND to_tsvector('english', coalesce(t.h, '')) @@ q) OR
           (t.sr AND to_tsvector('english', coalesce(t.s, '')) @@ q) AS hit,
           CASE WHEN t.hr THEN ts_rank(to_tsvector('english', coalesce(t.h, '')), q) ELSE 0 END +
           CASE WHEN t.sr THEN ts_rank(to_tsvector('english', coalesce(t.s, '')), q) ELSE 0 END
           AS rank
    FROM unnest(:ids, :heads, :sums, :hr, :sr) AS t(i, h, s, hr, sr),
         websearch_to_tsquery('english', :q) AS q
    """
).bindparams(
    bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("heads", type_=ARRAY(Text())),
    bindparam("sums", type_=ARRAY(Text())),
    bindparam("hr", type_=ARRAY(Boolean())),
    bindparam("sr", type_=ARRAY(Boolean())),
)


async def expected(
    db: Database, world: World, can: dict[uuid.UUID, dict[str, bool]], f: dict
) -> tuple[list[uuid.UUID], dict]:
    """The candidates the policy says match, in order, and what each shows of itself."""
    kept: dict[uuid.UUID, dict] = {}
    people = {p.id: p for p in world.people}
    for p in world.people:
        if p.id in can and matches(world, p, can[p.id], f):
            values = {
                "region": p.region,
                "skills": p.skills,
                "headline": p.headline,
                "summary": p.summary,
                "openToOpportunities": p.open,
            }
            kept[p.id] = {k: v if can[p.id][k] else None for k, v in values.items()}
    if "text" not in f:
        return sorted(kept), kept
    order = sorted(kept)
    async with db.autocommit() as conn:
        rows = await conn.execute(
            _TEXT_ORACLE,
            {
                "ids": order,
                "heads": [people[i].headline for i in order],
                "sums": [people[i].summary for i in order],
                "hr": [can[i]["headline"] for i in order],
                "sr": [can[i]["summary"] for i in order],
                "q": f["text"],
            },
        )
        ranked = [(-row.rank, row.i) for row in rows if row.hit]
    return [i for _, i in sorted(ranked)], kept


# --- the world in the database -------------------------------------------------

# Children first; DELETE is much cheaper than TRUNCATE on tables this small.
_CLEAR = [text(f"DELETE FROM {t.name}") for t in reversed(tables.sorted_tables)]


async def store(db: Database, world: World, secret: str) -> str:
    """Write the world in a few statements; return a token for the viewer."""
    companies = world.company_ids
    viewer = world.viewer_id
    members = [
        {
            "id": viewer,
            "kind": "RECRUITER",
            "company_id": companies[0],
            "domain": "w.example"
            if world.viewer_mailbox is None
            else f"c{world.viewer_mailbox}.example",
        }
    ] + [
        {
            "id": p.id,
            "kind": p.kind,
            "company_id": companies[0] if p.kind == "RECRUITER" else None,
        }
        for p in world.people
    ]
    declared = None if world.viewer_declared is None else companies[world.viewer_declared]
    profiles = [_profile_row(viewer, declared, hide=world.viewer_hide, contactable=False)] + [
        _profile_row(
            p.id,
            companies[p.employer]
            if p.kind == "CANDIDATE" and p.employer is not None
            else (companies[0] if p.kind == "RECRUITER" else None),
            hide=p.hide,
            contactable=p.contactable,
            region=p.region,
            country=p.country,
            seniority=p.seniority,
            years_of_experience=p.years,
            skills=p.skills,
            open_to_opportunities=p.open,
            headline=p.headline,
            summary=p.summary,
            audiences=p.audiences,
        )
        for p in world.people
    ]
    session = uuid.uuid4()
    expires = datetime.now(UTC) + timedelta(hours=1)
    async with db.write() as conn:
        for statement in _CLEAR:
            await conn.execute(statement)
        await conn.execute(
            insert(Company.__table__),
            [
                {
                    "id": c,
                    "name": f"C{n}",
                    "email_domain": f"c{n}.example",
                    "sector": sector,
                    "size_band": "S51_200",
                }
                for n, (c, sector) in enumerate(zip(companies, world.sectors, strict=True))
            ],
        )
        await conn.execute(
            insert(Member.__table__),
            [
                {
                    **{k: v for k, v in m.items() if k != "domain"},
                    "email": f"{m['id'].hex}@{m.get('domain', 'w.example')}",
                    "password_hash": "-",
                    "alias": m["id"].hex,
                    # Hypothesis builds 200 worlds a run: rows, not sign-ups, with
                    # the mailboxes already proven.
                    "email_verified_at": datetime.now(UTC),
                }
                for m in members
            ],
        )
        await conn.execute(insert(Profile.__table__), profiles)
        contacts = [
            contact_row(viewer, p.id, companies[0], p.contact) for p in world.people if p.contact
        ]
        if contacts:
            await conn.execute(insert(Contact.__table__), contacts)
        blocks = [
            {"blocker_id": p.id, "blocked_id": viewer} for p in world.people if p.blocks_viewer
        ]
        blocks += [
            {"blocker_id": viewer, "blocked_id": p.id} for p in world.people if p.blocked_by_viewer
        ]
        if blocks:
            await conn.execute(insert(MemberBlock.__table__), blocks)
        company_blocks = [
            {"blocker_id": p.id, "company_id": companies[p.blocks_company]}
            for p in world.people
            if p.blocks_company is not None
        ]
        if world.viewer_blocks_company is not None:
            company_blocks.append(
                {"blocker_id": viewer, "company_id": companies[world.viewer_blocks_company]}
            )
        if company_blocks:
            await conn.execute(insert(CompanyBlock.__table__), company_blocks)
        await conn.execute(
            insert(AuthSession.__table__),
            [{"id": session, "member_id": viewer, "expires_at": expires}],
        )
    return issue_token(secret, TokenClaims("member", session, expires))


def _profile_row(member_id, employer, *, hide, contactable, **values) -> dict:
    row = {
        "member_id": member_id,
        "full_name": "Someone",
        "current_employer_id": employer,
        "hide_from_current_employer": hide,
        "contactable": contactable,
        "confidential_search": False,
        "open_to_opportunities": False,
        "skills": [],
        "audiences": {},
        "region": None,
        "country": None,
        "seniority": None,
        "years_of_experience": None,
        "headline": None,
        "summary": None,
    }
    row.update(values)
    return row


# --- the check ----------------------------------------------------------------


class Harness:
    def __init__(self, db: Database, http: httpx.AsyncClient, settings: Settings) -> None:
        self.db = db
        self.http = http
        self.settings = settings
        self.secret = settings.secret_key
        self.worlds = 0
        self.matched = 0  # worlds where some candidate matched
        self.ranked = 0  # worlds where several matched a text clause

    async def check(self, world: World, searches) -> None:
        token = await self.store(world)
        can = readings(world)
        for f, first in searches:
            await self.check_search(world, token, can, f, first)
        await self.check_facts(world)
        self.worlds += 1

    async def check_search(self, world: World, token: str, can, f: dict, first: int) -> None:
        api_filter = dict(f)
        if "currentEmployerId" in f:
            employer = world.company_ids[f["currentEmployerId"] % len(world.company_ids)]
            api_filter["currentEmployerId"] = ids.encode(ids.COMPANY, employer)
            f = {**f, "currentEmployerId": f["currentEmployerId"] % len(world.company_ids)}
        want, shown = await expected(self.db, world, can, f)
        got, pages = await self.search(token, api_filter, first, world.company_ids[0])
        assert [n for n, _ in got] == want, (f, first)
        for member_id, node in got:
            for name in ("region", "skills", "headline", "openToOpportunities"):
                assert node[name] == shown[member_id][name], (name, f)
        assert all(size == first for size in pages[:-1]) and pages[-1] <= first, pages
        self.matched += bool(want)
        self.ranked += len(want) > 1 and "text" in f

    async def store(self, world: World) -> str:
        return await store(self.db, world, self.secret)

    async def search(self, token: str, f: dict, first: int, audience: uuid.UUID):
        """The viewer's pages, each profile by its row id (opened under the viewer's company key)."""
        got, pages, after = [], [], None
        while True:
            response = await self.http.post(
                "/graphql",
                json={"query": SEARCH, "variables": {"f": f, "first": first, "after": after}},
                headers={"authorization": f"Bearer {token}"},
            )
            body = response.json()
            assert "errors" not in body, body
            page = body["data"]["searchCandidates"]
            pages.append(len(page["edges"]))
            got += [
                (ids.profile_member(self.settings, audience, e["node"]["id"]), e["node"])
                for e in page["edges"]
            ]
            if not page["pageInfo"]["hasNextPage"]:
                return got, pages
            after = page["pageInfo"]["endCursor"]

    async def check_facts(self, world: World) -> None:
        """``profile(id)``'s facts agree with the world too (the SQL is shared with search)."""
        async with self.db.autocommit() as conn:
            loaded = await facts_db.load_facts(conn, world.viewer_id, [p.id for p in world.people])
        for p in world.people:
            want = facts_of(world, p)
            assert loaded[p.id] == facts_db.RawFacts(
                want.is_contact,
                want.has_pending_request,
                want.blocked,
                owner_blocks_viewers_company=want.owner_blocks_viewers_company,
                owner_hides_from_viewers_company=want.owner_hides_from_viewers_company,
            ), p


@pytest.fixture
async def app(settings, db):
    """k = K, and no search budget: when hypothesis shrinks a failure it replays one
    viewer's searches many times, and must see the failure, not RATE_LIMITED."""
    limits = {**settings.rate_limits, "search": (1_000_000, 60)}
    return create_app(replace(settings, k_anonymity=K, rate_limits=limits), db, get_authorizer())


async def test_search_returns_exactly_what_the_policy_allows(db, http, settings):
    harness = Harness(db, http, settings)
    loop = asyncio.get_running_loop()

    @hypothesis_settings(
        max_examples=WORLDS,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(world=worlds(), searches=searches)
    def check(world: World, searches) -> None:
        # hypothesis drives a plain function, in a thread: each example runs on the test's loop.
        asyncio.run_coroutine_threadsafe(harness.check(world, searches), loop).result()

    await asyncio.to_thread(check)
    assert harness.worlds >= WORLDS
    # The test is only as strong as its worlds: many searches must match someone (one in
    # four on average; about one in two in practice), and some must rank several.
    assert harness.matched >= WORLDS, harness.matched
    assert harness.ranked >= WORLDS // 10, harness.ranked
