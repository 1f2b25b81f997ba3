"""``view_profiles`` loads rows with the viewer's facts in one query, whatever the number
of owners, and shares field plans between its profiles without changing any of them."""

from __future__ import annotations

import uuid
from pathlib import Path

from auth.identity import Identity
from bench.world import seed
from config import Settings
from db.facts import RawFacts
from policies.authorizer import get_authorizer
from policies.fields import PROFILE_FIELDS
from views import ids
from views.profiles import FieldPlans, build_profile, view_profiles
from views.standing import relation_for
from web.context import Context


async def test_one_query_for_rows_and_facts_and_unknown_ids_are_null(db, settings):
    world = await seed(db, 4)  # candidate 0 is an accepted contact of the viewer
    ctx = Context(db=db, settings=settings, authorizer=get_authorizer(), identity=world.viewer)
    unknown = uuid.uuid4()
    db.counter.reset()
    out = await view_profiles(
        ctx, [unknown, *world.owner_ids], {"id": {}, "fullName": {}, "experienceBand": {}}
    )
    assert db.counter.count == 1
    assert out[0] is None
    audience = world.viewer.audience  # the viewer's company: ids as it knows them
    assert [p.id for p in out[1:]] == [
        ids.profile_id(settings, audience, o) for o in world.owner_ids
    ]
    assert out[1].full_name == "Candidate 0 Lastname"  # the contact's identity
    assert [p.full_name for p in out[2:]] == [None, None, None]  # nobody else's
    assert all(p.experience_band is not None for p in out[1:])  # a RECRUITERS field


def _row(kind: str, audiences: dict[str, str]) -> dict:
    """A profile row with a value in every column the profile fields read."""
    return {
        "member_id": uuid.uuid4(),
        "kind": kind,
        "company_id": None,
        "alias": "Some Alias",
        "audiences": audiences,
        "confidential_search": False,
        "full_name": "Full Name",
        "headline": "Headline",
        "summary": "Summary",
        "photo_url": "https://photo.example/p.png",
        "email": "me@mail.example",
        "phone": "+33 1 23 45 67 89",
        "city": "Rennes",
        "region": "Bretagne",
        "country": "FR",
        "current_title": "Engineer",
        "seniority": "SENIOR",
        "current_employer_id": uuid.uuid4(),
        "employer_name": "Acme",
        "employer_sector": "Energy",
        "employer_size_band": "S51_200",
        "sector_crowd": 7,
        "pair_crowd": 2,  # the size band is lone under k = 5, the sector is not
        "years_of_experience": 7,
        "skills": ["python"],
        "salary_currency": "EUR",
        "salary_min": 1,
        "salary_max": 2,
        "open_to_opportunities": True,
    }


def test_profiles_sharing_plans_equal_profiles_built_alone() -> None:
    """A page shares field plans between profiles; each must get what it alone would."""
    authorizer = get_authorizer()
    viewer = Identity(
        member_id=uuid.uuid4(), kind="RECRUITER", company_id=uuid.uuid4(), email_verified=True
    )
    settings = Settings(
        database_url=None, data_dir=Path("."), secret_key="k" * 40, production=False
    )
    ctx = Context(db=None, settings=settings, authorizer=authorizer, identity=viewer)
    alone = Context(db=None, settings=settings, authorizer=authorizer, identity=viewer)
    tree = {name: {} for name in PROFILE_FIELDS if name != "experiences"}
    tree["experiences"] = {"title": {}, "employer": {"name": {}}}
    tree["currentEmployer"] = {"name": {}}
    owners = [
        _row(kind, audiences)
        for kind in ("CANDIDATE", "RECRUITER")
        for audiences in (
            {},
            {"fullName": "RECRUITERS", "summary": "MEMBERS"},
            {"skills": "ONLY_ME"},
        )
    ]
    experience = {"title": "Dev", "employer_id": None, "employer_name": None}
    experience |= {"employer_sector": None, "employer_size_band": None, "sector_crowd": 1}
    plans = FieldPlans(authorizer, tree, 5)
    for row in owners * 2:
        for contact in (False, True):
            facts = RawFacts(is_contact=contact, has_pending_request=False, blocked=False)
            rel = relation_for(viewer, row, facts)
            shared = build_profile(ctx, row, rel, tree, experiences=[experience], plans=plans)
            single = build_profile(alone, row, rel, tree, experiences=[experience])
            assert shared == single
    assert ctx.access_log.seen == alone.access_log.seen
    assert any(ctx.access_log.seen.values()), "some narrow field must have been delivered"
