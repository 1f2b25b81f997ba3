"""The policy, table-driven against docs/design.md, and the memo against fresh Oso queries."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import strawberry
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.authorizer import POLICY_PATH, Authorizer, get_authorizer
from policies.facts import EdgeRelation, Relation
from policies.fields import IDENTITY_FIELDS, PRIVATE_FIELDS, Audience

AUDIENCES = [a.value for a in Audience]

# What a consent receipt may list: here, all but two fields (one identity field).
CONSENTED = tuple(sorted(PRIVATE_FIELDS - {"phone", "salaryExpectation", "experiences.end"}))

# How a viewer may stand to a member (docs/design.md, "Vocabulary": relationship facts).
RELATIONS = {
    "logged-out visitor": Relation(),
    "member": Relation(is_member=True),
    "recruiter": Relation(is_member=True, is_recruiter=True),
    "contact (recruiter)": Relation(is_member=True, is_recruiter=True, is_contact=True),
    "contact (candidate)": Relation(is_member=True, is_contact=True),
    "blocked recruiter": Relation(is_member=True, is_recruiter=True, blocked=True),
    "blocked contact": Relation(is_member=True, is_contact=True, blocked=True),
    "owner": Relation(is_self=True, is_member=True),
    "recruiter, owner on confidential search": Relation(
        is_member=True, is_recruiter=True, owner_confidential=True
    ),
    "contact, owner on confidential search": Relation(
        is_member=True, is_contact=True, owner_confidential=True
    ),
    # A partner ATS stands as a contact to a candidate who consented (views.standing),
    # limited to the fields of the receipts; to anyone else as nobody (Relation()).
    "consented partner ATS": Relation(is_contact=True, is_partner=True, consented_fields=CONSENTED),
    "consented partner ATS, candidate blocks the company": Relation(
        is_contact=True,
        is_partner=True,
        owner_blocks_viewers_company=True,
        consented_fields=CONSENTED,
    ),
    "consented partner ATS, candidate hides from the company": Relation(
        is_contact=True,
        is_partner=True,
        owner_hides_from_viewers_company=True,
        consented_fields=CONSENTED,
    ),
    # One-way company hiding: the owner hides from a company the viewer is a verified member of.
    "recruiter of a company the owner blocks": Relation(
        is_member=True, is_recruiter=True, owner_blocks_viewers_company=True
    ),
    "contact at the employer the owner hides from": Relation(
        is_member=True, is_contact=True, owner_hides_from_viewers_company=True
    ),
}


def design_says(rel: Relation, field: str, audience: str) -> bool:
    """docs/design.md, "Vocabulary" and "The promises", written independently of the Polar file."""
    if rel.is_self:
        return True
    if rel.blocked:
        return False  # Promise (Hidden members do not exist): the member does not exist for them
    if rel.owner_blocks_viewers_company or rel.owner_hides_from_viewers_company:
        return False  # Promise (Company blocks and hiding are one-way): the owner hides from them
    if not (rel.is_member or rel.is_partner):
        return False  # the closed persona is for logged-in viewers
    if rel.is_partner and field not in rel.consented_fields:
        return False  # Promise (Partners see only consented fields): a partner ATS reads the consented fields only
    in_audience = {
        "MEMBERS": True,
        "RECRUITERS": rel.is_recruiter or rel.is_contact,
        "CONTACTS": rel.is_contact,
        "ONLY_ME": False,
    }[audience]
    if field in IDENTITY_FIELDS:
        return rel.is_contact and in_audience  # anonymous until a contact is accepted
    if rel.owner_confidential and field == "currentEmployer" and not rel.is_contact:
        return False
    return in_audience


CASES = list(itertools.product(RELATIONS, sorted(PRIVATE_FIELDS), AUDIENCES))


@pytest.mark.parametrize(("relation", "field", "audience"), CASES)
def test_field_is_readable_exactly_when_design_says(relation, field, audience):
    authorizer = get_authorizer()
    rel = RELATIONS[relation]
    readable = authorizer.can_see(rel) and authorizer.field_decider(rel)(field, audience)
    assert readable == design_says(rel, field, audience)


relations = st.builds(
    Relation,
    is_self=st.booleans(),
    is_member=st.booleans(),
    is_recruiter=st.booleans(),
    is_contact=st.booleans(),
    is_partner=st.booleans(),
    blocked=st.booleans(),
    owner_blocks_viewers_company=st.booleans(),
    owner_hides_from_viewers_company=st.booleans(),
    owner_confidential=st.booleans(),
    consented_fields=st.lists(st.sampled_from(sorted(PRIVATE_FIELDS)), unique=True).map(
        lambda fields: tuple(sorted(fields))
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    rel=relations,
    field=st.sampled_from(sorted(PRIVATE_FIELDS)),
    audience=st.sampled_from(AUDIENCES),
)
def test_memo_answers_exactly_like_a_fresh_oso_query(rel, field, audience):
    authorizer = get_authorizer()
    # Ask twice: the first may fill the memo, the second surely reads it.
    decide = authorizer.field_decider(rel)
    decide(field, audience)
    assert decide(field, audience) == authorizer.ask_field(rel, field, audience)
    authorizer.can_see(rel)
    assert authorizer.can_see(rel) == authorizer.ask_see(rel)


@settings(max_examples=20, deadline=None)
@given(endpoint=st.booleans(), partner=st.booleans())
def test_edge_memo_matches_fresh_query(endpoint, partner):
    authorizer = get_authorizer()
    rel = EdgeRelation(is_endpoint=endpoint, is_consented_partner=partner)
    assert authorizer.can_read_edge(rel) == authorizer.ask_edge(rel, "status")
    assert authorizer.can_read_edge(rel) == (endpoint or partner)


def test_edited_policy_takes_effect_after_restart(tmp_path: Path):
    policy = tmp_path / "suplinks.polar"
    policy.write_text(POLICY_PATH.read_text())
    member = Relation(is_member=True)
    before = Authorizer(policy)
    assert before.field_decider(member)("headline", "MEMBERS") is True  # now memoized

    # Edit the policy: MEMBERS no longer admits plain members. No code changes.
    policy.write_text(
        POLICY_PATH.read_text().replace(
            'admits(rel: Relation, "MEMBERS") if rel.is_member or rel.is_contact;',
            'admits(rel: Relation, "MEMBERS") if rel.is_contact;',
        )
    )
    after = Authorizer(policy)  # what a restart does
    assert after.policy_hash != before.policy_hash
    assert after.field_decider(member)("headline", "MEMBERS") is False
    assert get_authorizer().field_decider(member)("headline", "MEMBERS") is True


def test_a_field_without_a_decision_cannot_ship():
    from schema.types import Profile
    from views.profiles import check_registry

    @strawberry.type
    class ProfileWithLeak(Profile):
        home_address: str | None = None

    check_registry()  # the real types are fully decided
    with pytest.raises(RuntimeError, match="homeAddress"):
        check_registry(ProfileWithLeak)
