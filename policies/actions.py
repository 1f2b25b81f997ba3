"""Every action the policy decides, with the words of its refusal.

A resolver that acts asks ``Authorizer.authorize(actor, ACTION, resource)``
with one of these; the policy (``suplinks.polar``) holds the rule, this
registry only names the action, the kind of resource it applies to, and
what a refusal says. ``web.errors.refusal`` turns a refusal into the
product's answer: a GraphQL error, or a mutation's ``userErrors`` when
``in_payload`` (a refused mutation writes nothing either way).
"""

from __future__ import annotations

from typing import NamedTuple

# The OAuth scope that lets a partner token read its company's pipeline.
PIPELINE_READ = "pipeline:read"


class Action(NamedTuple):
    name: str  # what Polar receives as the action
    # What it acts on: a plain resource value ("pipeline"), or a facts class's name.
    resource: str
    refusal: str = "You may not do this."  # the FORBIDDEN message
    field: str | None = None  # the argument a refusal names (userErrors, NOT_FOUND)
    in_payload: bool = False  # refused in the payload's userErrors, not as a GraphQL error
    partner_refusal: str | None = None  # the FORBIDDEN message for a partner token, if other


# The member's own account.
READ_ACCOUNT = Action("read", "account")
EDIT_ACCOUNT = Action("edit", "account")
DELETE_ACCOUNT = Action("delete", "account")

# The closed network: profiles by id, blocks, hiding, a precondition of every edge action.
READ_NETWORK = Action("read", "network")
ACT_IN_NETWORK = Action("act", "network")

# The open persona (publicProfile): its owner's choice to publish it decides, for everyone.
READ_OPEN_PERSONA = Action("read", "OpenPersona")

SEARCH = Action("search", "candidates", "Only verified recruiters can search candidates.")

SEND_REQUEST = Action(
    "send", "contact_requests", "Only recruiters can start a contact.", in_payload=True
)
CONTACT = Action("contact", "ContactTarget", field="profileId", in_payload=True)

RESPOND = Action("respond", "EdgeFacts", "Only the candidate answers a request.", "requestId", True)
WITHDRAW_REQUEST = Action(
    "withdraw",
    "EdgeFacts",
    "Only the recruiter withdraws a request; decline it instead.",
    "requestId",
    True,
)
END_CONTACT = Action("end", "EdgeFacts", field="requestId", in_payload=True)
WITHDRAW_CONSENT = Action(
    "withdraw_consent",
    "EdgeFacts",
    "Only the candidate withdraws their consent.",
    "requestId",
    True,
)

READ_PIPELINE = Action(
    "read",
    "pipeline",
    "Only the company's recruiters and its ATS read its pipeline.",
    partner_refusal=f"This token lacks the {PIPELINE_READ} scope.",
)
MANAGE_API_CLIENTS = Action(
    "manage", "api_clients", "Only a company's admins manage its API clients."
)

# A company's recruiters: listed, their roles changed, removed, by its admins.
LIST_COMPANY_MEMBERS = Action(
    "list", "company_members", "Only a company's admins list its recruiters."
)
SET_COMPANY_ROLE = Action(
    "set_role",
    "Colleague",
    "Only a company's admins change roles, and a company always keeps one admin.",
    "profileId",
    True,
)
REMOVE_FROM_COMPANY = Action(
    "remove",
    "Colleague",
    "Only a company's admins remove its recruiters (a recruiter may leave),"
    " and a company always keeps one admin.",
    "profileId",
    True,
)

QUERY_ROOT = Action("query", "RootField", "A partner token may only query `pipeline`.")

ACTIONS: tuple[Action, ...] = (
    READ_ACCOUNT,
    EDIT_ACCOUNT,
    DELETE_ACCOUNT,
    READ_NETWORK,
    ACT_IN_NETWORK,
    READ_OPEN_PERSONA,
    SEARCH,
    SEND_REQUEST,
    CONTACT,
    RESPOND,
    WITHDRAW_REQUEST,
    END_CONTACT,
    WITHDRAW_CONSENT,
    READ_PIPELINE,
    MANAGE_API_CLIENTS,
    LIST_COMPANY_MEMBERS,
    SET_COMPANY_ROLE,
    REMOVE_FROM_COMPANY,
    QUERY_ROOT,
)


def resource_kind(resource: object) -> str:
    """The kind of a resource as ``Action.resource`` names it."""
    return resource if isinstance(resource, str) else type(resource).__name__
