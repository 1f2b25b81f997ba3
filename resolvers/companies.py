"""Companies exist because a mailbox at their domain was proven; admins manage them.

- ``check_sign_up``: at sign-up, a recruiter at a domain no company has yet
  gives the company's details (refused for free-mail and disposable domains,
  and for a name a reader could not tell from an existing company's).
- ``on_mailbox_verified``: when a mailbox is proven (sign-up or a new
  address), its recruiter joins the domain's company, or creates it as its
  first admin, or moves there from their former company, whose open edges end.
- ``company_members``, ``set_company_role``, ``remove_from_company``: the
  admins' tools; the policy decides who may use them.

The accounts side (``resolvers.accounts``) stores the pending company with the
unverified account and calls ``on_mailbox_verified`` inside the verification's
transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from config import Settings
from db import companies as companies_db
from db import network as network_db
from db.company_names import name_key, visible
from mail.domains import is_free_mail
from policies import actions
from policies.facts import Colleague
from resolvers import notices, validation
from schema import types as t
from schema.inputs import NewCompanyInput
from views import ids
from views.profiles import view_profiles
from web.context import Context
from web.errors import problem

ADMIN = companies_db.ADMIN
RECRUITER = companies_db.RECRUITER


# --- at sign-up and at verification -------------------------------------------------


async def check_sign_up(
    conn: AsyncConnection, *, email: str, kind: str, company: NewCompanyInput | None
) -> dict | None:
    """The company a recruiter's sign-up would create once their mailbox is proven
    (a JSON-able dict to keep with the unverified account), or None.

    Raises FREE_MAIL_DOMAIN, NAME_TAKEN or BAD_USER_INPUT. None of it depends on
    whether the address is a member: Promise (No membership oracle).
    """
    if kind != RECRUITER:
        if company is not None:
            raise problem(
                "BAD_USER_INPUT", "Only a recruiter's sign-up names a company.", "company"
            )
        return None
    domain = validation.email_domain(validation.normalize_email(email))
    if is_free_mail(domain):
        raise _free_mail()
    if await companies_db.company_by_domain(conn, domain) is not None:
        return None  # they join it once their mailbox is proven
    if company is None:
        raise problem(
            "BAD_USER_INPUT",
            "No company uses this email domain yet: give its name, sector and size band.",
            "company",
        )
    # A look-alike of a taken name is that name (NAME_TAKEN); any other name
    # with invisible or control characters is refused as such.
    seen = name_key(visible(company.name)) if len(company.name) <= MAX_NAME else None
    if seen and await companies_db.name_key_taken(conn, seen):
        raise _name_taken()
    name = _company_name(company.name)
    sector = validation.text(company.sector, "company.sector", max_length=100, required=True)
    return {"name": name, "sector": sector, "size_band": company.size_band.value, "domain": domain}


async def on_mailbox_verified(
    settings: Settings,
    conn: AsyncConnection,
    *,
    member_id: uuid.UUID,
    email: str,
    pending_company: dict | None,
) -> None:
    """A recruiter proved ``email``: they belong to its domain's company from now on.

    Promise (Trust starts with a proven mailbox): the only way into a company.
    The domain's company if there is one (as its admin if it has none, else as
    a recruiter); else the company their sign-up named, created now with them
    as its first admin. A recruiter of another company leaves it first: what
    they had open for it ends. Concurrent verifications at one new domain
    create one company with one admin (see ``companies_db.insert_company``).
    """
    me = await companies_db.membership(conn, member_id, lock=True)
    if me is None or me["kind"] != RECRUITER:
        return
    domain = validation.email_domain(email.strip().lower())
    target = None if is_free_mail(domain) else await _domain_company(conn, domain, pending_company)
    if target is not None and target["id"] == me["company_id"]:
        return
    if me["company_id"] is not None:
        await _leave(settings, conn, me, datetime.now(UTC))
    if target is None:
        await companies_db.set_membership(conn, member_id, None, None)
        return
    await companies_db.lock_company(conn, target["id"])
    role = RECRUITER if await companies_db.admin_count(conn, target["id"]) else ADMIN
    await companies_db.set_membership(conn, member_id, target["id"], role)


async def _domain_company(conn: AsyncConnection, domain: str, pending: dict | None):
    """The domain's company; created from ``pending`` when there is none yet."""
    found = await companies_db.company_by_domain(conn, domain)
    if found is not None or not pending or pending.get("domain") != domain:
        return found
    name = pending["name"]
    created = await companies_db.insert_company(
        conn,
        name=name,
        key=name_key(name),
        domain=domain,
        sector=pending["sector"],
        size_band=pending["size_band"],
    )
    if created is not None:
        return created
    # Another verification created the domain's company meanwhile: join it.
    found = await companies_db.company_by_domain(conn, domain)
    if found is None:  # the name went to another domain's company meanwhile
        raise _name_taken()
    return found


async def leave_company(
    settings: Settings, conn: AsyncConnection, member_id: uuid.UUID, now: datetime
) -> None:
    """The member leaves their company, if they have one (their account is going)."""
    me = await companies_db.membership(conn, member_id, lock=True)
    if me is not None and me["company_id"] is not None:
        await _leave(settings, conn, me, now)


async def _leave(settings: Settings, conn: AsyncConnection, me: Any, now: datetime) -> None:
    """``me`` leaves their company: what they had open for it ends, as when hiding
    (Promise: Company blocks and hiding are one-way), and a company left without
    an admin gets its longest-serving recruiter as admin (it always keeps one)."""
    company_id = me["company_id"]
    await companies_db.lock_company(conn, company_id)
    withdrawn = await network_db.close_company_edges(conn, me["id"], company_id, now)
    await notices.notify(settings, conn, notices.CONTACT_ENDED, withdrawn, now)
    await companies_db.set_membership(conn, me["id"], None, None)
    if me["company_role"] == ADMIN and not await companies_db.admin_count(conn, company_id):
        remaining = await companies_db.recruiters(conn, company_id)
        if remaining:
            await companies_db.set_role(conn, remaining[0]["id"], ADMIN)


async def company_role(ctx: Context, member_id: uuid.UUID) -> t.CompanyRole | None:
    """The viewer's own role in their company (None without one)."""
    async with ctx.db.autocommit() as conn:
        me = await companies_db.membership(conn, member_id)
    if me is None or me["company_id"] is None:
        return None
    return t.CompanyRole(me["company_role"] or RECRUITER)


# --- the admins' tools ------------------------------------------------------------------


async def company_members(ctx: Context, tree) -> list[t.CompanyMember]:
    """My company's recruiters with their roles (admins only), each as I may see them."""
    me = ctx.authorize(actions.LIST_COMPANY_MEMBERS)
    async with ctx.db.autocommit() as conn:
        rows = await companies_db.recruiters(conn, me.company_id)
    profiles = await view_profiles(ctx, [row["id"] for row in rows], tree.get("profile", {}))
    return [
        t.CompanyMember(profile=profile, role=t.CompanyRole(row["company_role"] or RECRUITER))
        for row, profile in zip(rows, profiles, strict=True)
        if profile is not None  # Promise (Hidden members do not exist)
    ]


async def set_company_role(
    ctx: Context, conn: AsyncConnection, profile_id: str, role: str
) -> uuid.UUID:
    """An admin makes a colleague an admin or a recruiter (never the last admin a recruiter)."""
    target = await _colleague(ctx, conn, profile_id, actions.SET_COMPANY_ROLE, new_role=role)
    await companies_db.set_role(conn, target["id"], role)
    return target["id"]


async def remove_from_company(ctx: Context, conn: AsyncConnection, profile_id: str) -> uuid.UUID:
    """An admin removes a recruiter (or a recruiter leaves): their open edges end."""
    target = await _colleague(ctx, conn, profile_id, actions.REMOVE_FROM_COMPANY, new_role=None)
    await _leave(ctx.settings, conn, target, ctx.now())
    return target["id"]


async def _colleague(
    ctx: Context, conn: AsyncConnection, profile_id: str, action, *, new_role: str | None
):
    """The target's membership (locked), once the policy allows ``action`` on them;
    anyone outside my company answers like an unknown id (Promise: No membership oracle).

    Locks the member, then the company, as a verification does: two admins
    demoting each other at once cannot both see two admins.
    """
    identity = ctx.identity
    target = ids.member_named(ctx.settings, ctx.identity.audience, profile_id)
    row = await companies_db.membership(conn, target, lock=True)
    company_id = identity.company_id if identity.is_member else None
    same = company_id is not None and row is not None and row["company_id"] == company_id
    if same:
        await companies_db.lock_company(conn, company_id)
    last_admin = (
        same
        and row["company_role"] == ADMIN
        and await companies_db.admin_count(conn, company_id) == 1
    )
    facts = Colleague(
        same_company=same,
        is_self=target is not None and target == identity.member_id,
        last_admin=last_admin,
        new_role=new_role,
    )
    ctx.authorize(action, facts)
    return row


MAX_NAME = 200


def _company_name(raw: str) -> str:
    name = validation.name(raw, "company.name", max_length=MAX_NAME, required=True)
    if not name_key(name):
        raise problem("BAD_USER_INPUT", "A company name needs letters or digits.", "company.name")
    return name


def _free_mail() -> Exception:
    return problem(
        "FREE_MAIL_DOMAIN",
        "A company is proven by a work address: free-mail and disposable domains cannot be.",
        "email",
    )


def _name_taken() -> Exception:
    return problem(
        "NAME_TAKEN",
        "A company with this name, or one that looks the same, exists.",
        "company.name",
    )
