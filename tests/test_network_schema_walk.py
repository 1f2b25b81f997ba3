"""Promise (Edges are private), checked on the whole schema, whatever fields it grows.

The test introspects the running schema over HTTP, finds every path from the
Query and Mutation roots to a field whose type is ``Profile`` or
``ContactRequest`` (through lists, connections, payloads and interfaces such
as ``Node``), calls each one as a third member with every interesting id, and
checks that no answer carries an edge of others: neither its id nor its
message. A control run as an endpoint proves the walk does reach edges.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)

from tests.network_support import contact, personal, request_ok, respond, snapshot

TARGETS = {"Profile", "ContactRequest"}
TERMINAL = {
    "Profile": "__typename id alias",
    "ContactRequest": "__typename id status message counterpart { id alias }",
}
MAX_DEPTH = 7
# Long enough to pass message bounds, so that mutations reach their real checks.
PLAIN_TEXT = "A schema walk: a message long enough to be a personal one."


@dataclass(frozen=True)
class Step:
    field: str
    args: tuple[tuple[str, object], ...]  # required arguments: name -> its GraphQL type
    on: str | None  # inline fragment when the field's type is abstract
    type_name: str  # the concrete object type reached


def _required_args(field) -> tuple:
    return tuple(
        (name, arg.type)
        for name, arg in field.args.items()
        if isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
    )


def target_paths(schema: GraphQLSchema, root: GraphQLObjectType) -> list[list[Step]]:
    """Every path from ``root`` to a Profile or ContactRequest, without type cycles."""
    found: list[list[Step]] = []

    def walk(owner, path: list[Step], seen: frozenset[str]) -> None:
        if len(path) >= MAX_DEPTH:
            return
        for name, field in owner.fields.items():
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType):
                concrete, abstract = [named], False
            elif isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
                concrete, abstract = list(schema.get_possible_types(named)), True
            else:
                continue
            for obj in concrete:
                step = Step(name, _required_args(field), obj.name if abstract else None, obj.name)
                here = [*path, step]
                if obj.name in TARGETS:
                    found.append(here)
                if obj.name not in seen:
                    walk(obj, here, seen | {obj.name})

    walk(root, [], frozenset({root.name}))
    return found


def _literal(type_, ids: dict) -> list[str]:
    """GraphQL literals to try for an argument: every id for ID, one plain value otherwise."""
    if isinstance(type_, GraphQLNonNull):
        return _literal(type_.of_type, ids)
    if isinstance(type_, GraphQLList):
        return [f"[{v}]" for v in _literal(type_.of_type, ids)[:1]]
    if isinstance(type_, GraphQLEnumType):
        return [next(iter(type_.values))]
    if isinstance(type_, GraphQLInputObjectType):
        parts = [
            f"{name}: {_literal(f.type, ids)[0]}"
            for name, f in type_.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return ["{" + ", ".join(parts) + "}"]
    return {
        "ID": [json.dumps(i) for i in ids["pool"]],
        "Int": ["5"],
        "Float": ["1.0"],
        "Boolean": ["true"],
    }.get(type_.name, [json.dumps(PLAIN_TEXT)])


def render(operation: str, path: list[Step], values: list[dict[str, str]]) -> str:
    inner = TERMINAL[path[-1].type_name]
    for step, args in zip(reversed(path), reversed(values), strict=True):
        arguments = "(" + ", ".join(f"{k}: {v}" for k, v in args.items()) + ")" if args else ""
        if step.on:
            inner = f"__typename ... on {step.on} {{ {inner} }}"
        inner = f"{step.field}{arguments} {{ {inner} }}"
    return f"{operation} {{ {inner} }}"


def queries(schema: GraphQLSchema, ids: dict) -> dict[str, list[tuple[str, str]]]:
    """For each root ("query", "mutation"): (path label, query text) to run."""
    out: dict[str, list[tuple[str, str]]] = {}
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        runs = []
        for path in target_paths(schema, root):
            choices = [
                [
                    dict(zip([n for n, _ in step.args], combo, strict=True))
                    for combo in itertools.product(*(_literal(t, ids) for _, t in step.args))
                ]
                for step in path
            ]
            label = ".".join(s.field + (f"<{s.on}>" if s.on else "") for s in path)
            for values in itertools.product(*choices):
                runs.append((label, render(operation, path, list(values))))
        out[operation] = runs
    return out


def _contact_requests(value, out: list[dict]) -> list[dict]:
    if isinstance(value, dict):
        if value.get("__typename") == "ContactRequest":
            out.append(value)
        for v in value.values():
            _contact_requests(v, out)
    elif isinstance(value, list):
        for v in value:
            _contact_requests(v, out)
    return out


async def _world(api):
    await api.company("acme.example", "Acme")
    await api.company("globex.example", "Globex")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    other_recruiter = await api.sign_up("sam@acme.example", "RECRUITER", "Sam")
    candidate = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    candidate2 = await api.sign_up("dan@mail.example", "CANDIDATE", "Dan")
    messages = [personal("Cara", "Accepted."), personal("Cara", "Pending."), personal("Dan")]
    edges = [
        await contact(api, recruiter, candidate, messages[0]),
        await request_ok(api, other_recruiter, candidate, messages[1]),
        await request_ok(api, recruiter, candidate2, messages[2]),
    ]
    await respond(api, candidate2, edges[2], False)
    members = {"recruiter": recruiter, "candidate": candidate}
    return members, edges, messages


# Answers a walk may get besides data: anything else (a validation error above
# all) would mean the query never ran, and the walk would prove nothing.
EXPECTED_ERRORS = {"UNAUTHENTICATED", "FORBIDDEN"}


async def _walk(api, runs, token) -> list[tuple[str, str, dict]]:
    results = []
    for label, query in runs:
        body = await api(query, token=token)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or []}
        assert codes <= EXPECTED_ERRORS, f"{label} did not run: {body['errors']}"
        results.append((label, query, body))
    return results


async def test_no_path_in_the_schema_reaches_an_edge_of_others(api, db):
    members, edges, messages = await _world(api)
    outsiders = {
        "candidate": await api.sign_up("tom@mail.example", "CANDIDATE", "Tom"),
        "recruiter elsewhere": await api.sign_up("gus@globex.example", "RECRUITER", "Gus"),
        "colleague of the recruiter": await api.sign_up("ann@acme.example", "RECRUITER", "Ann"),
    }
    introspection = await api.data(get_introspection_query())
    schema = build_client_schema(introspection)
    pool = [members["candidate"].id, members["recruiter"].id, *edges]
    runs = queries(schema, {"pool": pool})

    labels = {label for label, _ in runs["query"]} | {label for label, _ in runs["mutation"]}
    for known in (
        "viewer.contacts.edges.node",
        "viewer.contacts.edges.node.counterpart",
        "viewer.blockedMembers",
        "profile",
        "node<ContactRequest>",
        "node<ContactRequest>.counterpart",
        "sendContactRequest.request",
        "respondToContactRequest.request",
        "endContact.request",
        "pipeline.edges.node.counterpart",
        "withdrawAtsConsent.request",
    ):
        assert known in labels, f"the walk missed {known}"

    def leaks(body: dict) -> list[str]:
        raw = json.dumps(body)
        found = [e for e in edges if e in raw] + [m for m in messages if m in raw]
        found += [r["id"] for r in _contact_requests(body, []) if r.get("id") in edges]
        return found

    # Control: an endpoint does reach its edges through these same paths.
    control = await _walk(api, runs["query"], members["candidate"].token)
    reached = {label for label, _, body in control if leaks(body)}
    assert {"viewer.contacts.edges.node", "node<ContactRequest>"} <= reached

    before = await snapshot(db)
    api.http.cookies.clear()  # no session cookie left from signUp
    for who, member in [*outsiders.items(), ("anonymous", None)]:
        token = member.token if member else None
        for root in ("query", "mutation") if member else ("query",):
            for label, query, body in await _walk(api, runs[root], token):
                assert not leaks(body), f"{who} reached an edge through {label}: {query}"
    # Nothing the outsiders tried changed the edges of others (they may have made their own).
    after = await snapshot(db)
    assert set(before["contact"]) <= set(after["contact"])
    assert after["member_block"] == before["member_block"] == []


async def test_profiles_expose_no_network_fields(api):
    """No field of Profile (or of anything reachable from it) gives contacts, their
    count, or mutual contacts: the walk above checks values, this checks names."""
    schema = build_client_schema(await api.data(get_introspection_query()))
    suspicious = ("contact", "connection", "mutual", "network", "follower", "viewedby")
    names = set()
    stack, seen = [schema.get_type("Profile")], set()
    while stack:
        owner = stack.pop()
        if owner.name in seen:
            continue
        seen.add(owner.name)
        for name, field in owner.fields.items():
            names.add(f"{owner.name}.{name}")
            named = get_named_type(field.type)
            if isinstance(named, GraphQLObjectType):
                stack.append(named)
    # What this viewer may do with the member: about the viewer, not the member's network.
    allowed = {"Profile.contactability", "Contactability.canRequestContact"}
    flagged = {n for n in names if any(s in n.split(".")[1].lower() for s in suspicious)}
    assert flagged - allowed == set()
