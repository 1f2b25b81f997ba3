"""Promise (Coarse companions are k-anonymous): a (sector, size band) pair shown in
place of the employer is shared by at least k registered companies (k = 5 here, the
default); below that the size band is withheld, and the sector too when fewer than k
companies share it. Whoever may read the employer itself sees both; search cannot
match a value the viewer would not be shown."""

from __future__ import annotations

from itertools import product

import pytest

from policies.authorizer import get_authorizer
from policies.facts import Relation
from policies.fields import AUDIENCE_ORDER
from tests.network_support import contact, personal
from tests.search_world import SEARCH, add_peer_companies

K = 5
PROFILE = """query($id: ID!) { profile(id: $id) {
  employerSector employerSizeBand currentEmployer { id }
  experiences { employerSector employer { id } }
} }"""
PREVIEW = """query($a: Audience!) { viewer { previewAs(audience: $a) {
  employerSector employerSizeBand
} } }"""


async def _world(api, db, *, pair_peers: int, sector_peers: int):
    """A candidate at Volt (Energy, S51_200) with ``pair_peers`` other companies of that
    sector and size, ``sector_peers`` more of that sector in another size, and a
    recruiter of an unrelated company who may read coarse fields but not the employer."""
    volt = await api.company("volt.example", "Volt", sector="Energy", size="S51_200")
    await add_peer_companies(db, "energy", "S51_200", pair_peers)  # sectors match in any case
    await add_peer_companies(db, "Energy", "S11_50", sector_peers)
    await api.company("acme.example", "Acme", sector="Software")
    recruiter = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    candidate = await api.sign_up("cleo@mail.example", name="Cleo")
    await api.update_profile(
        candidate,
        currentEmployerId=volt,
        experiences=[{"title": "Engineer", "employerId": volt, "start": "2019"}],
    )
    # Experiences' sector readable by recruiters, their employer by contacts only.
    await api.set_audience(candidate, "experiences", "RECRUITERS")
    await api.set_audience(candidate, "experiences.title", "RECRUITERS")
    await api.set_audience(candidate, "experiences.employerSector", "RECRUITERS")
    return recruiter, candidate


async def _seen(api, viewer, candidate) -> dict:
    return (await api.data(PROFILE, {"id": api.id_for(candidate, viewer)}, viewer.token))["profile"]


@pytest.mark.parametrize(
    ("pair_peers", "sector_peers", "sector", "size_band"),
    [
        (K - 2, 0, None, None),  # k-1 companies share the sector: nothing coarse
        (K - 1, 0, "Energy", "S51_200"),  # exactly k share the pair: both
        (K - 2, 1, "Energy", None),  # k share the sector, k-1 the pair: the sector only
        (K, 3, "Energy", "S51_200"),
    ],
)
async def test_generalisation_happens_exactly_at_the_threshold(
    api, db, pair_peers, sector_peers, sector, size_band
):
    recruiter, candidate = await _world(api, db, pair_peers=pair_peers, sector_peers=sector_peers)
    seen = await _seen(api, recruiter, candidate)
    assert seen["currentEmployer"] is None
    assert (seen["employerSector"], seen["employerSizeBand"]) == (sector, size_band)
    assert [e["employerSector"] for e in seen["experiences"]] == [sector]
    # The owner's preview of that audience shows the same generalised values.
    preview = (await api.data(PREVIEW, {"a": "RECRUITERS"}, candidate.token))["viewer"]
    assert preview["previewAs"] == {"employerSector": sector, "employerSizeBand": size_band}


async def test_who_may_read_the_employer_sees_lone_values(api, db):
    recruiter, candidate = await _world(api, db, pair_peers=0, sector_peers=0)
    assert (await _seen(api, recruiter, candidate))["employerSector"] is None
    await contact(api, recruiter, candidate, personal("Cleo"))
    seen = await _seen(api, recruiter, candidate)
    assert seen["currentEmployer"] is not None
    assert (seen["employerSector"], seen["employerSizeBand"]) == ("Energy", "S51_200")
    own = await api.data(
        "{ viewer { profile { employerSector employerSizeBand } } }", token=candidate.token
    )
    assert own["viewer"]["profile"] == {"employerSector": "Energy", "employerSizeBand": "S51_200"}


async def _found(api, viewer, sector: str) -> list[str]:
    data = await api.data(SEARCH, {"f": {"employerSector": sector}, "first": 50}, viewer.token)
    return [e["node"]["id"] for e in data["searchCandidates"]["edges"]]


async def test_search_cannot_filter_on_a_withheld_sector(api, db):
    recruiter, candidate = await _world(api, db, pair_peers=K - 2, sector_peers=0)
    assert await _found(api, recruiter, "energy") == []
    await add_peer_companies(db, "Energy", "S5001_PLUS", 1)  # now k companies share it
    assert await _found(api, recruiter, "energy") == [api.id_for(candidate, recruiter)]


async def test_search_matches_a_lone_sector_for_a_viewer_who_reads_the_employer(api, db):
    recruiter, candidate = await _world(api, db, pair_peers=0, sector_peers=0)
    await contact(api, recruiter, candidate, personal("Cleo"))
    assert await _found(api, recruiter, "Energy") == [api.id_for(candidate, recruiter)]


def test_the_rule_withholds_a_lone_value_unless_the_employer_is_readable() -> None:
    """For every relation and audience: a lone value is read exactly when the value
    would be read were it not lone *and* the exact field is readable."""
    authorizer = get_authorizer()
    flags = product((False, True), repeat=5)
    for member, recruiter, is_contact, partner, confidential in flags:
        rel = Relation(
            is_member=member,
            is_recruiter=recruiter,
            is_contact=is_contact,
            is_partner=partner,
            owner_confidential=confidential,
            consented_fields=("employerSector", "employerSizeBand") if partner else (),
        )
        for field, audience in product(("employerSector", "employerSizeBand"), AUDIENCE_ORDER):
            plain = authorizer.ask_field(rel, field, audience.value)
            for exact in (False, True):
                lone = authorizer.ask_field(rel, field, audience.value, True, exact)
                assert lone == (plain and exact), (rel, field, audience, exact)


LOG_IN = """mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"""
DEMO_VIEW = """{
  searchCandidates(first: 100) {
    edges { node { employerSector employerSizeBand currentEmployer { id } } }
  }
  companies(first: 100) { sector sizeBand }
}"""


async def test_the_demo_coarse_values_name_no_company(api, db, settings):
    """The reported attack: in the demo, each candidate's (sector, size band) matched
    exactly one company of the public list. Now every value a recruiter receives in
    place of an employer is shared by at least k companies of that list."""
    from demo.seed import DEMO_PASSWORD, RECRUITERS, seed_demo

    assert await seed_demo(db, settings, quiet=True)
    delivered = 0
    for email, _, _ in RECRUITERS:
        token = (await api.data(LOG_IN, {"e": email, "p": DEMO_PASSWORD}))["logIn"]["token"]
        data = await api.data(DEMO_VIEW, token=token)
        companies = [(c["sector"].lower(), c["sizeBand"]) for c in data["companies"]]
        for edge in data["searchCandidates"]["edges"]:
            if edge["node"]["currentEmployer"] is not None:
                continue  # a contact, who may read the employer itself
            sector, band = edge["node"]["employerSector"], edge["node"]["employerSizeBand"]
            if band is not None:
                assert sector is not None
                assert companies.count((sector.lower(), band)) >= K
            if sector is not None:
                delivered += 1
                assert sum(s == sector.lower() for s, _ in companies) >= K
    assert delivered, "the demo shows some sectors: the test must see one"
