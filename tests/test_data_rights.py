"""Promises (The member's own data) and (Consent is the candidate's to take back).

- A consent receipt is the candidate's record: the recruiter's deletion, and
  the company's, leave it, describing the other side as she knew it.
- Whatever happened since, the candidate may end her live contact and
  withdraw her consent on it (here: she joined the recruiter's company with
  "hide me from my employer" on, so the recruiter no longer exists for her).
- ``deleteAccount`` leaves no row behind, and nothing reads a "deleted" flag.
"""

from __future__ import annotations

from sqlalchemy import text

from tests.client import PASSWORD, Api, Member
from tests.network_support import END, personal
from tests.partner_support import (
    RECEIPTS,
    ats_for,
    pipeline_nodes,
    receipts,
    shared_contact,
    withdraw_consent,
)

DELETE = "mutation($p: String!) { deleteAccount(password: $p) { ok userErrors { code } } }"
RECEIPT_LABELS = """{ viewer { consentReceipts { requestId counterpart company { name }
  withdrawnAt } accessLog { edges { node { viewer fields } } } } }"""
FULL_PROFILE = "query($id: ID!) { profile(id: $id) { fullName phone } }"


async def _delete(api: Api, member: Member) -> None:
    done = await api.data(DELETE, {"p": PASSWORD}, member.token)
    assert done["deleteAccount"] == {"ok": True, "userErrors": []}


async def test_a_receipt_outlives_the_recruiter_and_the_company(api, db):
    await api.company("acme.example", "Acme Receipts")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Goes")
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Keeps")
    await api.update_profile(ann, phone="+33 6 00 00 00 01")
    edge = await shared_contact(api, rita, ann, personal("Ann"))
    seen = (await api.data(FULL_PROFILE, {"id": api.id_for(ann, rita)}, rita.token))["profile"]
    assert seen["fullName"] == "Ann Keeps"  # logged in Ann's access log under Rita's alias
    # Rita's alias as Ann reads it (a recruiter's differs per audience): the label she
    # was shown, on the receipt and in her access log.
    rita_seen = await api.alias_seen(rita, ann)
    [before] = await receipts(api, ann)

    await _delete(api, rita)
    mine = (await api.data(RECEIPT_LABELS, token=ann.token))["viewer"]
    [receipt] = mine["consentReceipts"]
    assert receipt["requestId"] == edge == before["requestId"]
    assert receipt["counterpart"] == f"{rita_seen}, Acme Receipts"
    assert receipt["company"] == {"name": "Acme Receipts"}
    assert receipt["withdrawnAt"] is not None  # the contact went: nothing is shared any more
    assert rita_seen in [e["node"]["viewer"] for e in mine["accessLog"]["edges"]]

    # The company goes too (no API does this; an operator could): the receipt stays.
    await _delete(api, api.admins["acme.example"])
    async with db.write() as conn:
        await conn.execute(text("DELETE FROM company WHERE email_domain = 'acme.example'"))
    [receipt] = await receipts_with_labels(api, ann)
    assert receipt["company"] is None
    assert receipt["counterpart"] == f"{rita_seen}, Acme Receipts"
    assert "Rita Goes" not in str(receipt)  # only the label she was shown


async def receipts_with_labels(api: Api, member: Member) -> list[dict]:
    return (await api.data(RECEIPT_LABELS, token=member.token))["viewer"]["consentReceipts"]


async def test_the_candidate_takes_her_consent_back_from_a_recruiter_hidden_from_her(api, db):
    """Ann joins the recruiter's company with "hide me from my employer" on (she is
    hidden from its members, the ATS included), and Rita blocks her (each is hidden
    from the other). Today's mutations close what is open between them; a contact
    left open under hiding (rows written before they did, or by a path that forgets)
    must still be hers to close, so the state is written here directly."""
    await api.company("acme.example", "Acme Hides")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita Hidden")
    await api.make_admin(rita)
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Joins")
    edge = await shared_contact(api, rita, ann, personal("Ann"))
    token = await ats_for(api, rita)
    assert len(await pipeline_nodes(api, token)) == 1

    async with db.write() as conn:
        await conn.execute(
            text(
                "UPDATE profile SET current_employer_id = (SELECT id FROM company"
                " WHERE email_domain = 'acme.example'), hide_from_current_employer = true"
                " WHERE member_id = (SELECT id FROM member WHERE email = 'ann@mail.example')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO member_block (blocker_id, blocked_id) SELECT r.id, a.id"
                " FROM member r, member a"
                " WHERE r.email = 'rita@acme.example' AND a.email = 'ann@mail.example'"
            )
        )
    assert await pipeline_nodes(api, token) == []  # hidden from the company, the ATS included
    # The recruiter cannot act on the edge (she does not exist for him)...
    ended = (await api.data(END, {"r": edge}, rita.token))["endContact"]
    assert ended["userErrors"][0]["code"] == "NOT_FOUND"

    # ...but Ann withdraws her consent, then ends the contact: both hers.
    withdrawn = await withdraw_consent(api, ann, edge)
    assert withdrawn["userErrors"] == []
    [receipt] = await receipts(api, ann)
    assert receipt["withdrawnAt"] is not None
    ended = (await api.data(END, {"r": edge}, ann.token))["endContact"]
    assert ended["userErrors"] == []
    async with db.autocommit() as conn:
        status = await conn.scalar(text("SELECT status FROM contact"))
        live = await conn.scalar(
            text("SELECT count(*) FROM consent_receipt WHERE withdrawn_at IS NULL")
        )
    assert (status, live) == ("ENDED", 0)

    # Once closed, an edge to a member hidden from her answers like an unknown id again:
    # nothing tells her more about the other side than before.
    again = (await api.data(END, {"r": edge}, ann.token))["endContact"]
    assert again["userErrors"][0]["code"] == "NOT_FOUND"
    assert (await withdraw_consent(api, ann, edge))["userErrors"][0]["code"] == "NOT_FOUND"


async def test_delete_account_leaves_no_row_and_search_reads_no_deleted_flag(api, db):
    await api.company("acme.example", "Acme Search")
    ann = await api.sign_up("ann@mail.example", "CANDIDATE", "Ann Deletes")
    await _delete(api, ann)
    async with db.autocommit() as conn:
        rows = await conn.scalar(text("SELECT count(*) FROM member WHERE email LIKE 'ann@%'"))
        columns = await conn.scalar(
            text(
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = 'member' AND column_name = 'deleted_at'"
            )
        )
        index = await conn.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_member_not_searchable'")
        )
    assert rows == 0 and columns == 0
    assert "deleted_at" not in index and "kind" in index
    assert (await api.data(RECEIPTS, token=api.admins["acme.example"].token))["viewer"][
        "consentReceipts"
    ] == []
