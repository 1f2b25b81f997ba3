"""Linkability warnings: a table of (open persona, closed persona per audience) cases
with the warnings expected, then the same over HTTP, where the policy decides what
each audience reads and the database says whether a skill set is rare."""

from __future__ import annotations

import pytest

from tests.search_world import insert_candidates
from views.linkability import ClosedView, Employer, OpenView, similarity, warnings

NOTHING_SHARED = OpenView(
    texts={"displayName": "Wren", "headline": "Birdwatcher", "summary": "Photos of herons."},
    photo_url="https://img.example/heron.png",
    links=["https://birds.example/wren"],
    skills=["ornithology"],
)


def closed(**kw) -> ClosedView:
    texts = {k: kw.pop(k, None) for k in ("fullName", "headline", "summary")}
    return ClosedView(texts=texts, **kw)


ACME = Employer("currentEmployer", "Acme Rockets", "acme.example")
CASES = [
    ("nothing shared", NOTHING_SHARED, {"MEMBERS": closed(headline="Backend engineer")}, False, []),
    (
        "same headline, case and punctuation aside",
        OpenView(texts={"headline": "Senior Rust engineer - distributed systems"}),
        {"RECRUITERS": closed(headline="senior rust engineer, distributed systems!")},
        False,
        [("headline", "headline", "RECRUITERS")],
    ),
    (
        "near-equal summary",
        OpenView(texts={"summary": "I build payment systems in Rust for banks and shops"}),
        {"MEMBERS": closed(summary="I build payment systems in Rust for banks")},
        False,
        [("summary", "summary", "MEMBERS")],
    ),
    (
        "a different summary on the same topic",
        OpenView(texts={"summary": "Payments are hard; here is why I love them"}),
        {"MEMBERS": closed(summary="I build payment systems in Rust for banks")},
        False,
        [],
    ),
    (
        "display name is the full name, reordered",
        OpenView(texts={"displayName": "Smith, Ann"}),
        {"CONTACTS": closed(fullName="Ann Smith"), "RECRUITERS": closed()},
        False,
        [("displayName", "fullName", "CONTACTS")],
    ),
    (
        "same photo",
        OpenView(texts={}, photo_url="https://img.example/me.png"),
        {"CONTACTS": closed(photo_url="https://img.example/me.png"), "MEMBERS": closed()},
        False,
        [("photoUrl", "photoUrl", "CONTACTS")],
    ),
    (
        "rare skill set, shown to recruiters",
        OpenView(texts={}, skills=["cobol", "mars rovers"]),
        {"RECRUITERS": closed(skills=["cobol", "mars rovers", "c"]), "MEMBERS": closed()},
        True,
        [("skills", "skills", "RECRUITERS")],
    ),
    (
        "common skill set",
        OpenView(texts={}, skills=["python"]),
        {"RECRUITERS": closed(skills=["python"])},
        False,
        [],
    ),
    (
        "a link to the employer's domain",
        OpenView(texts={}, links=["https://blog.acme.example/me"]),
        {"MEMBERS": closed(employers=(ACME,))},
        False,
        [("links", "currentEmployer", "MEMBERS")],
    ),
    (
        "a link that spells the employer's name",
        OpenView(texts={}, links=["https://github.com/acme-rockets/engine"]),
        {"CONTACTS": closed(employers=(ACME,)), "MEMBERS": closed()},
        False,
        [("links", "currentEmployer", "CONTACTS")],
    ),
    (
        "a past employer in experiences",
        OpenView(texts={}, links=["https://initech.example/team"]),
        {"CONTACTS": closed(employers=(Employer("experiences.employer", "Initech"),))},
        False,
        [("links", "experiences.employer", "CONTACTS")],
    ),
]


@pytest.mark.parametrize(
    ("case", "open_", "closed_", "rare", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_linkability_table(case, open_, closed_, rare, expected):
    found = warnings(open_, closed_, rare_skill_set=rare)
    assert [(w.public_field, w.closed_field, w.audience) for w in found] == expected
    assert all(w.reason for w in found)


def test_similarity_ignores_case_spacing_and_punctuation():
    assert similarity("Data  Engineer.", "data engineer") == 1.0
    assert similarity("", "data engineer") == 0.0
    assert similarity("Gardener", "Rust engineer") == 0.0


# --- over HTTP -----------------------------------------------------------------------

LINKABILITY = """query($a: Audience) {
  viewer { linkability(audience: $a) { publicField closedField audience reason } }
}"""
UPDATE = """mutation($input: PublicProfileInput!) {
  updatePublicProfile(input: $input) { userErrors { code } }
}"""
PUBLISH = "mutation { publishOpenPersona(published: true) { published } }"


def _pairs(data) -> set[tuple[str, str, str]]:
    return {
        (w["publicField"], w["closedField"], w["audience"]) for w in data["viewer"]["linkability"]
    }


async def test_warnings_follow_what_each_audience_reads(api, db):
    acme = await api.company("acme.example", "Acme Rockets")
    ann = await api.sign_up("ann@mail.example", name="Ann Smith")
    # Closed: headline for recruiters (the default), a rare skill set for recruiters,
    # the employer for contacts (the default), the name for contacts (identity).
    await api.update_profile(
        ann, headline="Rust engineer for payments", skills=["cobol", "mars rovers"],
        currentEmployerId=acme,
    )  # fmt: skip
    content = {
        "handle": "ann-open",
        "displayName": "Ann Smith",
        "headline": "Rust engineer for payments",
        "links": ["https://acme.example/people/ann"],
        "skills": ["cobol", "mars rovers"],
    }
    assert (await api.data(UPDATE, {"input": content}, ann.token))["updatePublicProfile"] == {
        "userErrors": []
    }
    # Unpublished, nobody can join the two: no warning.
    assert _pairs(await api.data(LINKABILITY, token=ann.token)) == set()
    await api.data(PUBLISH, token=ann.token)
    expected = {
        ("headline", "headline", "RECRUITERS"),
        ("headline", "headline", "CONTACTS"),
        ("skills", "skills", "RECRUITERS"),
        ("skills", "skills", "CONTACTS"),
        ("displayName", "fullName", "CONTACTS"),
        ("links", "currentEmployer", "CONTACTS"),
    }
    assert _pairs(await api.data(LINKABILITY, token=ann.token)) == expected
    # Beside previewAs: one audience at a time.
    only = await api.data(LINKABILITY, {"a": "RECRUITERS"}, ann.token)
    assert _pairs(only) == {p for p in expected if p[2] == "RECRUITERS"}
    assert _pairs(await api.data(LINKABILITY, {"a": "ONLY_ME"}, ann.token)) == set()

    # Widen the employer to members: a warning for members too.
    await api.set_audience(ann, "currentEmployer", "MEMBERS")
    assert ("links", "currentEmployer", "MEMBERS") in _pairs(
        await api.data(LINKABILITY, token=ann.token)
    )
    # The skill set stops being rare once enough closed profiles list it.
    await insert_candidates(db, 5, skills=["cobol", "mars rovers", "fortran"])
    pairs = _pairs(await api.data(LINKABILITY, token=ann.token))
    assert not {p for p in pairs if p[0] == "skills"}
