"""Accounts: companies, sign-up and proven mailboxes, log-in and sessions, passwords,
a change of address, deleting one's account."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import security
from auth.identity import SESSION_COOKIE, member_identity
from auth.mail_tokens import CHANGE_EMAIL, RESET, VERIFY, digest, new_token
from config import Settings
from db import accounts as accounts_db
from db import open_personas as open_personas_db
from db.engine import Database
from mail import Mail, messages
from policies import actions
from resolvers import companies, notices, open_persona, validation
from schema.inputs import NewCompanyInput
from views.aliases import new_alias
from web.context import Context
from web.errors import UserInputError, problem

INVALID_CREDENTIALS = "The email or the password is wrong."


def invalid_token() -> UserInputError:
    """The one answer for an expired, used, tampered or foreign token: nothing changes."""
    return problem("INVALID_TOKEN", "This link is invalid or has expired.", "token")


# --- signing up and proving a mailbox ------------------------------------------


async def create_member(
    conn: AsyncConnection,
    *,
    email: str,
    password_hash: str,
    kind: str,
    full_name: str,
    pending_company: dict | None = None,
) -> uuid.UUID | None:
    """A new account whose mailbox is not proven yet (it can do nothing until it is);
    None when the address is taken."""
    alias = new_alias()
    while await accounts_db.alias_taken(conn, alias):
        alias = new_alias()
    return await accounts_db.insert_member(
        conn,
        email=email,
        password_hash=password_hash,
        kind=kind,
        alias=alias,
        full_name=full_name,
        pending_company=pending_company,
    )


async def sign_up(
    ctx: Context,
    conn: AsyncConnection,
    *,
    email: str,
    password: str,
    kind: str,
    full_name: str,
    company: NewCompanyInput | None = None,
) -> None:
    """Create an unverified account and mail its link, or raise a typed error.

    Promise (No membership oracle): a taken address answers exactly as a new
    one, after the same password hash; only the mail, which reaches the
    mailbox's owner, says "you already have an account".
    """
    clean_email = validation.normalize_email(email)
    clean_name = validation.name(full_name, "fullName", max_length=200, required=True)
    validation.password(password)
    pending = await companies.check_sign_up(conn, email=clean_email, kind=kind, company=company)
    password_hash = await security.hash_password(password)  # for a taken address too: same time
    member_id = await create_member(
        conn,
        email=clean_email,
        password_hash=password_hash,
        kind=kind,
        full_name=clean_name,
        pending_company=pending,
    )
    if member_id is not None:
        await mail_link(ctx, conn, VERIFY, member_id, clean_email, messages.finish_sign_up)
        return
    existing = await accounts_db.member_by_email(conn, clean_email)
    if existing is not None:  # (None: an account being erased)
        await mail_link(ctx, conn, RESET, existing["id"], clean_email, messages.already_a_member)


async def mail_link(
    ctx: Context,
    conn: AsyncConnection,
    purpose: str,
    member_id: uuid.UUID,
    email: str,
    compose: Callable[[str, str], Mail],
) -> None:
    """Store a new one-time token (its digest) and queue the mail carrying it; the
    mail leaves once the transaction commits."""
    token, token_hash = new_token()
    await accounts_db.insert_mail_token(
        conn,
        token_hash=token_hash,
        purpose=purpose,
        member_id=member_id,
        email=email,
        expires_at=ctx.now() + timedelta(seconds=ctx.settings.mail_token_ttl_seconds),
    )
    page = "reset-password" if purpose == RESET else "verify"
    ctx.queue_mail(compose(email, messages.link(ctx.settings.public_url, page, token)))


async def use_token(ctx: Context, conn: AsyncConnection, token: str, purposes: tuple[str, ...]):
    """The token's row, now used, and its member's row; INVALID_TOKEN unless the token
    is live, of one of ``purposes``, and still bound to its member's address."""
    used = await accounts_db.use_mail_token(conn, digest(token), purposes, ctx.now())
    if used is None:
        raise invalid_token()
    member = await accounts_db.member_by_id(conn, used["member_id"])
    if member is None:
        raise invalid_token()
    if used["purpose"] != CHANGE_EMAIL and member["email"] != used["email"]:
        raise invalid_token()  # the account's address changed since this mail
    return used, member


async def token_is_live(ctx: Context, conn: AsyncConnection, token: str, purposes) -> bool:
    """For the mail's page: would this token be accepted? (Reading never uses it.)"""
    return await accounts_db.mail_token_live(conn, digest(token), purposes, ctx.now())


async def prove_mailbox(settings: Settings, conn: AsyncConnection, member, email: str) -> None:
    """The member proved ``email``: it is their address now, and the companies'
    side follows (a recruiter joins, creates or changes company)."""
    await accounts_db.mark_verified(conn, member["id"], email)
    await companies.on_mailbox_verified(
        settings,
        conn,
        member_id=member["id"],
        email=email,
        pending_company=member["pending_company"],
    )


async def verify_email(ctx: Context, conn: AsyncConnection, token: str) -> uuid.UUID:
    """Use a verification (or new-address) token: the mailbox is proven."""
    used, member = await use_token(ctx, conn, token, (VERIFY, CHANGE_EMAIL))
    if used["purpose"] == CHANGE_EMAIL:
        other = await accounts_db.member_by_email(conn, used["email"])
        if other is not None and other["id"] != member["id"]:
            raise invalid_token()  # the address became another account's meanwhile
    await prove_mailbox(ctx.settings, conn, member, used["email"])
    await accounts_db.retire_mail_tokens(conn, member["id"], (VERIFY, CHANGE_EMAIL), ctx.now())
    return member["id"]


async def resend_verification(ctx: Context, conn: AsyncConnection, email: str) -> bool:
    """Mail a new link to an unverified account; always True (No membership oracle)."""
    member = await _member_by_any_email(conn, email)
    if member is not None and member["email_verified_at"] is None:
        await mail_link(ctx, conn, VERIFY, member["id"], member["email"], messages.finish_sign_up)
    return True


async def request_password_reset(ctx: Context, conn: AsyncConnection, email: str) -> bool:
    """Mail a reset link to a member; always True (No membership oracle)."""
    member = await _member_by_any_email(conn, email)
    if member is not None:
        await mail_link(ctx, conn, RESET, member["id"], member["email"], messages.reset_password)
    return True


async def reset_password(
    ctx: Context, conn: AsyncConnection, token: str, new_password: str
) -> uuid.UUID:
    """Set the new password and end every session; the link proves the mailbox too."""
    validation.password(new_password)
    used, member = await use_token(ctx, conn, token, (RESET,))
    await accounts_db.set_password(conn, member["id"], await security.hash_password(new_password))
    await accounts_db.revoke_other_sessions(conn, member["id"])
    await accounts_db.retire_mail_tokens(conn, member["id"], (RESET,), ctx.now())
    if member["email_verified_at"] is None:
        await prove_mailbox(ctx.settings, conn, member, used["email"])
    return member["id"]


async def change_email(ctx: Context, conn: AsyncConnection, new_email: str, password: str) -> bool:
    """Mail a link to the new address; the account keeps the old one until it is used.

    Promise (No membership oracle): an address that is another account's gets
    no mail, and the answer is the same.
    """
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    await _check_password(conn, me.member_id, password, "password")
    clean_email = validation.normalize_email(new_email)
    if await accounts_db.member_by_email(conn, clean_email) is None:
        await mail_link(
            ctx, conn, CHANGE_EMAIL, me.member_id, clean_email, messages.confirm_new_address
        )
    return True


async def _member_by_any_email(conn: AsyncConnection, email: str):
    try:
        clean_email = validation.normalize_email(email)
    except UserInputError:
        return None
    return await accounts_db.member_by_email(conn, clean_email)


# --- logging in, sessions, passwords ---------------------------------------------


class LogIn(NamedTuple):
    member_id: uuid.UUID
    token: str | None  # None: the mailbox is not proven yet (a new link was mailed)


async def log_in(ctx: Context, conn: AsyncConnection, member: Mapping[str, Any]) -> LogIn:
    """A session for an authenticated member (``authenticate``) whose mailbox is proven.

    The right password on an unverified account opens nothing and mails a
    new link (within the address's mail budget).
    """
    if member["email_verified_at"] is None:
        if await ctx.within_budget("mail_address", member["email"]):
            await mail_link(
                ctx, conn, VERIFY, member["id"], member["email"], messages.finish_sign_up
            )
        return LogIn(member["id"], None)
    return LogIn(member["id"], await open_session(ctx, conn, member["id"]))


async def authenticate(db: Database, *, email: str, password: str) -> Mapping[str, Any]:
    """The member's row if the credentials hold; one error for unknown email or bad password.

    The row is read on a short connection and the password checked with none
    held, so logIns queued for the hash pool hold no database connection.
    """
    try:
        clean_email = validation.normalize_email(email)
    except UserInputError:  # a malformed email is just wrong credentials here
        clean_email = None
    row = None
    if clean_email:
        async with db.autocommit() as conn:
            row = await accounts_db.member_by_email(conn, clean_email)
    if not await security.verify_password(row["password_hash"] if row else None, password):
        raise problem("INVALID_CREDENTIALS", INVALID_CREDENTIALS)
    return row


async def open_session(ctx: Context, conn: AsyncConnection, member_id: uuid.UUID) -> str:
    """Create a server-side session, act as its member from now on in this request,
    set the cookie, and return the signed token."""
    expires_at = security.expiry(ctx.settings.token_ttl_seconds)
    session_id = await accounts_db.create_session(
        conn, member_id, expires_at, client=ctx.user_agent()
    )
    ctx.identity = member_identity(await accounts_db.session_member(conn, session_id), session_id)
    ctx.rejected_credential = None
    token = security.issue_token(
        ctx.settings.secret_key,
        security.TokenClaims(subject="member", principal=session_id, expires_at=expires_at),
    )
    if ctx.response is not None:
        ctx.response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=ctx.settings.token_ttl_seconds,
            httponly=True,
            samesite="strict",
            secure=ctx.settings.production,
            path="/",
        )
    return token


async def close_session(ctx: Context, conn: AsyncConnection) -> bool:
    if ctx.response is not None:
        ctx.response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    if ctx.identity.session_id is None:
        return False
    await accounts_db.revoke_session(conn, ctx.identity.session_id)
    return True


async def sessions(ctx: Context) -> list:
    """My live sessions, newest first."""
    me = ctx.authorize(actions.READ_ACCOUNT)
    async with ctx.db.autocommit() as conn:
        return await accounts_db.live_sessions(conn, me.member_id, ctx.now())


async def end_session(ctx: Context, conn: AsyncConnection, session_id: uuid.UUID | None) -> bool:
    """End one of my sessions (this one too); another's or an unknown id: NOT_FOUND."""
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    if session_id is None or not await accounts_db.revoke_member_session(
        conn, me.member_id, session_id
    ):
        raise problem("NOT_FOUND", "No such session.", "id")
    return True


async def end_all_other_sessions(ctx: Context, conn: AsyncConnection) -> bool:
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    await accounts_db.revoke_other_sessions(conn, me.member_id, keep=me.session_id)
    return True


async def change_password(
    ctx: Context, conn: AsyncConnection, old_password: str, new_password: str
) -> tuple[uuid.UUID, str]:
    """Set a new password (the old one required); every session ends and a new one
    opens, so a stolen token dies with the old password."""
    me = ctx.authorize(actions.EDIT_ACCOUNT)
    await _check_password(conn, me.member_id, old_password, "oldPassword")
    validation.password(new_password)
    await accounts_db.set_password(conn, me.member_id, await security.hash_password(new_password))
    await accounts_db.revoke_other_sessions(conn, me.member_id)
    return me.member_id, await open_session(ctx, conn, me.member_id)


async def _check_password(
    conn: AsyncConnection, member_id: uuid.UUID, password: str, field: str
) -> None:
    row = await accounts_db.member_by_id(conn, member_id)
    if row is None or not await security.verify_password(row["password_hash"], password):
        raise problem("INVALID_CREDENTIALS", "The password is wrong.", field)


async def delete_account(ctx: Context, conn: AsyncConnection, password: str) -> bool:
    """Erase the member and everything that is theirs, after re-checking the password.

    Promise (The member's own data).

    The rows go for good (profile, experiences, contacts, blocks, sessions, access
    log, own consent receipts); no row is kept marked deleted, so nothing reads a
    "deleted" flag. Other members keep only the label they were shown: access
    events their alias, candidates their consent receipts (``counterpart``: the
    other side as they knew it when they consented). Every partner that received
    the member is told to erase them, in this transaction (``resolvers.notices``):
    the notice exists exactly when the erasure does.
    """
    me = ctx.authorize(actions.DELETE_ACCOUNT)
    await _check_password(conn, me.member_id, password, "password")
    now = ctx.now()
    await notices.candidate_erased(ctx.settings, conn, me.member_id, now)
    # A recruiter leaves their company first: it keeps an admin, and what they had
    # open for it ends (a consent given on it is withdrawn, its receipt kept).
    await companies.leave_company(ctx.settings, conn, me.member_id, now)
    persona = await open_personas_db.load(conn, me.member_id)
    await open_persona.release(ctx, conn, persona and persona["handle"])  # never reused
    await accounts_db.delete_member(conn, me.member_id)
    if ctx.response is not None:
        ctx.response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return True
