"""``view_profiles`` loads rows with the viewer's facts in one query, whatever the number of owners."""

from __future__ import annotations

import uuid

from bench.world import seed
from policies.authorizer import get_authorizer
from resolvers import ids
from resolvers.context import Context
from resolvers.profile_view import view_profiles


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
    assert [p.id for p in out[1:]] == [ids.encode(ids.PROFILE, o) for o in world.owner_ids]
    assert out[1].full_name == "Candidate 0 Lastname"  # the contact's identity
    assert [p.full_name for p in out[2:]] == [None, None, None]  # nobody else's
    assert all(p.experience_band is not None for p in out[1:])  # a RECRUITERS field
