"""The policy over HTTP: six viewers ask for every field of one profile; each gets exactly their set."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from db.models import Contact
from policies.fields import PROFILE_FIELDS
from tests.client import Member
from tests.network_support import unknown_profile_id
from tests.search_world import add_peer_companies
from views import ids

SUBFIELDS = {
    "currentEmployer": "{ id name sector sizeBand }",
    "salaryExpectation": "{ min max currency }",
    "experiences": "{ title employer { name } employerSector start end description }",
}
ALL_FIELDS = " ".join(f"{f} {SUBFIELDS.get(f, '')}" for f in PROFILE_FIELDS)
PROFILE = f"query($id: ID!) {{ profile(id: $id) {{ id alias kind {ALL_FIELDS} }} }}"

CHOSEN = {
    "fullName": "MEMBERS",  # an identity field: still for contacts only
    "headline": "MEMBERS",
    "summary": "MEMBERS",
    "city": "RECRUITERS",
    "phone": "ONLY_ME",
}
RECRUITER_SET = {
    "headline", "summary", "city", "region", "seniority", "employerSector",
    "employerSizeBand", "experienceBand", "skills",
}  # fmt: skip
EXPECTED = {
    "member": {"headline", "summary"},
    "recruiter": RECRUITER_SET,
    "contact": set(PROFILE_FIELDS) - {"phone"},
    "owner": set(PROFILE_FIELDS),
}


async def accept_contact(api, db, recruiter: Member, candidate: Member, company_id: str) -> None:
    """An accepted contact, as the network issue's API produces it."""
    now = datetime.now(UTC)
    recruiter_id = ids.profile_member(api.settings, recruiter.audience, recruiter.id)
    candidate_id = ids.profile_member(api.settings, None, candidate.id)
    async with db.write() as conn:
        await conn.execute(
            insert(Contact.__table__).values(
                id=uuid.uuid4(),
                recruiter_id=recruiter_id,
                candidate_id=candidate_id,
                company_id=ids.decode(ids.COMPANY, company_id),
                status="ACCEPTED",
                message="A personal message",
                created_at=now,
                expires_at=now + timedelta(days=30),
                responded_at=now,
            )
        )


@pytest.fixture
async def world(api, db):
    telecom = await api.company("telecom.example", "Telecom", "Telecommunications", "S5001_PLUS")
    await api.company("northwind.example", "Northwind")
    globex = await api.company("globex.example", "Globex", "Banking")
    await add_peer_companies(db, "Telecommunications", "S5001_PLUS")  # not a lone pair
    owner = await api.sign_up("carla@mail.example", name="Carla Candidate")
    await api.update_profile(
        owner,
        headline="Backend engineer",
        summary="Python and PostgreSQL",
        photoUrl="https://img.example/carla.png",
        phone="+33 6 00 00 00 00",
        city="Lyon",
        region="Auvergne-Rhone-Alpes",
        country="France",
        currentTitle="Staff Engineer",
        seniority="SENIOR",
        currentEmployerId=telecom,
        yearsOfExperience=9,
        skills=["python"],
        salaryExpectation={"min": 60000, "max": 80000, "currency": "EUR"},
        openToOpportunities=True,
        experiences=[{"title": "Engineer", "employerId": telecom, "start": "2016", "end": "2020"}],
    )
    for field, audience in CHOSEN.items():
        await api.set_audience(owner, field, audience)
    viewers = {
        "member": await api.sign_up("mo@mail.example"),
        "recruiter": await api.sign_up("rita@northwind.example", "RECRUITER"),
        "employer recruiter": await api.sign_up("eve@telecom.example", "RECRUITER"),
        "contact": await api.sign_up("gus@globex.example", "RECRUITER"),
        "owner": owner,
    }
    await accept_contact(api, db, viewers["contact"], owner, globex)
    return owner, viewers


def non_null(profile: dict) -> set[str]:
    return {f for f in PROFILE_FIELDS if profile.get(f) is not None}


@pytest.mark.parametrize("viewer", sorted(EXPECTED))
async def test_each_viewer_receives_exactly_their_fields(api, world, viewer):
    owner, viewers = world
    data = await api.data(
        PROFILE, {"id": api.id_for(owner, viewers[viewer])}, viewers[viewer].token
    )
    profile = data["profile"]
    assert profile["alias"] == api.alias_for(owner, viewers[viewer])
    assert non_null(profile) == EXPECTED[viewer]


async def test_current_employer_and_visitor_get_nothing(api, world):
    owner, viewers = world
    employer = viewers["employer recruiter"]
    for token, known in ((employer.token, api.id_for(owner, employer)), (None, owner.id)):
        body = await api(PROFILE, {"id": known}, token)
        assert body == {"data": {"profile": None}}
        unknown = await api(PROFILE, {"id": unknown_profile_id()}, token)
        assert unknown == body  # a forbidden id answers like an unknown one
        node = await api("query($id: ID!) { node(id: $id) { id } }", {"id": known}, token)
        assert node == {"data": {"node": None}}


PREVIEW = f"query($a: Audience!) {{ viewer {{ previewAs(audience: $a) {{ id alias kind {ALL_FIELDS} }} }} }}"

REAL_VIEWER_OF = {
    "MEMBERS": "member",
    "RECRUITERS": "recruiter",
    "CONTACTS": "contact",
    "ONLY_ME": "owner",
}


@pytest.mark.parametrize("audience", sorted(REAL_VIEWER_OF))
async def test_preview_equals_what_a_real_viewer_of_that_audience_receives(api, world, audience):
    owner, viewers = world
    preview = (await api.data(PREVIEW, {"a": audience}, owner.token))["viewer"]["previewAs"]
    viewer = viewers[REAL_VIEWER_OF[audience]]
    real = (await api.data(PROFILE, {"id": api.id_for(owner, viewer)}, viewer.token))["profile"]
    # The fields are the audience's; the id and alias are the owner's own: each company
    # knows her under its own pair (Promise: Pseudonyms per company), so there is no
    # one pair "recruiters" see to show.
    assert (preview["id"], preview["alias"]) == (owner.id, owner.alias)
    assert (real["id"], real["alias"]) == (api.id_for(owner, viewer), api.alias_for(owner, viewer))
    unnamed = ("id", "alias")
    assert {k: v for k, v in preview.items() if k not in unnamed} == {
        k: v for k, v in real.items() if k not in unnamed
    }
