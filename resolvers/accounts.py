"""Accounts: companies, sign-up, log-in and log-out, deleting one's account."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from auth import security
from auth.identity import SESSION_COOKIE, member_identity
from db import accounts as accounts_db
from policies import actions
from resolvers import validation
from views.aliases import new_alias
from web.context import Context
from web.errors import UserInputError, problem

INVALID_CREDENTIALS = "The email or the password is wrong."


async def sign_up(
    conn: AsyncConnection, *, email: str, password: str, kind: str, full_name: str
) -> uuid.UUID:
    """Create the member and their profile, or raise a typed error (nothing written)."""
    clean_email = validation.normalize_email(email)
    clean_name = validation.text(full_name, "fullName", max_length=200, required=True)
    validation.password(password)
    company_id = None
    if kind == "RECRUITER":
        company = await accounts_db.company_by_domain(conn, validation.email_domain(clean_email))
        if company is None:
            raise problem(
                "UNKNOWN_COMPANY_DOMAIN",
                "No registered company uses this email domain: register the company first.",
                "email",
            )
        company_id = company["id"]
    if await accounts_db.email_taken(conn, clean_email):
        raise problem("EMAIL_TAKEN", "An account already uses this email.", "email")
    alias = new_alias()
    while await accounts_db.alias_taken(conn, alias):
        alias = new_alias()
    return await accounts_db.insert_member(
        conn,
        email=clean_email,
        password_hash=security.hash_password(password),
        kind=kind,
        company_id=company_id,
        alias=alias,
        full_name=clean_name,
    )


async def authenticate(conn: AsyncConnection, *, email: str, password: str) -> uuid.UUID:
    """The member's id if the credentials hold; the same error for unknown email or bad password."""
    try:
        clean_email = validation.normalize_email(email)
    except UserInputError:  # a malformed email is just wrong credentials here
        clean_email = None
    row = await accounts_db.member_by_email(conn, clean_email) if clean_email else None
    if not security.verify_password(row["password_hash"] if row else None, password):
        raise problem("INVALID_CREDENTIALS", INVALID_CREDENTIALS)
    return row["id"]


async def open_session(ctx: Context, conn: AsyncConnection, member_id: uuid.UUID) -> str:
    """Create a server-side session, act as its member from now on in this request,
    set the cookie, and return the signed token."""
    expires_at = security.expiry(ctx.settings.token_ttl_seconds)
    session_id = await accounts_db.create_session(conn, member_id, expires_at)
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


async def delete_account(ctx: Context, conn: AsyncConnection, password: str) -> bool:
    """Erase the member and everything that is theirs (rule 10), after re-checking the password.

    The rows go for good (profile, experiences, contacts, blocks, sessions, access log);
    other members' access events keep only the label they were shown.
    """
    me = ctx.authorize(actions.DELETE_ACCOUNT)
    row = await accounts_db.member_by_id(conn, me.member_id)
    if row is None or not security.verify_password(row["password_hash"], password):
        raise problem("INVALID_CREDENTIALS", "The password is wrong.", "password")
    await accounts_db.delete_member(conn, me.member_id)
    if ctx.response is not None:
        ctx.response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return True
