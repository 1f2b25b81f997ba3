"""Company blocks and hiding are one-way, and company membership comes from verification.

Promise (Company blocks and hiding are one-way): a company block and "hide me
from my current employer" hide the member who set them from every verified
member of that company (its recruiters, and members who proved a mailbox at
its domain), and change nothing in what that member sees. A declared current
employer makes nobody a member. Member blocks stay mutual.

The three attacks below worked when these hid both ways: block a company (or
declare an employer) and watch who vanishes. Then a property: in random small
worlds, whatever company block or hiding a member sets, their own view of
every other member (``profile``, ``node``, search) stays exactly the same.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import insert, text

from auth.security import TokenClaims, issue_token
from config import Settings
from db.models import AuthSession, Company, CompanyBlock, Member, MemberBlock, Profile
from db.models import metadata as tables
from tests.client import Member as Account
from tests.network_support import (
    BLOCK,
    CONTACTS,
    HIDE,
    PROFILE,
    RESPOND,
    SEND,
    block,
    personal,
    request_ok,
    unknown_profile_id,
)
from tests.search_world import SEARCH
from views import ids

NODE = """query($id: ID!) {
  node(id: $id) { id ... on Profile { alias kind headline employerSector currentEmployer { id } } }
}"""


async def view_of(api, viewer, others) -> dict:
    """Everything ``viewer`` reads of each of ``others``: ``profile`` and ``node``."""
    return {
        other.id: (
            await api(PROFILE, {"id": api.id_for(other, viewer)}, viewer.token),
            await api(NODE, {"id": api.id_for(other, viewer)}, viewer.token),
        )
        for other in others
    }


async def found(api, recruiter) -> list[str]:
    page = (await api.data(SEARCH, {"f": {}, "first": 100}, recruiter.token))["searchCandidates"]
    assert not page["pageInfo"]["hasNextPage"]
    return sorted(edge["node"]["id"] for edge in page["edges"])


async def profile_of(api, viewer, other) -> dict | None:
    return (await api.data(PROFILE, {"id": api.id_for(other, viewer)}, viewer.token))["profile"]


async def hidden_like_an_unknown_id(api, viewer, other) -> bool:
    """``other`` answers ``viewer`` exactly as an id naming nobody does."""
    unknown = unknown_profile_id()
    for query in (PROFILE, NODE):
        if await api(query, {"id": api.id_for(other, viewer)}, viewer.token) != await api(
            query, {"id": unknown}, viewer.token
        ):
            return False
    return True


# --- the attacks -----------------------------------------------------------------


async def test_a_recruiter_who_blocks_a_company_sees_everyone_as_before(api):
    """Attack: block Globex, search, and the candidates working there vanish."""
    globex = await api.company("globex.example", "Globex")
    await api.company("northwind.example", "Northwind")
    recruiter = api.admins["northwind.example"]
    declared = await api.sign_up("dana@mail.example", "CANDIDATE", "Dana")
    await api.update_profile(declared, currentEmployerId=globex, headline="SRE")
    proven = await api.sign_up("paul@globex.example", "CANDIDATE", "Paul")
    elsewhere = await api.sign_up("olga@mail.example", "CANDIDATE", "Olga")
    candidates = (declared, proven, elsewhere)
    before = (await found(api, recruiter), await view_of(api, recruiter, candidates))
    assert sorted(api.id_for(c, recruiter) for c in candidates) == before[0]

    assert (await block(api, recruiter, "blockCompany", globex))["ok"]
    assert (await found(api, recruiter), await view_of(api, recruiter, candidates)) == before
    # He vanishes for Globex's verified members: its recruiters, and Paul, whose
    # mailbox at its domain is proven; not for Dana, who only declared it.
    assert await hidden_like_an_unknown_id(api, api.admins["globex.example"], recruiter)
    assert await hidden_like_an_unknown_id(api, proven, recruiter)
    assert await profile_of(api, declared, recruiter)

    # He still reaches Dana (send), she still answers him, and both list the contact.
    request = await request_ok(api, recruiter, declared, personal("Dana"))
    answer = await api.data(RESPOND, {"r": request, "a": True}, declared.token)
    assert answer["respondToContactRequest"]["userErrors"] == []
    for member in (recruiter, declared):
        listed = await api.data(CONTACTS, {"s": "ACCEPTED"}, member.token)
        assert [e["node"]["id"] for e in listed["viewer"]["contacts"]["edges"]] == [request]


async def test_declaring_an_employer_hides_me_and_nobody_from_me(api):
    """Attack: declare Telecom as employer, and who works at Telecom vanishes."""
    telecom = await api.company("telecom.example", "Telecom")
    telecom_recruiter = api.admins["telecom.example"]
    proven = await api.sign_up("tom@telecom.example", "CANDIDATE", "Tom")
    declared = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann")
    await api.update_profile(declared, currentEmployerId=telecom)
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    others = (telecom_recruiter, proven, declared)
    before = await view_of(api, cara, others)
    assert all(answers[0]["data"]["profile"] for answers in before.values())

    # "Hide me from my current employer" is on by default.
    await api.update_profile(cara, currentEmployerId=telecom)
    assert await view_of(api, cara, others) == before
    # Telecom's verified members no longer see her (search included); Ann, who
    # only declared Telecom too, is nobody's member and still sees her.
    assert await hidden_like_an_unknown_id(api, telecom_recruiter, cara)
    assert api.id_for(cara, telecom_recruiter) not in await found(api, telecom_recruiter)
    assert await hidden_like_an_unknown_id(api, proven, cara)
    assert await profile_of(api, declared, cara)
    sent = await api.data(
        SEND,
        {"p": api.id_for(cara, telecom_recruiter), "m": personal("Cara")},
        telecom_recruiter.token,
    )
    unknown = await api.data(
        SEND, {"p": unknown_profile_id(), "m": personal("Cara")}, telecom_recruiter.token
    )
    assert sent == unknown

    # Switching hiding off and on again changes nothing for her either.
    for hide in (False, True):
        await api.data(HIDE, {"h": hide}, cara.token)
        assert await view_of(api, cara, others) == before


async def test_blocking_a_company_does_not_unmask_its_confidential_recruiter(api):
    """Attack: block Globex, and a recruiter on a confidential search vanishes."""
    globex = await api.company("globex.example", "Globex")
    await api.company("northwind.example", "Northwind")
    rex = await api.sign_up("rex@globex.example", "RECRUITER", "Rex")
    await api.update_profile(rex, confidentialSearch=True, headline="Hiring")
    neutral = api.admins["northwind.example"]
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    others = (rex, api.admins["globex.example"], neutral)
    before = await view_of(api, cara, others)
    assert (await profile_of(api, cara, rex))["currentEmployer"] is None  # confidential

    assert (await block(api, cara, "blockCompany", globex))["ok"]
    assert await view_of(api, cara, others) == before
    # She vanishes for him: profile, node, search, and a request answers as an unknown id.
    assert await hidden_like_an_unknown_id(api, rex, cara)
    assert api.id_for(cara, rex) not in await found(api, rex)
    assert api.id_for(cara, neutral) in await found(api, neutral)
    sent = await api.data(SEND, {"p": api.id_for(cara, rex), "m": personal("Cara")}, rex.token)
    unknown = await api.data(SEND, {"p": unknown_profile_id(), "m": personal("Cara")}, rex.token)
    assert sent == unknown


async def test_a_block_ends_what_is_open_with_verified_members_only(api, db):
    """What a company block ends follows whom it hides: a declared employer counts for nothing."""
    globex = await api.company("globex.example", "Globex")
    await api.company("northwind.example", "Northwind")
    recruiter = api.admins["northwind.example"]
    declared = await api.sign_up("dana@mail.example", "CANDIDATE", "Dana")
    await api.update_profile(declared, currentEmployerId=globex)
    proven = await api.sign_up("paul@globex.example", "CANDIDATE", "Paul")
    for candidate, name in ((declared, "Dana"), (proven, "Paul")):
        await request_ok(api, recruiter, candidate, personal(name))
    assert (await block(api, recruiter, "blockCompany", globex))["ok"]
    async with db.autocommit() as conn:
        statuses = dict((await conn.execute(text("SELECT message, status FROM contact"))).all())
    assert statuses == {personal("Dana"): "PENDING", personal("Paul"): "WITHDRAWN"}


async def test_member_blocks_stay_mutual(api):
    await api.company("globex.example", "Globex")
    rex = api.admins["globex.example"]
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    answer = await api.data(BLOCK["blockMember"], {"id": api.id_for(rex, cara)}, cara.token)
    assert answer["blockMember"]["ok"]
    assert await hidden_like_an_unknown_id(api, rex, cara)
    assert await hidden_like_an_unknown_id(api, cara, rex)


# --- the property ------------------------------------------------------------------

WORLDS = 20
COMPANIES = 3


@dataclass(frozen=True)
class Person:
    kind: str
    company: int | None  # a recruiter's company (a role in it); None for candidates
    mailbox: int | None  # the company at whose domain their mailbox is proven; None: free mail
    declared: int | None  # the current employer they declared
    hide: bool
    confidential: bool
    blocks_companies: frozenset[int]


@dataclass(frozen=True)
class World:
    people: tuple[Person, ...]  # people[0] is M, who acts
    member_blocks: frozenset[tuple[int, int]]
    actions: tuple[tuple[str, int | bool | None], ...]  # what M sets, in order


_company = st.integers(0, COMPANIES - 1)


@st.composite
def people(draw) -> Person:
    kind = draw(st.sampled_from(("CANDIDATE", "CANDIDATE", "RECRUITER")))
    company = draw(_company) if kind == "RECRUITER" else None
    return Person(
        kind=kind,
        company=company,
        mailbox=company if company is not None else draw(st.none() | _company),
        declared=company if company is not None else draw(st.none() | _company),
        hide=draw(st.booleans())
        if kind == "RECRUITER"
        else draw(st.sampled_from((True, True, False))),
        confidential=draw(st.booleans()),
        blocks_companies=draw(st.frozensets(_company, max_size=1)),
    )


@st.composite
def worlds(draw) -> World:
    crowd = draw(st.lists(people(), min_size=3, max_size=5))
    pairs = st.tuples(st.integers(0, len(crowd) - 1), st.integers(0, len(crowd) - 1))
    blocks = draw(st.frozensets(pairs.filter(lambda p: p[0] != p[1]), max_size=2))
    choices = [
        st.tuples(st.just("block"), _company),
        st.tuples(st.just("unblock"), _company),
        st.tuples(st.just("hide"), st.booleans()),
    ]
    if crowd[0].kind == "CANDIDATE":  # a recruiter's employer is their company's
        choices.append(st.tuples(st.just("declare"), st.none() | _company))
    action = st.one_of(*choices)
    return World(tuple(crowd), blocks, tuple(draw(st.lists(action, min_size=1, max_size=2))))


# A world where M's block surely hides M from someone (company 1's recruiter), so the
# non-vacuity check below never hangs on the luck of the random worlds.
_M_BLOCKS_A_RECRUITERS_COMPANY = World(
    people=(
        Person("CANDIDATE", None, None, None, False, False, frozenset()),
        Person("RECRUITER", 1, 1, 1, False, False, frozenset()),
        Person("CANDIDATE", None, 2, 2, True, False, frozenset()),
    ),
    member_blocks=frozenset(),
    actions=(("block", 1),),
)


def _company_id(n: int) -> uuid.UUID:
    return uuid.UUID(int=n + 1)


class Harness:
    """Writes each world as rows (signing up 5 people per example would take
    minutes), then reads and acts over HTTP like any client."""

    def __init__(self, db, api, settings: Settings) -> None:
        self.db = db
        self.api = api
        self.settings = settings
        self.worlds = 0
        self.vanished = 0  # worlds where M vanished for someone: the actions did something

    async def check(self, world: World) -> None:
        members = await self.store(world)
        me, others = members[0], members[1:]
        searching = world.people[0].kind == "RECRUITER"
        before = await view_of(self.api, me, others)
        listed = await found(self.api, me) if searching else None
        seen_by = [await profile_of(self.api, other, me) is not None for other in others]
        for action, value in world.actions:
            await self.act(me, action, value)
        assert await view_of(self.api, me, others) == before, world
        if searching:
            assert await found(self.api, me) == listed, world
        after = [await profile_of(self.api, other, me) is not None for other in others]
        self.vanished += after != seen_by
        self.worlds += 1

    async def act(self, me: Account, action: str, value) -> None:
        api = self.api
        if action in ("block", "unblock"):
            operation = "blockCompany" if action == "block" else "unblockCompany"
            await api.data(
                BLOCK[operation], {"id": ids.encode(ids.COMPANY, _company_id(value))}, me.token
            )
        elif action == "hide":
            await api.data(HIDE, {"h": value}, me.token)
        else:
            employer = None if value is None else ids.encode(ids.COMPANY, _company_id(value))
            await api.update_profile(me, currentEmployerId=employer)

    async def store(self, world: World) -> list[Account]:
        member_ids = [uuid.uuid4() for _ in world.people]
        sessions = [uuid.uuid4() for _ in world.people]
        now = datetime.now(UTC)
        expires = now + timedelta(hours=1)
        async with self.db.write() as conn:
            for table in reversed(tables.sorted_tables):
                await conn.execute(text(f"DELETE FROM {table.name}"))
            await conn.execute(
                insert(Company.__table__),
                [
                    {
                        "id": _company_id(n),
                        "name": f"C{n}",
                        "email_domain": f"c{n}.example",
                        "sector": "Software",
                        "size_band": "S51_200",
                    }
                    for n in range(COMPANIES)
                ],
            )
            await conn.execute(
                insert(Member.__table__),
                [
                    {
                        "id": member_id,
                        "email": f"{member_id.hex}@"
                        + ("mail.example" if p.mailbox is None else f"c{p.mailbox}.example"),
                        "password_hash": "-",
                        "kind": p.kind,
                        "company_id": None if p.company is None else _company_id(p.company),
                        "company_role": None if p.company is None else "RECRUITER",
                        "alias": member_id.hex,
                        "email_verified_at": now,
                    }
                    for member_id, p in zip(member_ids, world.people, strict=True)
                ],
            )
            await conn.execute(
                insert(Profile.__table__),
                [
                    {
                        "member_id": member_id,
                        "full_name": "Someone",
                        "headline": "Engineer",
                        "current_employer_id": None
                        if p.declared is None
                        else _company_id(p.declared),
                        "hide_from_current_employer": p.hide,
                        "contactable": p.kind == "CANDIDATE",
                        "confidential_search": p.confidential,
                        "open_to_opportunities": False,
                        "skills": [],
                        "audiences": {},
                    }
                    for member_id, p in zip(member_ids, world.people, strict=True)
                ],
            )
            company_blocks = [
                {"blocker_id": member_id, "company_id": _company_id(n)}
                for member_id, p in zip(member_ids, world.people, strict=True)
                for n in p.blocks_companies
            ]
            if company_blocks:
                await conn.execute(insert(CompanyBlock.__table__), company_blocks)
            if world.member_blocks:
                await conn.execute(
                    insert(MemberBlock.__table__),
                    [
                        {"blocker_id": member_ids[a], "blocked_id": member_ids[b]}
                        for a, b in sorted(world.member_blocks)
                    ],
                )
            await conn.execute(
                insert(AuthSession.__table__),
                [
                    {"id": session, "member_id": member_id, "expires_at": expires}
                    for session, member_id in zip(sessions, member_ids, strict=True)
                ],
            )
        accounts = []
        for member_id, session, p in zip(member_ids, sessions, world.people, strict=True):
            # Each known by their own id, in their audience (a recruiter's: their company's).
            audience = None if p.company is None else _company_id(p.company)
            accounts.append(
                Account(
                    id=ids.profile_id(self.settings, audience, member_id),
                    token=issue_token(
                        self.settings.secret_key, TokenClaims("member", session, expires)
                    ),
                    email=f"{member_id.hex}@example",
                    alias=member_id.hex,
                    audience=audience,
                )
            )
        return accounts


async def test_company_blocks_and_hiding_leave_my_own_view_unchanged(db, api, settings):
    harness = Harness(db, api, settings)
    loop = asyncio.get_running_loop()

    @hypothesis_settings(
        max_examples=WORLDS,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(world=worlds())
    @example(world=_M_BLOCKS_A_RECRUITERS_COMPANY)
    def check(world: World) -> None:
        # hypothesis drives a plain function, in a thread: each example runs on the test's loop.
        asyncio.run_coroutine_threadsafe(harness.check(world), loop).result()

    await asyncio.to_thread(check)
    assert harness.worlds >= WORLDS
    # Not vacuous: in some worlds the actions hid M from someone.
    assert harness.vanished >= 1
