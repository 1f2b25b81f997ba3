"""A proven mailbox before anything, one-time mailed tokens,
answers that never tell whether an address is a member, sessions the member ends.

Every mail goes through the real SMTP server of the test process (tests/mailbox.py);
tokens are read from the mails, never from the database.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import text

from app import create_app
from policies.authorizer import get_authorizer
from tests.client import PASSWORD, Api, table_counts
from tests.mailbox import text_of, token_of
from tests.network_support import FakeClock
from tests.partner_support import CREATE_CLIENT, PIPELINE

SIGN_UP = """mutation($input: SignUpInput!) {
  signUp(input: $input) { token viewer { profile { id } } userErrors { code message field } }
}"""
LOG_IN = """mutation($e: String!, $p: String!) {
  logIn(email: $e, password: $p) { token userErrors { code message field } }
}"""
VERIFY = """mutation($t: String!) {
  verifyEmail(token: $t) { token userErrors { code message field } viewer { emailVerified } }
}"""
RESEND = "mutation($e: String!) { resendVerification(email: $e) }"
REQUEST_RESET = "mutation($e: String!) { requestPasswordReset(email: $e) }"
RESET = """mutation($t: String!, $p: String!) {
  resetPassword(token: $t, newPassword: $p) { token userErrors { code message field } }
}"""
CHANGE_EMAIL = "mutation($e: String!, $p: String!) { changeEmail(newEmail: $e, password: $p) }"
SESSIONS = "{ viewer { sessions { id createdAt lastUsedAt client current } } }"
END_SESSION = "mutation($id: ID!) { endSession(id: $id) { ok userErrors { code field } } }"
END_OTHERS = "mutation { endAllOtherSessions { ok userErrors { code } } }"
CHANGE_PASSWORD = """mutation($o: String!, $n: String!) {
  changePassword(oldPassword: $o, newPassword: $n) { token userErrors { code field } }
}"""
VIEWER = "{ viewer { profile { id } emailVerified } }"
NEW_PASSWORD = "another long passphrase"


@asynccontextmanager
async def api_on(app, mailbox) -> AsyncIterator[Api]:
    """A client of another app than the fixture's (another clock, other limits)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Api(client, mailbox)


def sign_up_input(email: str, kind: str = "CANDIDATE", **extra) -> dict:
    return {
        "input": {"email": email, "password": PASSWORD, "kind": kind, "fullName": "Ann", **extra}
    }


async def mailed_token(mailbox, address: str, seen: int) -> str:
    return token_of(await mailbox.wait_for(address, seen))


async def sign_up_unverified(api, mailbox, email: str, kind: str = "CANDIDATE") -> str:
    """Sign up without proving the mailbox; the mailed token."""
    seen = mailbox.count(email)
    data = await api.data(SIGN_UP, sign_up_input(email, kind))
    assert data["signUp"]["userErrors"] == []
    return await mailed_token(mailbox, email, seen)


async def log_in(api, email: str, password: str = PASSWORD) -> dict:
    return (await api.data(LOG_IN, {"e": email, "p": password}))["logIn"]


async def viewer_works(api, token: str) -> bool:
    body = await api(VIEWER, token=token)
    return bool(body.get("data") and body["data"]["viewer"])


# --- No membership oracle: signUp ------------------------------------------------


async def test_sign_up_answers_a_taken_and_a_new_address_alike_and_the_mails_differ(api, mailbox):
    await api.sign_up("ann@mail.example")
    taken_seen, new_seen = mailbox.count("ann@mail.example"), mailbox.count("bob@mail.example")

    taken = await api.raw(SIGN_UP, sign_up_input("ann@mail.example"))
    new = await api.raw(SIGN_UP, sign_up_input("bob@mail.example"))

    assert taken.status_code == new.status_code == 200
    assert taken.json() == new.json()  # the whole body, nothing removed
    assert taken.json() == {"data": {"signUp": {"token": None, "viewer": None, "userErrors": []}}}
    assert "set-cookie" not in taken.headers and "set-cookie" not in new.headers
    to_member = await mailbox.wait_for("ann@mail.example", taken_seen)
    to_stranger = await mailbox.wait_for("bob@mail.example", new_seen)
    assert "already have an account" in text_of(to_member)
    assert "reset your password" in text_of(to_member)
    assert "Finish signing up" in text_of(to_stranger)
    assert to_member["Subject"] != to_stranger["Subject"]
    # The taken address's link resets that account's password; the new one verifies.
    assert "/reset-password?token=" in text_of(to_member)
    assert "/verify?token=" in text_of(to_stranger)


# --- Trust starts with a proven mailbox -------------------------------------------


async def test_an_unverified_account_has_no_session_and_log_in_mails_a_new_link(api, db, mailbox):
    first = await sign_up_unverified(api, mailbox, "ann@mail.example")
    seen = mailbox.count("ann@mail.example")

    wrong = await log_in(api, "ann@mail.example", "not the password at all")
    assert [e["code"] for e in wrong["userErrors"]] == ["INVALID_CREDENTIALS"]
    right = await log_in(api, "ann@mail.example")
    assert right["token"] is None
    assert [e["code"] for e in right["userErrors"]] == ["EMAIL_NOT_VERIFIED"]
    again = await mailed_token(mailbox, "ann@mail.example", seen)
    assert mailbox.count("ann@mail.example") == seen + 1  # the wrong password mailed nothing
    assert again != first
    async with db.autocommit() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM auth_session"))).scalar() == 0

    verified = (await api.data(VERIFY, {"t": again}))["verifyEmail"]
    assert verified["userErrors"] == [] and verified["viewer"] == {"emailVerified": True}
    assert await viewer_works(api, verified["token"])
    assert (await log_in(api, "ann@mail.example"))["token"]


async def test_the_attack_a_recruiter_at_a_company_domain_must_prove_the_mailbox(api, mailbox):
    """signUp at northwind's domain without its mailbox: no session, no pipeline, no
    API client. With the mailbox proven, a recruiter of that company."""
    await api.company("northwind.example", "Northwind")
    token = await sign_up_unverified(api, mailbox, "someone@northwind.example", "RECRUITER")

    attempt = await log_in(api, "someone@northwind.example")
    assert attempt["token"] is None
    assert [e["code"] for e in attempt["userErrors"]] == ["EMAIL_NOT_VERIFIED"]
    for document in (PIPELINE, CREATE_CLIENT):
        body = await api(document, {"name": "x", "scopes": ["pipeline:read"]})
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    session = (await api.data(VERIFY, {"t": token}))["verifyEmail"]["token"]
    pipeline = await api(PIPELINE, token=session)
    assert not pipeline.get("errors"), pipeline
    me = await api.data("{ viewer { profile { currentEmployer { name } } } }", token=session)
    assert me["viewer"]["profile"]["currentEmployer"] == {"name": "Northwind"}


# --- tokens ------------------------------------------------------------------------


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def test_a_token_works_once_and_a_second_use_changes_nothing(api, db, mailbox):
    token = await sign_up_unverified(api, mailbox, "ann@mail.example")
    assert codes((await api.data(VERIFY, {"t": token}))["verifyEmail"]) == []
    before = await table_counts(db)
    again = (await api.data(VERIFY, {"t": token}))["verifyEmail"]
    assert codes(again) == ["INVALID_TOKEN"] and again["token"] is None
    assert await table_counts(db) == before


async def test_tampered_foreign_and_made_up_tokens_are_one_error_and_change_nothing(
    api, db, mailbox
):
    verify_token = await sign_up_unverified(api, mailbox, "ann@mail.example")
    seen = mailbox.count("ann@mail.example")
    assert (await api.data(REQUEST_RESET, {"e": "ann@mail.example"}))["requestPasswordReset"]
    reset_token = await mailed_token(mailbox, "ann@mail.example", seen)
    tampered = verify_token[:-1] + ("A" if verify_token[-1] != "A" else "B")
    before = await table_counts(db)
    for token in (tampered, reset_token, "", "x" * 43, "../../etc/passwd"):
        assert codes((await api.data(VERIFY, {"t": token}))["verifyEmail"]) == ["INVALID_TOKEN"]
    for token in (verify_token, tampered):
        reset = (await api.data(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
        assert codes(reset) == ["INVALID_TOKEN"]
    assert await table_counts(db) == before
    # Both genuine tokens still work, each for its own purpose.
    assert codes((await api.data(VERIFY, {"t": verify_token}))["verifyEmail"]) == []
    reset = (await api.data(RESET, {"t": reset_token, "p": NEW_PASSWORD}))["resetPassword"]
    assert codes(reset) == [] and reset["token"]


async def test_the_database_holds_only_digests_never_a_usable_token(api, db, mailbox):
    token = await sign_up_unverified(api, mailbox, "ann@mail.example")
    async with db.autocommit() as conn:
        rows = (await conn.execute(text("SELECT * FROM mail_token"))).mappings().all()
        dump = str((await conn.execute(text("SELECT row_to_json(t) FROM mail_token t"))).all())
    assert len(rows) == 1 and token not in dump
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    # What the database holds does not work as a token.
    stolen = (await api.data(VERIFY, {"t": rows[0]["token_hash"]}))["verifyEmail"]
    assert codes(stolen) == ["INVALID_TOKEN"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_a_token_expires_after_24_hours(settings, db, mailbox, clock):
    app = create_app(replace(settings, clock=clock), db, get_authorizer())
    async with api_on(app, mailbox) as api:
        early = await sign_up_unverified(api, mailbox, "ann@mail.example")
        late = await sign_up_unverified(api, mailbox, "bob@mail.example")
        clock.advance(hours=23, minutes=59)
        assert codes((await api.data(VERIFY, {"t": early}))["verifyEmail"]) == []
        clock.advance(minutes=1, seconds=1)
        assert codes((await api.data(VERIFY, {"t": late}))["verifyEmail"]) == ["INVALID_TOKEN"]


async def test_the_link_page_get_shows_a_button_and_never_uses_the_token(api, http, mailbox):
    token = await sign_up_unverified(api, mailbox, "ann@mail.example")
    for _ in range(3):  # a mail scanner pre-fetching the link, then the owner
        page = await http.get("/verify", params={"token": token})
        assert page.status_code == 200
        assert "<form method='post' action='/verify'>" in page.text
        assert page.headers["cache-control"] == "no-store"
    assert (await log_in(api, "ann@mail.example"))["token"] is None  # still unverified
    done = await http.post("/verify", data={"token": token})
    assert done.status_code == 200 and "Address confirmed" in done.text
    assert (await log_in(api, "ann@mail.example"))["token"]
    used = await http.get("/verify", params={"token": token})
    assert used.status_code == 400 and "<form" not in used.text
    assert (await http.post("/verify", data={"token": token})).status_code == 400


async def test_two_concurrent_verifications_of_one_token_verify_once(api, db, mailbox):
    token = await sign_up_unverified(api, mailbox, "ann@mail.example")
    results = await asyncio.gather(*(api.data(VERIFY, {"t": token}) for _ in range(2)))
    outcomes = sorted(tuple(codes(r["verifyEmail"])) for r in results)
    assert outcomes == [(), ("INVALID_TOKEN",)]
    async with db.autocommit() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM auth_session"))).scalar() == 1


# --- passwords -------------------------------------------------------------------------


async def test_password_reset_always_answers_true_and_mails_only_a_member(api, mailbox):
    ann = await api.sign_up("ann@mail.example")
    other = await log_in(api, "ann@mail.example")
    seen, strangers = mailbox.count("ann@mail.example"), mailbox.count("nobody@mail.example")
    for address in ("ann@mail.example", "nobody@mail.example", "not an address"):
        assert (await api.data(REQUEST_RESET, {"e": address})) == {"requestPasswordReset": True}
    token = await mailed_token(mailbox, "ann@mail.example", seen)
    await asyncio.sleep(0.2)
    assert mailbox.count("nobody@mail.example") == strangers

    reset = (await api.data(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]
    assert codes(reset) == [] and await viewer_works(api, reset["token"])
    assert not await viewer_works(api, ann.token)  # every other session ended
    assert not await viewer_works(api, other["token"])
    assert codes(await log_in(api, "ann@mail.example")) == ["INVALID_CREDENTIALS"]
    assert (await log_in(api, "ann@mail.example", NEW_PASSWORD))["token"]


async def test_a_weak_new_password_keeps_the_reset_token(api, mailbox):
    await api.sign_up("ann@mail.example")
    seen = mailbox.count("ann@mail.example")
    await api.data(REQUEST_RESET, {"e": "ann@mail.example"})
    token = await mailed_token(mailbox, "ann@mail.example", seen)
    weak = (await api.data(RESET, {"t": token, "p": "short"}))["resetPassword"]
    assert codes(weak) == ["WEAK_PASSWORD"]
    assert codes((await api.data(RESET, {"t": token, "p": NEW_PASSWORD}))["resetPassword"]) == []


async def test_change_password_needs_the_old_one_and_ends_every_other_session(api):
    ann = await api.sign_up("ann@mail.example")
    other = (await log_in(api, "ann@mail.example"))["token"]
    wrong = await api.data(CHANGE_PASSWORD, {"o": "wrong password!", "n": NEW_PASSWORD}, ann.token)
    assert codes(wrong["changePassword"]) == ["INVALID_CREDENTIALS"]
    assert await viewer_works(api, other)

    changed = await api.data(CHANGE_PASSWORD, {"o": PASSWORD, "n": NEW_PASSWORD}, ann.token)
    token = changed["changePassword"]["token"]
    assert await viewer_works(api, token)
    assert not await viewer_works(api, other) and not await viewer_works(api, ann.token)
    assert (await log_in(api, "ann@mail.example", NEW_PASSWORD))["token"]


# --- a new address ----------------------------------------------------------------------


async def test_a_new_address_takes_effect_once_its_mailbox_is_proven(api, mailbox):
    ann = await api.sign_up("ann@mail.example")
    await api.sign_up("bob@mail.example")
    wrong = await api(CHANGE_EMAIL, {"e": "ann@new.example", "p": "wrong password!"}, ann.token)
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    seen = mailbox.count("ann@new.example")
    ok = await api.data(CHANGE_EMAIL, {"e": "ann@new.example", "p": PASSWORD}, ann.token)
    assert ok == {"changeEmail": True}
    token = await mailed_token(mailbox, "ann@new.example", seen)
    assert (await log_in(api, "ann@mail.example"))["token"]  # not yet changed
    assert codes(await log_in(api, "ann@new.example")) == ["INVALID_CREDENTIALS"]

    assert codes((await api.data(VERIFY, {"t": token}))["verifyEmail"]) == []
    assert (await log_in(api, "ann@new.example"))["token"]
    assert codes(await log_in(api, "ann@mail.example")) == ["INVALID_CREDENTIALS"]

    # Another member's address: the same answer, and no mail to it.
    taken_seen = mailbox.count("bob@mail.example")
    same = await api.data(CHANGE_EMAIL, {"e": "bob@mail.example", "p": PASSWORD}, ann.token)
    assert same == {"changeEmail": True}
    await asyncio.sleep(0.2)
    assert mailbox.count("bob@mail.example") == taken_seen


async def test_a_link_mailed_to_the_old_address_dies_with_it(api, mailbox):
    ann = await api.sign_up("ann@mail.example")
    seen = mailbox.count("ann@mail.example")
    await api.data(REQUEST_RESET, {"e": "ann@mail.example"})
    old_reset = await mailed_token(mailbox, "ann@mail.example", seen)
    new_seen = mailbox.count("ann@new.example")
    await api.data(CHANGE_EMAIL, {"e": "ann@new.example", "p": PASSWORD}, ann.token)
    await api.data(VERIFY, {"t": await mailed_token(mailbox, "ann@new.example", new_seen)})
    stale = (await api.data(RESET, {"t": old_reset, "p": NEW_PASSWORD}))["resetPassword"]
    assert codes(stale) == ["INVALID_TOKEN"]


# --- sessions ----------------------------------------------------------------------------


async def test_a_member_lists_and_ends_their_sessions(api):
    ann = await api.sign_up("ann@mail.example")
    bob = await api.sign_up("bob@mail.example")
    second = (await log_in(api, "ann@mail.example"))["token"]
    third = (await log_in(api, "ann@mail.example"))["token"]

    sessions = (await api.data(SESSIONS, token=ann.token))["viewer"]["sessions"]
    assert len(sessions) == 3
    assert [s["current"] for s in sessions].count(True) == 1
    assert all(s["createdAt"] and s["client"] for s in sessions)
    others = [s["id"] for s in sessions if not s["current"]]
    bob_session = (await api.data(SESSIONS, token=bob.token))["viewer"]["sessions"][0]["id"]

    # Another member's session answers like an unknown one, and lives on.
    refused = (await api.data(END_SESSION, {"id": bob_session}, ann.token))["endSession"]
    assert refused == {"ok": False, "userErrors": [{"code": "NOT_FOUND", "field": "id"}]}
    assert await viewer_works(api, bob.token)

    ended = (await api.data(END_SESSION, {"id": others[0]}, ann.token))["endSession"]
    assert ended == {"ok": True, "userErrors": []}
    alive = [await viewer_works(api, t) for t in (second, third)]
    assert sorted(alive) == [False, True]

    assert (await api.data(END_OTHERS, token=ann.token))["endAllOtherSessions"]["ok"]
    assert not await viewer_works(api, second) and not await viewer_works(api, third)
    assert await viewer_works(api, ann.token)
    assert len((await api.data(SESSIONS, token=ann.token))["viewer"]["sessions"]) == 1


async def test_sessions_are_for_members_only(api):
    body = await api(SESSIONS)
    assert body["data"] is None or body["data"]["viewer"] is None


# --- abuse -------------------------------------------------------------------------------


@pytest.fixture
def limited_app(settings, db):
    limits = {**settings.rate_limits, "mail_address": (2, 3600), "mail_ip": (7, 3600)}
    return create_app(replace(settings, rate_limits=limits), db, get_authorizer())


def outcome(body: dict):
    return body["errors"][0]["extensions"]["code"] if body.get("errors") else body["data"]


async def test_mail_requests_are_limited_per_address_and_per_client_alike_for_strangers(
    limited_app, api, mailbox
):
    await api.sign_up("ann@mail.example")
    async with api_on(limited_app, mailbox) as limited:
        answers = [
            [
                outcome(await limited(document, {"e": address}))
                for document in (REQUEST_RESET, RESEND, RESEND)
            ]
            for address in ("ann@mail.example", "nobody@mail.example")
        ]
        # Per address (resets and verifications share it): two, then refused, member or not.
        granted = [{"requestPasswordReset": True}, {"resendVerification": True}, "RATE_LIMITED"]
        assert answers == [granted, granted]
        # Per client: every request spends the client's budget first, refused or
        # not (so one client cannot burn a stranger's address budget faster than
        # its own): six so far, the seventh is granted, the eighth refused.
        assert outcome(await limited(RESEND, {"e": "one@mail.example"})) == {
            "resendVerification": True
        }
        assert outcome(await limited(RESEND, {"e": "two@mail.example"})) == "RATE_LIMITED"


async def test_the_reset_page_get_shows_a_form_and_only_the_post_resets(api, http, mailbox):
    ann = await api.sign_up("ann@mail.example")
    seen = mailbox.count("ann@mail.example")
    await api.data(REQUEST_RESET, {"e": "ann@mail.example"})
    token = await mailed_token(mailbox, "ann@mail.example", seen)
    for _ in range(2):
        page = await http.get("/reset-password", params={"token": token})
        assert page.status_code == 200 and "name='password'" in page.text
    assert await viewer_works(api, ann.token)
    weak = await http.post("/reset-password", data={"token": token, "password": "short"})
    assert weak.status_code == 400 and "at least" in weak.text
    done = await http.post("/reset-password", data={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 200 and "Password changed" in done.text
    assert not await viewer_works(api, ann.token)
    assert (await log_in(api, "ann@mail.example", NEW_PASSWORD))["token"]
    again = await http.post("/reset-password", data={"token": token, "password": PASSWORD})
    assert again.status_code == 400
    assert codes(await log_in(api, "ann@mail.example")) == ["INVALID_CREDENTIALS"]


async def test_a_refused_sign_up_mails_nothing(api, db, mailbox):
    before, seen = await table_counts(db), mailbox.count("ann@mail.example")
    for variables in (
        sign_up_input("ann@mail.example", password="short"),
        sign_up_input("ann@mail.example", kind="RECRUITER"),  # no company at this domain
    ):
        assert (await api.data(SIGN_UP, variables))["signUp"]["userErrors"]
    await asyncio.sleep(0.3)
    assert mailbox.count("ann@mail.example") == seen
    assert await table_counts(db) == before
