"""Promise (The member's own data): the data export.

- It holds to the tables: every column of a member's tables is exported or
  excluded with a reason (``views.export``), so a new column needs a decision.
- It contains every value the member entered (every field filled, then found).
- It contains nothing of other members beyond what the member may read: a
  contact's counterpart exactly as ``profile(id)`` answers it, a blocked
  member as id and alias, no company a confidential search hides, nobody's
  tokens.
- ``GET /account/export`` needs the session and answers the same document.
"""

from __future__ import annotations

import json

from config import PROJECT_ROOT
from db.models import metadata
from resolvers.export import SECTIONS
from tests.client import Api, Member
from tests.network_support import BLOCK, personal, request_ok, respond
from tests.partner_support import PROFILE, ats_for, shared_contact
from views.export import EXCLUDED, EXPORTED, NOT_MEMBER_DATA
from views.export import VERSION as EXPORT_VERSION

EXPORT = "{ viewer { dataExport } }"
DOCS = "docs/data-export.md"
member_keys = ("id", "alias", "kind")


async def export_of(api: Api, member: Member) -> dict:
    return json.loads((await api.data(EXPORT, token=member.token))["viewer"]["dataExport"])


def text_of(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False)


# --- held to the tables ------------------------------------------------------------


def test_every_column_of_a_members_tables_is_exported_or_excluded_with_a_reason():
    undecided, stale, both = [], [], []
    for table in metadata.sorted_tables:
        if table.name in NOT_MEMBER_DATA:
            continue
        exported = EXPORTED.get(table.name, {})
        excluded = EXCLUDED.get(table.name, {})
        columns = {column.name for column in table.columns}
        undecided += [
            f"{table.name}.{c}" for c in sorted(columns - exported.keys() - excluded.keys())
        ]
        stale += [
            f"{table.name}.{c}" for c in sorted((exported.keys() | excluded.keys()) - columns)
        ]
        both += [f"{table.name}.{c}" for c in sorted(exported.keys() & excluded.keys())]
    assert not undecided, (
        f"No export decision for {undecided}. Each column of a table holding a member's "
        "data is either exported (add it to views.export.EXPORTED with where it goes in "
        "the document, build it in a section of resolvers/export.py, and describe it in "
        f"{DOCS}) or left out (add it to views.export.EXCLUDED with the reason). A table "
        "holding no member's data goes to views.export.NOT_MEMBER_DATA, with the reason."
    )
    assert not stale, f"views.export names columns that no longer exist: {stale}"
    assert not both, f"exported and excluded at once: {both}"
    assert set(EXPORTED) | set(EXCLUDED) | set(NOT_MEMBER_DATA) <= set(metadata.tables)
    assert all(reason.strip() for reasons in EXCLUDED.values() for reason in reasons.values())


def test_every_exported_column_lands_in_a_section_the_docs_describe():
    sections = {"version", "exportedAt", *SECTIONS}
    for table, columns in EXPORTED.items():
        for column, path in columns.items():
            head = path.split(".")[0].split("[")[0]
            assert head in sections, f"{table}.{column} goes to {path}: no such section"
    docs = (PROJECT_ROOT / DOCS).read_text()
    assert all(f"`{name}`" in docs for name in sections), "each section is documented"


# --- everything the member entered -----------------------------------------------------


FILLED = {
    "fullName": "Ann Everyfield",
    "headline": "Backend engineer who likes queues",
    "summary": "Twelve years of databases, mostly PostgreSQL.",
    "photoUrl": "https://img.example/ann-everyfield.png",
    "phone": "+33 6 98 76 54 32",
    "city": "Grenoble",
    "region": "Isere-Region",
    "country": "Franceland",
    "currentTitle": "Principal Queue Whisperer",
    "seniority": "LEAD",
    "yearsOfExperience": 12,
    "skills": ["rabbitmq", "postgresql", "kafkaesque"],
    "salaryExpectation": {"min": 81234, "max": 95678, "currency": "CHF"},
    "openToOpportunities": True,
}
EXPERIENCE = {
    "title": "Queue Gardener",
    "start": "2015-03",
    "end": "2019-11",
    "description": "Pruned dead letters every spring.",
}


async def test_the_export_contains_every_value_the_member_entered(api):
    acme = await api.company("acme.example", "Acme Export")
    globex = await api.company("globex.example", "Globex Export", sector="Banking")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Recruiter")
    gus = await api.sign_up("gus@globex.example", "RECRUITER", "Gus Globex")
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann First")
    gus_seen = await api.alias_seen(gus, ann)  # his alias as she reads it (a recruiter's)
    # Blocks first: once Globex is her employer (hidden from it), Gus is hidden from her.
    for operation, target in (("blockMember", api.id_for(gus, ann)), ("blockCompany", globex)):
        assert (await api.data(BLOCK[operation], {"id": target}, ann.token))[operation]["ok"]
    await api.update_profile(
        ann,
        **FILLED,
        handle="ann-everyfield",  # the open persona's address
        currentEmployerId=globex,
        experiences=[{**EXPERIENCE, "employerId": acme}],
    )
    await api.set_audience(ann, "headline", "CONTACTS")
    await api.set_audience(ann, "experiences.description", "ONLY_ME")
    edge = await shared_contact(api, rita, ann, personal("Ann"))

    document = await export_of(api, ann)
    assert document["version"] == EXPORT_VERSION
    fields = document["profile"]["fields"]
    for name, value in FILLED.items():
        assert fields[name]["value"] == value, name
    assert fields["currentEmployer"]["value"]["name"] == "Globex Export"
    assert fields["headline"]["audience"] == "CONTACTS"
    assert fields["phone"]["audience"] == "CONTACTS"  # a default is exported too
    [experience] = fields["experiences"]["value"]
    assert {k: experience[k] for k in EXPERIENCE} == EXPERIENCE
    assert experience["employer"]["name"] == "Acme Export"
    assert fields["experiences"]["itemAudiences"]["description"] == "ONLY_ME"
    assert document["profile"]["hideFromCurrentEmployer"] is True
    assert document["openPersona"]["handle"] == "ann-everyfield"
    assert document["openPersona"]["published"] is False

    account = document["account"]
    assert account["email"] == "ann@mail.example" and account["id"] == ann.id
    assert account["alias"] == ann.alias and account["kind"] == "CANDIDATE"
    assert account["emailVerifiedAt"] is not None and account["companyRole"] is None

    [contact] = document["contacts"]
    assert contact["id"] == edge and contact["status"] == "ACCEPTED"
    assert contact["message"] == personal("Ann") and contact["sharedWithAts"] is True
    assert contact["counterpart"]["fullName"] == "Rita Recruiter"  # a contact reads it
    [receipt] = document["consentReceipts"]
    assert receipt["requestId"] == edge and receipt["withdrawnAt"] is None
    # Rita as Ann reads her (a recruiter's alias differs per audience).
    assert receipt["counterpart"] == f"{await api.alias_seen(rita, ann)}, Acme Export"
    assert "phone" in receipt["fields"]

    blocks = document["blocks"]
    [blocked] = blocks["members"]
    member = blocked["member"]
    assert (member["id"], member["alias"], member["kind"]) == (
        api.id_for(gus, ann),
        gus_seen,
        "RECRUITER",
    )
    assert all(value is None for key, value in member.items() if key not in member_keys)
    assert [b["company"]["id"] for b in blocks["companies"]] == [globex]
    assert all(b["blockedAt"] for b in blocks["members"] + blocks["companies"])
    assert [link["purpose"] for link in document["mailLinks"]] == ["verify"]
    assert len(document["sessions"]) == 1 and document["sessions"][0]["current"] is True
    assert document["apiClients"] is None  # a candidate manages none

    # A company admin's export: their role and their company's clients, no secret.
    admin = api.admins["acme.example"]
    create = """mutation { createApiClient(name: "Export ATS", scopes: ["pipeline:read"]) {
                   clientId clientSecret } }"""
    issued = (await api.data(create, token=admin.token))["createApiClient"]
    admin_export = await export_of(api, admin)
    assert admin_export["account"]["companyRole"] == "ADMIN"
    assert [c["clientId"] for c in admin_export["apiClients"]] == [issued["clientId"]]
    assert issued["clientSecret"] not in text_of(admin_export)


# --- nothing of others beyond what the member reads ---------------------------------------


async def test_the_export_gives_of_others_only_what_the_member_may_read(api):
    await api.company("acme.example", "Acme Hidden Co")
    await api.company("globex.example", "Globex Export", sector="Banking")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Confidential")
    gus = await api.sign_up("gus@globex.example", "RECRUITER", "Gus Blocked")
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Secretive")
    bob = await api.sign_up("bob@mail.example", "CANDIDATE", "Bob Pending")
    await api.update_profile(ann, phone="+33 1 11 22 33 44", city="Secretville")
    await api.set_audience(ann, "phone", "ONLY_ME")  # her contact does not read it
    await api.set_audience(ann, "city", "ONLY_ME")
    await shared_contact(api, rita, ann, personal("Ann"))
    gus_edge = await request_ok(api, gus, ann, personal("Ann", "From Globex."))
    assert not (await respond(api, ann, gus_edge, True))["userErrors"]
    # Rita searches confidentially: Bob, who only has her pending request, may not
    # know her company.
    confidential = """mutation { updateProfile(input: {confidentialSearch: true}) {
                         userErrors { code } } }"""
    assert (await api.data(confidential, token=rita.token))["updateProfile"]["userErrors"] == []
    await request_ok(api, rita, bob, personal("Bob"))
    # Ann blocks Gus after their contact: each stops seeing the other.
    gus_seen = await api.alias_seen(gus, ann)  # his alias as she read it
    blocked = await api.data(BLOCK["blockMember"], {"id": api.id_for(gus, ann)}, ann.token)
    assert blocked["blockMember"]["ok"]

    logged = len((await export_of(api, ann))["accessLog"])
    rita_export = await export_of(api, rita)
    # What the export delivered of Ann's narrow fields is in her access log, as for the API.
    assert len((await export_of(api, ann))["accessLog"]) == logged + 1
    ann_for_rita = api.id_for(ann, rita)
    [with_ann] = [c for c in rita_export["contacts"] if c["counterpart"]["id"] == ann_for_rita]
    as_read = (await api.data(PROFILE, {"id": ann_for_rita}, rita.token))["profile"]
    assert with_ann["counterpart"] == as_read  # exactly profile(id), field for field
    assert "+33 1 11 22 33 44" not in text_of(rita_export)
    assert "Secretville" not in text_of(rita_export)

    gus_export = await export_of(api, gus)
    assert gus_export["contacts"] == []  # the edge went with the block, as in viewer.contacts
    assert "Ann Secretive" not in text_of(gus_export)
    # Under no name: the one Globex knew her by, nor her own.
    assert api.id_for(ann, gus) not in text_of(gus_export) and ann.id not in text_of(gus_export)
    ann_export = await export_of(api, ann)
    assert "Gus Blocked" not in text_of(ann_export)  # she read it once; a block ends that
    assert [b["member"]["alias"] for b in ann_export["blocks"]["members"]] == [gus_seen]

    bob_export = await export_of(api, bob)
    [pending] = bob_export["contacts"]
    assert pending["counterpart"]["currentEmployer"] is None
    assert "Acme Hidden Co" not in text_of(bob_export)
    assert "Rita Confidential" not in text_of(bob_export)

    # Nobody's tokens, and only one's own sessions.
    for document in (rita_export, ann_export, bob_export):
        words = text_of(document)
        assert all(m.token not in words for m in (rita, gus, ann, bob))
        assert "password" not in words.lower() and "argon2" not in words
        assert len(document["sessions"]) == 1


# --- the download ------------------------------------------------------------------------


async def test_the_download_needs_the_session_and_answers_the_same_document(api, http):
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Downloads")
    http.cookies.clear()
    anonymous = await http.get("/account/export")
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    http.cookies.set("suplinks_session", "not-a-session")
    assert (await http.get("/account/export")).status_code == 401

    http.cookies.clear()
    http.cookies.set("suplinks_session", ann.token)
    try:
        response = await http.get("/account/export")
        graphql = await http.post("/graphql", json={"query": EXPORT})
    finally:
        http.cookies.clear()
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    downloaded = response.json()
    through_graphql = json.loads(graphql.json()["data"]["viewer"]["dataExport"])
    for document in (downloaded, through_graphql):
        document.pop("exportedAt")
    assert downloaded == through_graphql
    assert downloaded["account"]["email"] == "ann@mail.example"

    # A partner token is no member: it has no account to export.
    await api.company("acme.example", "Acme Partner")
    partner = await ats_for(api, api.admins["acme.example"])
    refused = await http.get("/account/export", headers={"authorization": f"Bearer {partner}"})
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_export_spends_its_own_budget(api, http, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "export", (1, 86400))
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Twice")
    await export_of(api, ann)
    again = await api(EXPORT, token=ann.token)
    assert again["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    http.cookies.set("suplinks_session", ann.token)
    try:
        download = await http.get("/account/export")
    finally:
        http.cookies.clear()
    assert download.status_code == 429 and int(download.headers["retry-after"]) > 0


async def test_the_paged_lists_are_read_whole(api, monkeypatch):
    import resolvers.export

    monkeypatch.setattr(resolvers.export, "PAGE", 2)
    await api.company("acme.example", "Acme Pages")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Pages")
    candidates = [await api.sign_up(f"c{i}@mail.example", name=f"C{i}") for i in range(3)]
    edges = [await request_ok(api, rita, c, personal(f"C{i}")) for i, c in enumerate(candidates)]
    assert not (await respond(api, candidates[0], edges[0], True))["userErrors"]
    for _ in range(3):  # each read of a contact's identity fields is one event
        await api.data(PROFILE, {"id": api.id_for(candidates[0], rita)}, rita.token)
    document = await export_of(api, rita)
    assert [c["id"] for c in document["contacts"]] == edges[::-1]  # newest first
    # Three reads, and Rita's export, which delivered the same fields once more.
    assert len((await export_of(api, candidates[0]))["accessLog"]) == 4
