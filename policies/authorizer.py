"""The only way the rest of the code asks a policy question.

Two kinds of question: what a viewer may *see* (a member, a field, an edge),
and what an actor may *do* (``authorize``, over the actions of
``policies.actions``). Each goes to Oso once per distinct input: the answer is
memoized process-wide, keyed on the whole input (the facts, the field and its
audience, or the actor, the action and the resource) and on the policy file's
hash. Because Oso sees only immutable
values, the memo cannot go stale within a process; an edited policy file has
another hash, so it takes effect after a restart with no code change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from oso import Oso

from policies.actions import Action, resource_kind
from policies.facts import (
    ActorFacts,
    Colleague,
    ContactTarget,
    EdgeFacts,
    EdgeField,
    EdgeRelation,
    FieldRef,
    OpenPersona,
    Relation,
    RootField,
)
from policies.fields import AUDIENCE_ORDER, IDENTITY_FIELDS, Audience

POLICY_PATH = Path(__file__).with_name("suplinks.polar")

# policy hash -> relation -> (field, audience[, exact readable]) -> decision.
# Two levels so that the hot path hashes a relation once per profile.
_FIELD_MEMO: dict[str, dict[Relation, dict[tuple, bool]]] = {}
_SEE_MEMO: dict[str, dict[Relation, bool]] = {}
_EDGE_MEMO: dict[str, dict[EdgeRelation, bool]] = {}
# policy hash -> (actor, action, resource type, resource) -> None (allowed) or a refusal code.
_ACTION_MEMO: dict[str, dict[tuple, str | None]] = {}

UNAUTHENTICATED = "UNAUTHENTICATED"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"


class Denied(Exception):
    """The policy refused an action: ``code`` is UNAUTHENTICATED, NOT_FOUND or FORBIDDEN.

    A policies-level exception rather than a ``web.errors`` one: ``web``
    imports ``policies`` (the context holds the authorizer), so the reverse
    import would be a cycle, and the policy has no business knowing whether a
    refusal becomes a GraphQL error or a mutation's ``userErrors``.
    ``web.errors.refusal`` makes that choice, from the action's registry entry.
    """

    def __init__(self, code: str, action: Action) -> None:
        super().__init__(f"{code}: {action.name} on {action.resource}")
        self.code = code
        self.action = action


class _Member:
    """Stands for "a member" in ``allow(rel, "see", member)``: the facts say it all."""


MEMBER = _Member()


class Authorizer:
    """Answers "may this viewer see this member / read this field / do this?" from the policy."""

    def __init__(self, policy_path: Path = POLICY_PATH) -> None:
        text = policy_path.read_text()
        self.policy_hash = hashlib.sha256(text.encode()).hexdigest()
        self._oso = Oso()
        for cls in (
            Relation,
            FieldRef,
            EdgeRelation,
            EdgeField,
            _Member,
            ActorFacts,
            EdgeFacts,
            ContactTarget,
            Colleague,
            RootField,
            OpenPersona,
        ):
            self._oso.register_class(cls)
        self._oso.load_str(text)
        self._fields = _FIELD_MEMO.setdefault(self.policy_hash, {})
        self._see = _SEE_MEMO.setdefault(self.policy_hash, {})
        self._edges = _EDGE_MEMO.setdefault(self.policy_hash, {})
        self._actions = _ACTION_MEMO.setdefault(self.policy_hash, {})
        # Questions the memo could not answer, each asked of Oso (a metric, web/observe.py).
        self.misses = 0

    def memo_size(self) -> int:
        """Decisions memoized for this policy (a metric: it grows to a plateau, then stays)."""
        fields = sum(len(memo) for memo in self._fields.values())
        return fields + len(self._see) + len(self._edges) + len(self._actions)

    # -- memoized questions (the hot path) ---------------------------------

    def can_see(self, rel: Relation) -> bool:
        """May the viewer see this member at all? If not, the member does not exist for them."""
        try:
            return self._see[rel]
        except KeyError:
            decision = self._see[rel] = self.ask_see(rel)
            return decision

    def field_decider(self, rel: Relation) -> FieldDecider:
        """A callable deciding fields for one relation: one memo lookup per field."""
        memo = self._fields.get(rel)
        if memo is None:
            memo = self._fields[rel] = {}
        return FieldDecider(self, rel, memo)

    def can_read_edge(self, rel: EdgeRelation) -> bool:
        """May the viewer read a contact request's fields? (the same answer for each field)."""
        try:
            return self._edges[rel]
        except KeyError:
            decision = self._edges[rel] = self.ask_edge(rel, "status")
            return decision

    def readable_audiences(self, rel: Relation, field: str) -> list[Audience]:
        """The audiences under which this relation may read ``field``.

        Search derives its SQL from this, so the SQL cannot drift from the policy.
        """
        decide = self.field_decider(rel)
        return [aud for aud in AUDIENCE_ORDER if decide(field, aud.value)]

    def lone_audiences(self, rel: Relation, field: str) -> list[Audience]:
        """The audiences under which this relation may read a coarse ``field`` whose
        value is lone, when it may read the exact field (search's SQL, likewise)."""
        decide = self.field_decider(rel)
        return [aud for aud in AUDIENCE_ORDER if decide.lone(field, aud.value, True)]

    def authorize(self, actor: ActorFacts, action: Action, resource: object) -> None:
        """Return if the policy lets ``actor`` do ``action`` on ``resource``, else raise Denied."""
        code = self.refusal_code(actor, action, resource)
        if code is not None:
            raise Denied(code, action)

    def allowed(self, actor: ActorFacts, action: Action, resource: object) -> bool:
        """The same decision as ``authorize``, as a boolean (for "what may I do" fields)."""
        return self.refusal_code(actor, action, resource) is None

    def refusal_code(self, actor: ActorFacts, action: Action, resource: object) -> str | None:
        """None when allowed, else the refusal's code (memoized like field decisions).

        The resource's type is part of the key: two facts tuples with equal
        values but different classes are different resources.
        """
        key = (actor, action.name, type(resource), resource)
        try:
            return self._actions[key]
        except KeyError:
            code = self._actions[key] = self.ask_action(actor, action, resource)
            return code

    # -- fresh questions (no memo): the reference the memo is tested against --

    def ask_see(self, rel: Relation) -> bool:
        self.misses += 1
        return bool(self._oso.query_rule_once("allow", rel, "see", MEMBER))

    def ask_field(
        self,
        rel: Relation,
        field: str,
        audience: str,
        lone: bool = False,
        exact_readable: bool = False,
    ) -> bool:
        self.misses += 1
        ref = FieldRef(field, audience, _is_identity(field), lone, exact_readable)
        return bool(self._oso.query_rule_once("allow", rel, "read", ref))

    def ask_edge(self, rel: EdgeRelation, field: str) -> bool:
        self.misses += 1
        return bool(self._oso.query_rule_once("allow", rel, "read", EdgeField(field)))

    def ask_action(self, actor: ActorFacts, action: Action, resource: object) -> str | None:
        """Ask Oso, and name a refusal the way Oso's own ``authorize`` does.

        Refused, an anonymous actor is told to log in (UNAUTHENTICATED); an
        actor who may not even "see" the resource is told it does not exist
        (NOT_FOUND: Hidden members do not exist, Edges are private); anyone
        else is told no (FORBIDDEN).
        """
        self.misses += 1
        if resource_kind(resource) != action.resource:
            raise TypeError(f"{action.name!r} acts on {action.resource}, not on {resource!r}")
        if self._oso.query_rule_once("allow", actor, action.name, resource):
            return None
        if actor.kind == "ANONYMOUS":
            return UNAUTHENTICATED
        if not self._oso.query_rule_once("allow", actor, "see", resource):
            return NOT_FOUND
        return FORBIDDEN


class FieldDecider:
    """Decides fields for one (viewer, owner) relation; built once per profile."""

    __slots__ = ("_authorizer", "_memo", "_rel")

    def __init__(self, authorizer: Authorizer, rel: Relation, memo: dict) -> None:
        self._authorizer = authorizer
        self._rel = rel
        self._memo = memo

    def __call__(self, field: str, audience: str) -> bool:
        key = (field, audience)
        try:
            return self._memo[key]
        except KeyError:
            decision = self._memo[key] = self._authorizer.ask_field(self._rel, field, audience)
            return decision

    def lone(self, field: str, audience: str, exact_readable: bool) -> bool:
        """The decision for a coarse companion whose value is lone (shared by fewer
        than k companies), given whether the exact field is readable."""
        key = (field, audience, exact_readable)
        try:
            return self._memo[key]
        except KeyError:
            decision = self._memo[key] = self._authorizer.ask_field(
                self._rel, field, audience, True, exact_readable
            )
            return decision

    def readable(self, fields: Iterable[str], audiences: dict[str, str]) -> set[str]:
        return {f for f in fields if self(f, audiences[f])}


def _is_identity(field: str) -> bool:
    return field in IDENTITY_FIELDS


_default: Authorizer | None = None


def get_authorizer() -> Authorizer:
    """The process's authorizer: one Oso, built once (its set-up is not thread-safe)."""
    global _default
    if _default is None:
        _default = Authorizer()
    return _default
