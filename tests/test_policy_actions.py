"""Every "may this actor do this" decision is the policy's.

- ``design_says_action`` is the design's (docs/design.md) answer, written from its words and
  never from the Polar file; the policy must agree with it on every actor,
  action and resource (hypothesis over the whole fact space, and an
  exhaustive pass over the actors that matter).
- The comparison is sensitive: each action rule of the policy, removed on its
  own, makes it find a mismatch.
- Every action of the registry has a rule, and no module outside the policy
  keeps a private ``if`` about who may act.
- Over HTTP, each action refuses with today's exact answer.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.actions import ACTIONS, PIPELINE_READ, Action
from policies.actions import RESPOND as RESPOND_ACTION
from policies.authorizer import POLICY_PATH, Authorizer, Denied, get_authorizer
from policies.facts import ActorFacts, Colleague, ContactTarget, EdgeFacts, OpenPersona, RootField
from tests.network_support import (
    END,
    RESPOND,
    SEND,
    WITHDRAW,
    contact,
    personal,
    request_ok,
    unknown_request_id,
)
from tests.partner_support import CREATE_CLIENT, PIPELINE, WITHDRAW_CONSENT, ats_for
from tests.search_world import SEARCH

ROOT = Path(__file__).resolve().parent.parent
MEMBER_KINDS = ("CANDIDATE", "RECRUITER")
ROLES = ("ADMIN", "RECRUITER")
INTROSPECTION = ("__schema", "__type", "__typename")

# --- the design's answer -----------------------------------------------------------


def _design_allows(actor: ActorFacts, action: Action, resource) -> tuple[bool, bool]:
    """(may the actor do it, does the resource exist for them), from the design's words."""
    # Section 3: a member is a candidate or a recruiter; "Trust starts with a proven mailbox": "unverified
    # accounts can do nothing".
    member = actor.kind in MEMBER_KINDS and actor.verified
    # Section 3: "Verified recruiter: a member who proved a mailbox on a company's
    # verified domain": a recruiter with a proven mailbox and a role in a company.
    verified_recruiter = member and actor.kind == "RECRUITER" and actor.company_role is not None
    partner = actor.kind == "PARTNER"
    if resource == "account":
        return member, True  # "The member's own data": the member's own data, for the member
    if resource == "network":
        return member, True  # section 3: the closed persona is for logged-in members
    # Section 3, "Company roles": ADMIN manages the company's API clients and
    # recruiters ("Trust starts with a proven mailbox": only a company's admins).
    admin = verified_recruiter and actor.company_role == "ADMIN"
    if resource in ("candidates", "contact_requests"):
        # Search is for verified recruiters (README); "Only recruiters start a contact": only recruiters
        # initiate contact.
        return verified_recruiter, True
    if resource in ("api_clients", "company_members"):
        return admin, True
    if isinstance(resource, Colleague):
        # "Trust starts with a proven mailbox": admins manage the company's recruiters (a recruiter may leave
        # on their own); section 3: "A company always keeps one admin";
        # "No membership oracle": a member outside one's company is unknown to these actions.
        exists = resource.same_company
        keeps_admin = not resource.last_admin or resource.new_role == "ADMIN"
        may = admin or (action.name == "remove" and verified_recruiter and resource.is_self)
        return exists and keeps_admin and may, exists
    if resource == "pipeline":
        # "Partners see only consented fields": the company side reads its consented pipeline: its recruiters,
        # and its ATS with a token scoped for it (docs/ats.md).
        return verified_recruiter or (partner and PIPELINE_READ in actor.scopes), True
    if isinstance(resource, ContactTarget):
        # "Only recruiters start a contact": only to candidates who are contactable and do not block them;
        # "Hidden members do not exist" and "No membership oracle": any other target answers like an unknown id.
        exists = resource.visible and resource.kind == "CANDIDATE" and resource.contactable
        return verified_recruiter and exists, exists
    if isinstance(resource, EdgeFacts):
        # "Edges are private": an edge is visible to its two endpoints only ("Hidden members do not exist": and only
        # while the other end exists for them). Section 3: the candidate answers
        # (and withdraws the consent they gave), the recruiter withdraws what
        # they sent, either side ends an accepted contact.
        mine = member and resource.side is not None and resource.counterpart_visible
        sides = {
            "respond": {"candidate"},
            "withdraw_consent": {"candidate"},
            "withdraw": {"recruiter"},
            "end": {"candidate", "recruiter"},
        }[action.name]
        # "Consent is the candidate's to take back": she ends her own live contact
        # and withdraws her consent on it whatever happened since, even when
        # the other end is hidden from her.
        hers = (
            member
            and resource.side == "candidate"
            and resource.live
            and action.name in ("end", "withdraw_consent")
        )
        return (mine and resource.side in sides) or hers, mine
    if isinstance(resource, OpenPersona):
        # Section 3, "Two personas": the open persona "answers the same to every
        # viewer, logged in or not, blocked or not", once "published only when its
        # owner switches it on"; unpublished it is an unknown handle ("No membership oracle").
        return resource.published, resource.published
    if isinstance(resource, RootField):
        # Section 2: a partner ATS pulls its pipeline; nobody else is limited here.
        if partner:
            return resource.name in ("pipeline", *INTROSPECTION), True
        return True, True
    raise AssertionError(f"no design answer for {action} on {resource!r}")


def design_says_action(actor: ActorFacts, action: Action, resource) -> str | None:
    """None when the design allows it, else the refusal's code (section 7's codes)."""
    allowed, exists = _design_allows(actor, action, resource)
    if allowed:
        return None
    if actor.kind == "ANONYMOUS":
        return "UNAUTHENTICATED"  # log in first
    return (
        "FORBIDDEN" if exists else "NOT_FOUND"
    )  # "Hidden members do not exist" and "Opaque ids": hidden is unknown


# --- the fact space ---------------------------------------------------------------

ROOT_NAMES = ("pipeline", "viewer", "searchCandidates", "sendContactRequest", "?", *INTROSPECTION)
RESOURCES: dict[str, list] = {
    "EdgeFacts": [
        EdgeFacts(side, visible, live)
        for side, visible, live in itertools.product(
            (None, "candidate", "recruiter"), (False, True), (False, True)
        )
    ],
    "ContactTarget": [
        ContactTarget(visible, kind, contactable)
        for visible, kind, contactable in itertools.product(
            (False, True), (None, *MEMBER_KINDS), (False, True)
        )
    ],
    "RootField": [RootField(name) for name in ROOT_NAMES],
    "OpenPersona": [OpenPersona(False), OpenPersona(True)],
    "Colleague": [
        Colleague(same, is_self, last_admin, new_role)
        for same, is_self, last_admin, new_role in itertools.product(
            (False, True), (False, True), (False, True), (None, "ADMIN", "RECRUITER")
        )
    ],
}


def resources_for(action: Action) -> list:
    return RESOURCES.get(action.resource, [action.resource])


# The actors whose facts matter to today's policy; hypothesis draws the rest.
ACTORS = [
    ActorFacts(),
    *(
        ActorFacts(kind, verified, role)
        for kind in MEMBER_KINDS
        for verified in (False, True)
        for role in (None, *ROLES)
    ),
    ActorFacts("PARTNER", scopes=()),
    ActorFacts("PARTNER", scopes=(PIPELINE_READ,)),
]
CASES = [
    (actor, action, resource)
    for action in ACTIONS
    for resource in resources_for(action)
    for actor in ACTORS
]


def mismatches(authorizer: Authorizer, cases=CASES):
    """Each case where the policy's fresh answer differs from the design's."""
    for actor, action, resource in cases:
        got = authorizer.ask_action(actor, action, resource)
        if got != design_says_action(actor, action, resource):
            yield actor, action, resource, got


def test_the_policy_answers_every_action_as_the_design_says():
    assert list(mismatches(get_authorizer())) == []


actors = st.builds(
    ActorFacts,
    kind=st.sampled_from(["ANONYMOUS", *MEMBER_KINDS, "PARTNER"]),
    verified=st.booleans(),
    company_role=st.sampled_from([None, "ADMIN", "RECRUITER"]),
    scopes=st.lists(st.sampled_from([PIPELINE_READ, "admin", "pipeline"]), unique=True).map(
        lambda scopes: tuple(sorted(scopes))
    ),
)
requests = st.sampled_from(ACTIONS).flatmap(
    lambda action: st.tuples(st.just(action), st.sampled_from(resources_for(action)))
)


@settings(max_examples=300, deadline=None)
@given(actor=actors, request=requests)
def test_random_actors_actions_and_resources_match_the_design(actor, request):
    authorizer = get_authorizer()
    action, resource = request
    expected = design_says_action(actor, action, resource)
    authorizer.refusal_code(actor, action, resource)  # may fill the memo
    assert authorizer.refusal_code(actor, action, resource) == expected  # surely reads it
    assert authorizer.ask_action(actor, action, resource) == expected  # a fresh Oso query
    assert authorizer.allowed(actor, action, resource) == (expected is None)


def test_authorize_raises_the_refusal_and_checks_the_resource_kind():
    authorizer = get_authorizer()
    candidate = ActorFacts("CANDIDATE", verified=True)
    assert authorizer.authorize(candidate, RESPOND_ACTION, EdgeFacts("candidate", True)) is None
    for resource, code in (
        (EdgeFacts("recruiter", True), "FORBIDDEN"),
        (EdgeFacts("candidate", False), "NOT_FOUND"),
        (EdgeFacts(None, True), "NOT_FOUND"),
    ):
        with pytest.raises(Denied) as denied:
            authorizer.authorize(candidate, RESPOND_ACTION, resource)
        assert (denied.value.code, denied.value.action) == (code, RESPOND_ACTION)
    with pytest.raises(Denied, match="UNAUTHENTICATED"):
        authorizer.authorize(ActorFacts(), RESPOND_ACTION, EdgeFacts("candidate", True))
    with pytest.raises(TypeError):  # an action asked about the wrong kind of resource
        authorizer.ask_action(candidate, RESPOND_ACTION, "pipeline")


# --- the comparison is sensitive to every rule ------------------------------------


def action_rules(policy: str) -> list[str]:
    """Each statement under a ``# Promise (...)`` comment in the policy's "Doing" part.

    A rule runs from its first line to the line ending with ``;``; a blank line,
    a block's opening or closing line, or a comment that is not a promise ends
    a group of rules under one promise.
    """
    rules: list[str] = []
    current: list[str] = []
    in_promise = False
    for line in policy[policy.index("# Doing:") :].splitlines(keepends=True):
        stripped = line.strip()
        if current:
            current.append(line)
        elif stripped.startswith("# Promise ("):
            in_promise = True
        elif stripped.startswith("#") and in_promise:
            continue  # the promise's comment goes on
        elif not stripped or stripped.startswith("#") or stripped.endswith("{") or stripped == "}":
            in_promise = False
        elif in_promise:
            current = [line]
        if current and stripped.endswith(";"):
            rules.append("".join(current))
            current = []
    return rules


def test_each_action_rule_removed_alone_is_caught(tmp_path: Path):
    """How this was checked: every rule under a promise in the "Doing" part is
    found (28 today, listed by ``action_rules``; the count below fails if one is
    added without the parser seeing it), removed on its own into a temporary
    policy file, loaded into a fresh Authorizer (a new policy hash, so a fresh
    memo), and the exhaustive comparison with ``design_says_action`` must then
    find at least one mismatch. A rule whose removal changed nothing would be
    dead, or the oracle blind to it."""
    policy = POLICY_PATH.read_text()
    rules = action_rules(policy)
    assert len(rules) == 28, rules
    for rule in rules:
        assert policy.count(rule) == 1, rule
        path = tmp_path / "without.polar"
        path.write_text(policy.replace(rule, "", 1))
        found = next(mismatches(Authorizer(path)), None)
        assert found is not None, f"removing this rule changed nothing:\n{rule}"


# --- the registry and the code that asks it ---------------------------------------


def test_every_registered_action_has_a_rule_that_grants_it():
    authorizer = get_authorizer()
    for action in ACTIONS:
        assert any(
            authorizer.allowed(actor, action, resource)
            for actor in ACTORS
            for resource in resources_for(action)
        ), f"no rule lets anyone {action.name} on {action.resource}"


def test_the_edge_resource_block_declares_exactly_the_registered_edge_actions():
    block = re.search(r"resource EdgeFacts \{(.*?)\n\}", POLICY_PATH.read_text(), re.S)
    permissions = re.search(r"permissions = \[(.*?)\];", block.group(1), re.S)
    declared = set(re.findall(r'"(\w+)"', permissions.group(1)))
    registered = {a.name for a in ACTIONS if a.resource == "EdgeFacts"}
    assert declared == registered | {"see"}


# What decided who may act before the policy decided actions. A match anywhere but in the places
# below means a resolver decides on its own again.
DECIDING = re.compile(
    r"\.is_recruiter|\.is_partner|require_member|require_recruiter|forbidden\(|"
    r"unauthenticated\(|\.scopes\b|\"FORBIDDEN\""
)
# Where such words belong: where facts for the policy are built from an
# identity, where a refusal is mapped to an answer, where tokens carry scopes.
ALLOWED = {
    "auth/identity.py": "defines is_recruiter/is_partner and builds the actor's facts",
    "auth/security.py": "reads and writes a token's scopes",
    "views/standing.py": "builds Relation facts from the identity",
    "views/contacts.py": "builds EdgeRelation facts (the company side of an edge)",
    "web/context.py": "picks the facts loader by viewer; passes is_partner to the refusal",
    "web/errors.py": "defines the errors and maps a refusal to one",
}
# A dead bearer token is no policy question: the credential itself is refused.
# The data export names where an API client's scopes go in its document.
ALLOWED_LINES = {
    ("web/extensions.py", "execution.pre_execution_errors = [unauthenticated("),
    ("views/export.py", '"scopes": "apiClients[].scopes",'),
}


def test_no_module_outside_the_policy_decides_who_may_act():
    """A grep rather than a walk of every resolver's call graph: the old checks
    had a small, fixed vocabulary (listed in ``DECIDING``), and a grep catches
    one wherever it comes back, including in helpers that a walk of the root
    fields would only reach with arguments valid enough to get past input
    validation."""
    offenders = []
    for folder in ("auth", "web", "views", "resolvers", "schema", "demo"):
        for path in sorted((ROOT / folder).glob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if DECIDING.search(line) and not any(
                    relative == file and text in line for file, text in ALLOWED_LINES
                ):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
    assert DECIDING.search("if not me.is_recruiter:")  # the grep does catch the old style


# --- over HTTP: each action refuses with today's answer ---------------------------


def _error(body: dict) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]


def _user_errors(payload: dict) -> list[tuple[str, str, str | None]]:
    return [(e["code"], e["message"], e["field"]) for e in payload["userErrors"]]


@pytest.fixture
async def world(api):
    await api.company("acme.example", "Acme")
    rita = await api.make_admin(await api.sign_up("rita@acme.example", "RECRUITER", "Rita"))
    sam = await api.sign_up("sam@acme.example", "RECRUITER", "Sam")
    cara = await api.sign_up("cara@mail.example", "CANDIDATE", "Cara")
    dan = await api.sign_up("dan@mail.example", "CANDIDATE", "Dan")
    pending = await request_ok(api, rita, dan, personal("Dan"))
    accepted = await contact(api, rita, cara, personal("Cara"))
    api.http.cookies.clear()
    return {"rita": rita, "sam": sam, "cara": cara, "dan": dan}, pending, accepted


async def test_a_candidate_may_not_search_send_or_read_the_pipeline(api, world):
    members, _, _ = world
    cara = members["cara"].token
    assert _error(await api(SEARCH, {}, cara)) == (
        "FORBIDDEN",
        "Only verified recruiters can search candidates.",
    )
    sent = (await api.data(SEND, {"p": members["dan"].id, "m": personal("Dan")}, cara))[
        "sendContactRequest"
    ]
    assert _user_errors(sent) == [("FORBIDDEN", "Only recruiters can start a contact.", None)]
    assert _error(await api(PIPELINE, {}, cara)) == (
        "FORBIDDEN",
        "Only the company's recruiters and its ATS read its pipeline.",
    )
    created = await api(CREATE_CLIENT, {"name": "x", "scopes": [PIPELINE_READ]}, cara)
    assert _error(created) == ("FORBIDDEN", "Only a company's admins manage its API clients.")


async def test_each_side_may_do_only_its_own_edge_actions(api, world):
    members, pending, accepted = world
    rita, dan = members["rita"].token, members["dan"].token
    answered = (await api.data(RESPOND, {"r": pending, "a": True, "s": False}, rita))[
        "respondToContactRequest"
    ]
    assert _user_errors(answered) == [
        ("FORBIDDEN", "Only the candidate answers a request.", "requestId")
    ]
    consent = (await api.data(WITHDRAW_CONSENT, {"r": accepted}, rita))["withdrawAtsConsent"]
    assert _user_errors(consent) == [
        ("FORBIDDEN", "Only the candidate withdraws their consent.", "requestId")
    ]
    withdrawn = (await api.data(WITHDRAW, {"r": pending}, dan))["withdrawContactRequest"]
    assert _user_errors(withdrawn) == [
        ("FORBIDDEN", "Only the recruiter withdraws a request; decline it instead.", "requestId")
    ]


async def test_a_member_off_the_edge_acts_on_it_as_on_an_unknown_id(api, world):
    members, pending, accepted = world
    unknown = unknown_request_id()
    for outsider in (members["sam"], members["dan"]):  # a colleague of Rita; another candidate
        for query, variables, name in (
            (END, {"r": accepted}, "endContact"),
            (RESPOND, {"r": pending, "a": True, "s": False}, "respondToContactRequest"),
            (WITHDRAW, {"r": accepted}, "withdrawContactRequest"),
        ):
            if outsider is members["dan"] and variables["r"] == pending:
                continue  # Dan is on that edge
            theirs = (await api.data(query, variables, outsider.token))[name]
            none = (await api.data(query, {**variables, "r": unknown}, outsider.token))[name]
            assert _user_errors(theirs) == _user_errors(none)
            assert _user_errors(theirs) == [("NOT_FOUND", "No such member.", "requestId")]


async def test_anonymous_actions_are_told_to_log_in(api, world):
    members, pending, accepted = world
    for query, variables in (
        (SEARCH, {}),
        (SEND, {"p": members["cara"].id, "m": personal("Cara")}),
        (RESPOND, {"r": pending, "a": True, "s": False}),
        (END, {"r": accepted}),
        (PIPELINE, {}),
        (CREATE_CLIENT, {"name": "x", "scopes": [PIPELINE_READ]}),
    ):
        assert _error(await api(query, variables)) == (
            "UNAUTHENTICATED",
            "You must be logged in to do this.",
        )


@pytest.mark.parametrize(
    "query",
    ["{ viewer { profile { id } } }", "{ companies { id } }", "{ noSuchField }"],
)
async def test_a_partner_token_may_ask_no_other_root_field(api, world, query):
    members, _, _ = world
    token = await ats_for(api, members["rita"])
    body = await api(query, token=token)
    assert body["data"] is None
    assert _error(body) == ("FORBIDDEN", "A partner token may only query `pipeline`.")
    assert (await api(PIPELINE, {}, token)).get("errors") is None
