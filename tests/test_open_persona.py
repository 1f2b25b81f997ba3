"""The open persona is its own content (Promise (Unlinkable)), read the same by everyone, and never a membership oracle.

Written as an attacker would try the three findings that joined the two personas:
search by the open persona's words, a handle as a membership test, and the same
handle read by the member's employer.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import HandleTombstone
from tests.client import PASSWORD, table_counts
from tests.search_world import SEARCH, block_member

PUBLIC = """query($h: String!) {
  publicProfile(handle: $h) { handle displayName headline summary photoUrl links skills }
}"""
UPDATE = """mutation($input: PublicProfileInput!) {
  updatePublicProfile(input: $input) {
    published userErrors { code message field }
    publicProfile { handle displayName headline summary photoUrl links skills }
  }
}"""
PUBLISH = """mutation($p: Boolean!) {
  publishOpenPersona(published: $p) { published userErrors { code field } }
}"""
MINE = "{ viewer { openPersonaPublished openPersona { handle headline links } } }"
DELETE = "mutation($p: String!) { deleteAccount(password: $p) { ok userErrors { code } } }"

OPEN = {
    "handle": "carla-codes",
    "displayName": "Carla writes code",
    "headline": "Rust wizard at large, talks on compilers",
    "summary": "Blog posts about borrow checkers.",
    "photoUrl": "https://img.example/avatar.png",
    "links": ["https://carla.example/blog"],
    "skills": ["rust", "compilers"],
}


async def write(api, member, **fields) -> dict:
    return (await api.data(UPDATE, {"input": fields}, member.token))["updatePublicProfile"]


async def publish(api, member, published: bool = True) -> dict:
    return (await api.data(PUBLISH, {"p": published}, member.token))["publishOpenPersona"]


@pytest.fixture
async def carla(api, db):
    """Carla and her open persona, unpublished, in a world of her alone."""
    carla = await api.sign_up("carla@mail.example", name="Carla Candidate")
    assert (await write(api, carla, **OPEN))["userErrors"] == []
    return carla


@pytest.fixture
async def world(api, db, carla):
    """Carla works at Acme (hiding from it, the default)."""
    acme = await api.company("acme.example", "Acme")
    await api.company("northwind.example", "Northwind")
    await api.update_profile(
        carla,
        headline="Backend engineer, payments",
        summary="Closed summary: PostgreSQL tuning.",
        currentEmployerId=acme,
        skills=["python"],
    )
    viewers = {
        "logged out": None,
        "member": await api.sign_up("mo@mail.example"),
        "blocked member": await api.sign_up("bo@mail.example"),
        "employer's member": api.admins["acme.example"],
        "recruiter": await api.sign_up("rita@northwind.example", "RECRUITER", "Rita"),
    }
    await block_member(db, api.uuid_of(carla), api.uuid_of(viewers["blocked member"]))
    return carla, viewers


async def raw(api, handle: str, viewer) -> bytes:
    response = await api.raw(PUBLIC, {"h": handle}, viewer.token if viewer else None)
    assert response.status_code == 200
    return response.content


# --- finding 1: the headline-search join ---------------------------------------------


async def test_search_never_matches_the_open_persona_text(api, world):
    carla, viewers = world
    await publish(api, carla)
    rita = viewers["recruiter"].token
    found = await api.data(SEARCH, {"f": {"text": "Rust wizard compilers"}}, rita)
    assert found["searchCandidates"]["edges"] == []
    found = await api.data(SEARCH, {"f": {"skills": ["rust"]}}, rita)
    assert found["searchCandidates"]["edges"] == []
    # The same search reaches the closed persona by its own (readable) headline, alias only.
    found = await api.data(SEARCH, {"f": {"text": "payments"}}, rita)
    [edge] = found["searchCandidates"]["edges"]
    assert edge["node"]["alias"] == api.alias_for(carla, viewers["recruiter"])
    assert "carla" not in str(edge).lower() and "wizard" not in str(edge).lower()


async def test_the_closed_persona_has_no_public_audience(api, carla):
    body = await api(
        'mutation { setFieldAudience(field: "headline", audience: PUBLIC) { userErrors { code } } }',
        token=carla.token,
    )
    assert body["errors"] and body.get("data") is None  # no such value in the enum
    audiences = await api.data("{ viewer { fieldAudiences { audience } } }", token=carla.token)
    assert {a["audience"] for a in audiences["viewer"]["fieldAudiences"]} <= {
        "MEMBERS",
        "RECRUITERS",
        "CONTACTS",
        "ONLY_ME",
    }
    body = await api('{ __type(name: "Profile") { fields { name } } }')
    assert "handle" not in {f["name"] for f in body["data"]["__type"]["fields"]}


# --- findings 2 and 3: a handle is no membership oracle ---------------------------------


async def test_an_unpublished_handle_answers_exactly_like_an_unknown_one(api, world):
    _, viewers = world
    for name, viewer in viewers.items():
        unknown = await raw(api, "nobody-here", viewer)
        assert unknown == b'{"data":{"publicProfile":null}}', name
        for handle in ("carla-codes", "CARLA-codes", "carla-c0des", "carla\u200b-codes", "x"):
            assert await raw(api, handle, viewer) == unknown, (name, handle)


async def test_a_published_persona_is_byte_identical_for_every_viewer(api, world):
    carla, viewers = world
    await publish(api, carla)
    answers = {name: await raw(api, "carla-codes", viewer) for name, viewer in viewers.items()}
    answers["owner"] = await raw(api, "carla-codes", carla)
    assert len(set(answers.values())) == 1, answers
    persona = (await api.data(PUBLIC, {"h": "carla-codes"}))["publicProfile"]
    assert persona == OPEN
    # Nothing of the closed persona: no id, no alias (as any viewer knows them), no
    # closed value.
    text = answers["logged out"].decode()
    known = [(api.id_for(carla, v), api.alias_for(carla, v)) for v in viewers.values() if v]
    names = {name for pair in [(carla.id, carla.alias), *known] for name in pair}
    for closed in (*names, "Carla Candidate", "payments", "PostgreSQL", "python"):
        assert closed not in text


async def test_unknown_unpublished_and_published_handles_cost_the_same_statements(api, db, carla):
    """Not a timed test: the work behind each answer, counted. An unpublished handle
    runs exactly the statements of an unknown one (and of a published one)."""
    await publish(api, await _with_persona(api, "pub@mail.example", "pub-lished"))

    async def statements(handle: str) -> int:
        db.counter.reset()
        await raw(api, handle, None)
        return db.counter.count

    assert await statements("carla-codes") == await statements("nobody-here")
    assert await statements("pub-lished") == await statements("nobody-here")


async def _with_persona(api, email: str, handle: str):
    member = await api.sign_up(email)
    assert (await write(api, member, handle=handle))["userErrors"] == []
    return member


async def test_unpublishing_makes_the_handle_unknown_again(api, world):
    carla, viewers = world
    await publish(api, carla)
    assert (await publish(api, carla, False))["published"] is False
    unknown = await raw(api, "nobody-here", None)
    assert await raw(api, "carla-codes", viewers["member"]) == unknown


async def test_a_deleted_members_persona_is_gone(api, carla):
    await publish(api, carla)
    deleted = await api.data(DELETE, {"p": PASSWORD}, carla.token)
    assert deleted["deleteAccount"]["ok"] is True
    assert await raw(api, "carla-codes", None) == await raw(api, "nobody-here", None)


# --- editing -------------------------------------------------------------------------


async def test_the_owner_reads_and_edits_their_persona_published_or_not(api, carla):
    mine = (await api.data(MINE, token=carla.token))["viewer"]
    assert mine == {
        "openPersonaPublished": False,
        "openPersona": {
            "handle": "carla-codes",
            "headline": OPEN["headline"],
            "links": OPEN["links"],
        },
    }
    payload = await write(api, carla, links=["https://a.example/x", "https://a.example/x"])
    assert payload["publicProfile"]["links"] == ["https://a.example/x"]  # duplicates go
    assert payload["publicProfile"]["headline"] == OPEN["headline"]  # untouched
    assert (await publish(api, carla))["published"] is True
    assert (await api.data(MINE, token=carla.token))["viewer"]["openPersonaPublished"] is True


async def test_a_persona_starts_with_a_handle(api, db):
    ann = await api.sign_up("ann@mail.example")
    assert (await api.data(MINE, token=ann.token))["viewer"]["openPersona"] is None
    payload = await write(api, ann, headline="No address yet")
    assert [e["code"] for e in payload["userErrors"]] == ["HANDLE_REQUIRED"]
    assert (await publish(api, ann))["userErrors"] == [
        {"code": "HANDLE_REQUIRED", "field": "handle"}
    ]
    # ProfileInput.handle, kept by the contract, is the same address.
    await api.update_profile(ann, handle="ann-builds")
    mine = (await api.data(MINE, token=ann.token))["viewer"]["openPersona"]
    assert mine["handle"] == "ann-builds"


BAD = [
    ("bad link", {"links": ["javascript:alert(1)"]}, "INVALID_URL"),
    ("private link", {"links": ["https://10.0.0.1/"]}, "INVALID_URL"),
    ("too many links", {"links": [f"https://a.example/{i}" for i in range(11)]}, "TOO_MANY"),
    ("bad photo", {"photoUrl": "http://img.example/a.png"}, "INVALID_URL"),
    ("invisible name", {"displayName": "Carla\u202egnp.exe"}, "BAD_USER_INPUT"),
    ("long headline", {"headline": "x" * 201}, "TOO_LONG"),
    ("control in summary", {"summary": "a\x00b"}, "BAD_USER_INPUT"),
    ("empty handle", {"handle": "  "}, "REQUIRED"),
]


async def test_bad_input_is_typed_and_writes_nothing(api, db, carla):
    for case, fields, code in BAD:
        before = await table_counts(db)
        payload = await write(api, carla, skills=["half-written?"], **fields)
        assert [e["code"] for e in payload["userErrors"]] == [code], case
        assert payload["publicProfile"] is None, case
        assert await table_counts(db) == before, case
        persona = (await api.data(MINE, token=carla.token))["viewer"]["openPersona"]
        assert persona["handle"] == "carla-codes" and persona["headline"] == OPEN["headline"]


# --- handles: never reused, no look-alikes --------------------------------------------


async def _claim(api, member, handle: str) -> list[tuple]:
    payload = await write(api, member, handle=handle)
    return [(e["code"], e["message"], e["field"]) for e in payload["userErrors"]]


async def test_a_deleted_members_handle_is_never_claimed_again(api, db, carla):
    held_by_someone = await _claim(api, await api.sign_up("bob@mail.example"), "carla-codes")
    assert held_by_someone == [("HANDLE_TAKEN", "This handle is taken.", "handle")]
    await api.data(DELETE, {"p": PASSWORD}, carla.token)
    dan = await api.sign_up("dan@mail.example")
    # Released by a deleted member: the very same answer as a held handle.
    assert await _claim(api, dan, "carla-codes") == held_by_someone
    assert await _claim(api, dan, "Carla-C0des") == held_by_someone  # nor a look-alike
    async with db.autocommit() as conn:
        digests = (await conn.execute(select(HandleTombstone.__table__.c.digest))).scalars().all()
    assert len(digests) == 1 and len(digests[0]) == 32
    assert b"carla" not in digests[0]


async def test_a_changed_handle_is_released_for_good(api, carla):
    assert await _claim(api, carla, "carla-compiles") == []
    assert await _claim(api, carla, "carla-compiles") == []  # keeping one's own is no change
    bob = await api.sign_up("bob@mail.example")
    assert [c for c, *_ in await _claim(api, bob, "carla-codes")] == ["HANDLE_TAKEN"]
    assert [c for c, *_ in await _claim(api, carla, "carla-codes")] == ["HANDLE_TAKEN"]
    assert await raw(api, "carla-codes", None) == await raw(api, "nobody-here", None)


LOOK_ALIKES = [
    ("upper case", "CARLA-CODES", "HANDLE_TAKEN"),
    ("zero for o", "carla-c0des", "HANDLE_TAKEN"),
    ("no dash", "carlacodes", "HANDLE_TAKEN"),
    ("rn for m", "rnia-one", None),  # free: nobody holds "mia-one" (bob takes it)...
    ("cyrillic a", "c\u0430rla-codes", "INVALID_HANDLE"),
    ("zero-width space", "carla\u200b-codes", "BAD_USER_INPUT"),
    ("right-to-left override", "carla\u202e-codes", "BAD_USER_INPUT"),
    ("emoji", "carla-\U0001f600", "INVALID_HANDLE"),
    ("too short", "ab", "INVALID_HANDLE"),
    ("longest, as look-alikes", "m" * 40, None),  # its key is "rn" * 40
    ("too long", "m" * 41, "INVALID_HANDLE"),
]


async def test_look_alike_and_invisible_handles_are_refused(api, carla):
    bob = await api.sign_up("bob@mail.example")
    for case, handle, code in LOOK_ALIKES:
        assert [c for c, *_ in await _claim(api, bob, handle)] == ([code] if code else []), case


async def test_a_look_alike_of_a_claimed_handle_is_taken_and_full_width_is_plain(api, carla):
    bob = await api.sign_up("bob@mail.example")
    assert await _claim(api, bob, "mia-one") == []
    eve = await api.sign_up("eve@mail.example")
    assert [c for c, *_ in await _claim(api, eve, "rnia-one")] == ["HANDLE_TAKEN"]
    assert await _claim(api, eve, "\uff45\uff56\uff45-x") == []  # full-width "eve-x", NFKC
    mine = (await api.data(MINE, token=eve.token))["viewer"]["openPersona"]
    assert mine["handle"] == "eve-x"
