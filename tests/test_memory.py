"""Memory stays flat across requests; the statement counter keeps no SQL text
unless a test asks for it."""

from __future__ import annotations

import gc
import tracemalloc

from tests.network_support import contact, personal

VIEWER = "{ viewer { profile { alias } } }"
CONTACTS = "{ viewer { contacts { edges { node { counterpart { fullName } } } } } }"
# Sized to stay fast (tracemalloc slows every allocation). Before the fix each
# request kept 2.6 KB (viewer) to 4 KB (contacts) for good; now about 0.3 KB
# stays (buffers and caches of libraries) and the bound is 1 KB a request.
REQUESTS = 300
WARM_UP = 50
MAX_GROWTH = REQUESTS * 1024


async def _growth(api, query: str, token: str) -> int:
    """Bytes still allocated after REQUESTS more requests, once warmed up."""
    for _ in range(WARM_UP):
        await api.data(query, token=token)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(REQUESTS):
            await api.data(query, token=token)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    growth = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return growth


async def test_the_counter_counts_and_keeps_statements_only_inside_a_capture(api, db):
    member = await api.sign_up("ann@mail.example")
    for _ in range(20):
        await api.data(VIEWER, token=member.token)
    assert db.counter.count > 20
    with db.counter.capture() as nothing_yet:
        pass
    assert nothing_yet == []  # what ran before the capture was not kept
    with db.counter.capture() as statements:
        await api.data(VIEWER, token=member.token)
    captured = len(statements)
    assert any("auth_session" in s for s in statements)
    await api.data(VIEWER, token=member.token)
    assert len(statements) == captured  # the capture has ended


async def test_viewer_requests_do_not_grow_memory(api, db):
    member = await api.sign_up("ann@mail.example")
    assert await _growth(api, VIEWER, member.token) < MAX_GROWTH


async def test_contact_requests_do_not_grow_memory(api, db):
    await api.company("northwind.example")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")
    candidate = await api.sign_up("cand@mail.example", name="Cand Idate")
    await contact(api, recruiter, candidate, personal("Cand"))
    data = await api.data(CONTACTS, token=recruiter.token)
    assert data["viewer"]["contacts"]["edges"][0]["node"]["counterpart"]["fullName"]
    assert await _growth(api, CONTACTS, recruiter.token) < MAX_GROWTH


async def test_hot_statements_read_the_same_whatever_the_number_of_rows(api, db):
    """One SQL text per hot statement, compiled once: ``IN (...)`` was rendered
    anew per request for each number of ids, and that text was what piled up."""
    await api.company("northwind.example")
    recruiter = await api.sign_up("rita@northwind.example", "RECRUITER", "Rita")
    texts = []
    for i in range(2):
        candidate = await api.sign_up(f"cand{i}@mail.example", name=f"Cand {i}")
        await contact(api, recruiter, candidate, personal(f"Cand {i}"))
        with db.counter.capture() as statements:
            data = await api.data(CONTACTS, token=recruiter.token)
        assert len(data["viewer"]["contacts"]["edges"]) == i + 1
        texts.append(statements)
    assert texts[0] == texts[1]
