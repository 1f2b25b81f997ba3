"""Promise (Pseudonyms per company): each company knows a member by its own id and alias.

Two companies that compare what they saw of one candidate find nothing in
common to join on: not the id, not the alias, not a search cursor. An id
issued to one company is, for every other (and a member's own id for every
company), exactly an unknown id: the walk below calls every root field that
takes an id and compares the answers byte for byte. Recruiters of one company
and its ATS share the company's names (the pipeline is the company's); a
candidate's own id is stable for her; ids issued under an older key version
keep working through a rotation, for the configured window.
"""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)

from app import create_app
from auth import pseudonyms
from config import ConfigError, Settings, load_settings
from policies.authorizer import get_authorizer
from tests.client import Api, Member
from tests.network_support import (
    PROFILE,
    contact,
    my_contacts,
    personal,
    request_ok,
    respond,
    send,
    snapshot,
    unknown_profile_id,
)
from tests.partner_support import ats_for, pipeline_nodes, shared_contact
from views import aliases, ids

HEADLINE = "Quantum plumbing specialist"
SEARCH = """query($f: CandidateFilter, $after: String) {
  searchCandidates(filter: $f, first: 1, after: $after) {
    edges { cursor node { id alias headline } } pageInfo { hasNextPage endCursor }
  }
}"""
ACCESS_LOG = "{ viewer { accessLog { edges { node { viewer fields } } } } }"


@pytest.fixture
async def world(api):
    """Acme (Rita, Sam) and Globex (Gus); Cara, a candidate both may see; Dan, another."""
    await api.company("acme.example", "Acme")
    await api.company("globex.example", "Globex")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    sam = await api.sign_up("sam@acme.example", "RECRUITER", "Sam")
    gus = await api.sign_up("gus@globex.example", "RECRUITER", "Gus")
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    await api.update_profile(cara, headline=HEADLINE)
    dan = await api.sign_up("dan@mail.example", "CANDIDATE", "Dan")
    await api.update_profile(dan, headline=HEADLINE)
    return {"rita": rita, "sam": sam, "gus": gus, "cara": cara, "dan": dan}


async def first_hit(api: Api, viewer: Member, after: str | None = None) -> dict:
    """The first candidate ``viewer`` finds by Cara's headline, with its cursor."""
    data = await api.data(SEARCH, {"f": {"text": HEADLINE}, "after": after}, viewer.token)
    [edge] = data["searchCandidates"]["edges"]
    return edge


async def found(api: Api, viewer: Member) -> dict[str, dict]:
    """Everything ``viewer`` finds by the headline: profile id -> {alias, cursor}."""
    out, after = {}, None
    while True:
        data = await api.data(SEARCH, {"f": {"text": HEADLINE}, "after": after}, viewer.token)
        page = data["searchCandidates"]
        for edge in page["edges"]:
            out[edge["node"]["id"]] = {"alias": edge["node"]["alias"], "cursor": edge["cursor"]}
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def test_two_companies_see_one_candidate_under_different_ids_and_aliases(api, world):
    rita, sam, gus, cara = world["rita"], world["sam"], world["gus"], world["cara"]
    at_acme, by_sam, at_globex = (
        await found(api, rita),
        await found(api, sam),
        await found(api, gus),
    )
    assert len(at_acme) == len(at_globex) == 2  # Cara and Dan

    # Recruiters of one company share its names: the pipeline is the company's.
    assert by_sam.keys() == at_acme.keys()
    assert [v["alias"] for v in by_sam.values()] == [v["alias"] for v in at_acme.values()]
    # Two companies share nothing: no id, no alias, no cursor.
    acme_values = {s for k, v in at_acme.items() for s in (k, v["alias"], v["cursor"])}
    globex_values = {s for k, v in at_globex.items() for s in (k, v["alias"], v["cursor"])}
    assert acme_values.isdisjoint(globex_values)
    # ... and neither is the candidate's own id or alias.
    assert {cara.id, cara.alias}.isdisjoint(acme_values | globex_values)

    # Each company reaches Cara under its own id, and only under it.
    cara_at_acme, cara_at_globex = api.id_for(cara, rita), api.id_for(cara, gus)
    assert cara_at_acme in at_acme and cara_at_globex in at_globex
    for viewer, mine in ((rita, cara_at_acme), (gus, cara_at_globex)):
        profile = (await api.data(PROFILE, {"id": mine}, viewer.token))["profile"]
        assert profile["id"] == mine and profile["headline"] == HEADLINE
        assert profile["alias"] == api.alias_for(cara, viewer)


async def test_a_candidates_own_id_is_stable_and_hers_alone(api, world):
    cara = world["cara"]
    query = "{ viewer { profile { id alias } } }"
    seen = [(await api.data(query, token=cara.token))["viewer"]["profile"] for _ in range(2)]
    assert seen == [{"id": cara.id, "alias": cara.alias}] * 2
    # The recruiter she meets is named the same in all her views.
    request_id = await request_ok(api, world["rita"], cara, personal("Cara"))
    [incoming] = await my_contacts(api, cara)
    by_id = (
        await api.data(
            f'{{ node(id: "{request_id}") {{ ... on ContactRequest {{ counterpart {{ id alias }} }} }} }}',
            token=cara.token,
        )
    )["node"]
    assert by_id["counterpart"]["id"] == incoming["counterpart"]["id"]
    assert by_id["counterpart"]["alias"] == incoming["counterpart"]["alias"]


async def test_the_company_ats_sees_the_company_names(api, world):
    rita, cara = world["rita"], world["cara"]
    await shared_contact(api, rita, cara, personal("Cara"))
    [node] = await pipeline_nodes(api, await ats_for(api, api.admins["acme.example"]))
    assert node["counterpart"]["id"] == api.id_for(cara, rita)
    assert node["counterpart"]["alias"] == api.alias_for(cara, rita)


# --- every path that takes an id ----------------------------------------------------------


def _selection(schema: GraphQLSchema, type_, depth: int = 0) -> str:
    """Every field without required arguments, three levels down: the whole answer."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return ""
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        kinds = schema.get_possible_types(named)
        return "__typename " + " ".join(
            f"... on {k.name} {{ {_fields(schema, k, depth)} }}" for k in kinds
        )
    return _fields(schema, named, depth)


def _fields(schema: GraphQLSchema, obj: GraphQLObjectType, depth: int) -> str:
    parts = ["__typename"]
    for name, field in obj.fields.items():
        if any(isinstance(a.type, GraphQLNonNull) for a in field.args.values()):
            continue
        named = get_named_type(field.type)
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name)
        elif depth < 2:
            parts.append(f"{name} {{ {_selection(schema, field.type, depth + 1)} }}")
    return " ".join(parts)


def _value(type_, member_id: str) -> str:
    """A literal for an argument: the id under test for every ID, a plain value otherwise."""
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, member_id)
    if isinstance(type_, GraphQLList):
        return f"[{_value(type_.of_type, member_id)}]"
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        parts = [
            f"{name}: {_value(f.type, member_id)}"
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(parts) + "}"
    literals = {"ID": member_id, "Int": 5, "Float": 1.0, "Boolean": True}
    return json.dumps(literals.get(type_.name, personal("someone", "A schema walk.")))


def _takes_an_id(field) -> bool:
    return any(get_named_type(a.type).name == "ID" for a in field.args.values())


def operations(schema: GraphQLSchema, member_id: str) -> list[tuple[str, str]]:
    """(root field, document) for every root field with an ID argument, ids set to ``member_id``.

    Optional arguments of type ID are given too: an id is an id wherever it goes.
    """
    out = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        for name, field in root.fields.items():
            if not _takes_an_id(field):
                continue
            args = [
                f"{arg}: {_value(a.type, member_id)}"
                for arg, a in field.args.items()
                if isinstance(a.type, GraphQLNonNull) or get_named_type(a.type).name == "ID"
            ]
            selection = _selection(schema, field.type)
            body = f"{name}({', '.join(args)})" + (f" {{ {selection} }}" if selection else "")
            out.append((f"{operation}.{name}", f"{operation} {{ {body} }}"))
    return out


async def _walk(api: Api, schema, token: str, known: str, unknown: str) -> list[str]:
    """Root fields run with ``known`` then with ``unknown``; those whose answers differ."""
    walked, differ = [], []
    for (label, with_unknown), (_, with_known) in zip(
        operations(schema, unknown), operations(schema, known), strict=True
    ):
        # The unknown id first: a mutation that did accept ``known`` would change state.
        expected = await api.raw(with_unknown, token=token)
        got = await api.raw(with_known, token=token)
        assert expected.status_code == 200, (label, expected.text)
        walked.append(label)
        if expected.content.replace(unknown.encode(), known.encode()) != got.content:
            differ.append(f"{label}: {got.text} instead of {expected.text}")
    assert {"query.profile", "query.node", "mutation.sendContactRequest"} <= set(walked)
    assert {"mutation.blockMember", "mutation.unblockMember", "mutation.setCompanyRole"} <= set(
        walked
    )
    assert {"mutation.removeFromCompany", "mutation.respondToContactRequest"} <= set(walked)
    return differ


@pytest.mark.parametrize(
    ("holder", "user"),
    [
        ("rita", "gus"),  # an id of Acme, in Globex's hands
        ("cara", "rita"),  # Cara's own id, in a company's hands
        ("rita", "dan"),  # an id of Acme, in a candidate's hands
    ],
)
async def test_an_id_of_another_audience_is_an_unknown_id_everywhere(api, db, world, holder, user):
    """Promise (Ids are opaque; a wrong id and a forbidden id answer the same)."""
    cara, viewer = world["cara"], world[user]
    known = cara.id if holder == "cara" else api.id_for(cara, world[holder])
    assert api.id_for(cara, viewer) != known
    # Control: under the id its own audience knows, the viewer does reach Cara.
    assert (await api.data(PROFILE, {"id": api.id_for(cara, viewer)}, viewer.token))["profile"]
    schema = build_client_schema(await api.data(get_introspection_query()))
    before = await snapshot(db)
    assert await _walk(api, schema, viewer.token, known, unknown_profile_id()) == []
    assert await snapshot(db) == before
    # Control: the walk tells apart an id the viewer was given (it acts on Cara).
    differ = await _walk(api, schema, viewer.token, api.id_for(cara, viewer), unknown_profile_id())
    assert {"query.profile", "query.node", "mutation.blockMember"} <= {
        d.partition(":")[0] for d in differ
    }


async def test_a_search_cursor_of_another_company_is_no_cursor(api, world):
    rita, gus = world["rita"], world["gus"]
    cursor = (await first_hit(api, rita))["cursor"]
    assert (await first_hit(api, rita, cursor))["cursor"] != cursor  # it pages for Rita
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = raw[:5] + unknown_profile_id().encode()  # same shape, an unknown id
    other = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    variables = {"f": {"text": HEADLINE}}
    theirs = await api.raw(SEARCH, {**variables, "after": cursor}, gus.token)
    unknown = await api.raw(SEARCH, {**variables, "after": other}, gus.token)
    assert theirs.content == unknown.content
    assert theirs.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# --- the access log names each viewer as its owner knows them ---------------------------


async def test_the_access_log_never_hands_a_company_the_candidates_own_alias(api, world):
    rita, cara = world["rita"], world["cara"]
    await contact(api, rita, cara, personal("Cara"))
    await api.data(
        f'{{ profile(id: "{api.id_for(cara, rita)}") {{ fullName }} }}', token=rita.token
    )
    await api.data(
        f'{{ profile(id: "{api.id_for(rita, cara)}") {{ fullName }} }}', token=cara.token
    )
    cara_log = (await api.data(ACCESS_LOG, token=cara.token))["viewer"]["accessLog"]["edges"]
    rita_log = (await api.data(ACCESS_LOG, token=rita.token))["viewer"]["accessLog"]["edges"]
    assert cara_log and rita_log
    # Cara knows Rita by the alias Rita's profile shows her.
    assert {e["node"]["viewer"] for e in cara_log} == {await api.alias_seen(rita, cara)}
    # Rita's company knows Cara by Acme's alias, never by the one Cara sees herself.
    assert {e["node"]["viewer"] for e in rita_log} == {api.alias_for(cara, rita)}
    assert cara.alias not in json.dumps(rita_log)


async def test_the_access_log_names_a_partner_by_its_company(api, world):
    rita, cara = world["rita"], world["cara"]
    await shared_contact(api, rita, cara, personal("Cara"))
    await pipeline_nodes(api, await ats_for(api, api.admins["acme.example"], "Talent Flow"))
    events = (await api.data(ACCESS_LOG, token=cara.token))["viewer"]["accessLog"]["edges"]
    assert events[0]["node"]["viewer"] == "Talent Flow (the ATS of Acme)"


# --- key rotation ---------------------------------------------------------------------


@asynccontextmanager
async def served(settings: Settings, db, mailbox, **changes) -> AsyncIterator[Api]:
    """The service as restarted with ``changes`` to its settings, on the same database."""
    app = create_app(dataclasses.replace(settings, **changes), db, get_authorizer())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Api(http, mailbox, dataclasses.replace(settings, **changes))


async def test_a_key_rotation_keeps_old_ids_and_stored_requests_working(
    api, db, mailbox, settings, world
):
    rita, cara = world["rita"], world["cara"]
    old_id = api.id_for(cara, rita)
    sent = await send(api, rita, old_id, personal("Cara"))
    request_id = sent["request"]["id"]
    assert sent["request"]["counterpart"]["id"] == old_id

    async with served(settings, db, mailbox, pseudonym_key_version=2) as rotated:
        # The stored request works on: Cara accepts it, both sides list it.
        answer = await respond(rotated, cara, request_id, True)
        assert answer["userErrors"] == []
        [mine] = await my_contacts(rotated, rita)
        new_id = mine["counterpart"]["id"]
        assert mine["id"] == request_id and new_id != old_id
        assert new_id == rotated.id_for(cara, rita)
        # The id issued under version 1 still names her, and so does the new one.
        for opaque in (old_id, new_id):
            seen = (await rotated.data(PROFILE, {"id": opaque}, rita.token))["profile"]
            assert seen["id"] == new_id and seen["fullName"] == "Cara"
        again = await send(rotated, rita, old_id, personal("Cara", "Again."))
        assert [e["code"] for e in again["userErrors"]] == ["DUPLICATE_REQUEST"]
        # The alias is not renamed by a rotation.
        assert mine["counterpart"]["alias"] == api.alias_for(cara, rita)
        # Cara's own id is re-issued too, and the old one still opens for her.
        me = "{ viewer { profile { id } } }"
        assert (await rotated.data(me, token=cara.token))["viewer"]["profile"]["id"] != cara.id

    # Past the window (version 3 keeps one older version: 2), version 1 ids are unknown.
    async with served(settings, db, mailbox, pseudonym_key_version=3) as later:
        assert (await later.data(PROFILE, {"id": old_id}, rita.token))["profile"] is None
        assert (await later.data(PROFILE, {"id": new_id}, rita.token))["profile"] is not None
        [mine] = await my_contacts(later, rita)
        assert mine["id"] == request_id and mine["status"] == "ACCEPTED"
    async with served(
        settings, db, mailbox, pseudonym_key_version=2, pseudonym_old_versions=0
    ) as strict:
        assert (await strict.data(PROFILE, {"id": old_id}, rita.token))["profile"] is None


# --- the codec itself ------------------------------------------------------------------


def test_the_codec_opens_only_what_it_sealed_for_that_audience(settings):
    acme, globex, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for audience, other in itertools.permutations((acme, globex, None), 2):
        opaque = ids.profile_id(settings, audience, member)
        assert ids.profile_id(settings, audience, member) == opaque  # deterministic
        assert ids.profile_member(settings, audience, opaque) == member
        assert ids.profile_member(settings, other, opaque) is None
        assert aliases.alias_for(settings, audience, member, "Stored 1") != aliases.alias_for(
            settings, other, member, "Stored 1"
        )
        raw = bytearray(base64.urlsafe_b64decode(opaque[3:]))
        for at in (1, 16, 32):  # the tag, the body: any flipped bit is an unknown id
            tampered = bytes(raw[:at]) + bytes((raw[at] ^ 1,)) + bytes(raw[at + 1 :])
            forged = "pf_" + base64.urlsafe_b64encode(tampered).decode()
            assert ids.profile_member(settings, audience, forged) is None
    # Not another kind's sealing, not a plain row id, not a stranger's key.
    sealed = pseudonyms.seal(settings.secret_key, acme, 1, b"cr", member)
    assert (
        ids.profile_member(settings, acme, "pf_" + base64.urlsafe_b64encode(sealed).decode())
        is None
    )
    assert ids.profile_member(settings, acme, ids.encode(ids.PROFILE, member)) is None
    stranger = dataclasses.replace(settings, secret_key="another-secret-key-that-is-long-enough-42")
    assert ids.profile_member(stranger, acme, ids.profile_id(settings, acme, member)) is None
    # A candidate's alias for the members' audience is the stored one.
    assert aliases.alias_for(settings, None, member, "Stored 1") == "Stored 1"


@pytest.mark.parametrize(
    ("version", "old", "problem"),
    [("0", "1", "KEY_VERSION"), ("256", "1", "KEY_VERSION"), ("2", "-1", "OLD_VERSIONS")],
)
def test_key_versions_are_checked_at_start(monkeypatch, version, old, problem):
    monkeypatch.setenv("SUPLINKS_PSEUDONYM_KEY_VERSION", version)
    monkeypatch.setenv("SUPLINKS_PSEUDONYM_OLD_VERSIONS", old)
    with pytest.raises(ConfigError, match=problem):
        load_settings()


def test_key_versions_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPLINKS_PSEUDONYM_KEY_VERSION", "7")
    monkeypatch.setenv("SUPLINKS_PSEUDONYM_OLD_VERSIONS", "2")
    loaded = load_settings()
    assert (loaded.pseudonym_key_version, loaded.pseudonym_old_versions) == (7, 2)
