"""Shaping the data export (``viewer.dataExport``, ``GET /account/export``).

Promise (The member's own data): a member takes everything SUPLINKS holds
about them, machine-readable (docs/data-export.md, field by field). What the
export shows of *other* members comes from the same views as the API
(``views.profiles``, ``views.contacts``), so from the same policy: a
counterpart appears as the member may read them, never more.

``EXPORTED`` and ``EXCLUDED`` hold the export to the schema of the tables: a
test checks that every column of every table holding a member's data is in
one of them (with where it goes, or why not), so a column added without a
decision fails it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from policies.fields import EXPERIENCE_FIELDS, PROFILE_FIELDS, camel
from schema import types as t
from views import ids
from views.profiles import audiences_of

# Bumped whenever a field changes meaning or goes; a new field keeps it.
VERSION = 1

Row = Mapping[str, Any]

# Every private field, for the owner's own profile and for counterparts alike:
# what each one may read is the policy's decision, not this selection's.
FULL_PROFILE: dict[str, dict] = {
    "id": {},
    "alias": {},
    "kind": {},
    **{name: {} for name in PROFILE_FIELDS if name != "experiences"},
    "experiences": {name: {} for name in EXPERIENCE_FIELDS},
}


def plain(value: Any) -> Any:
    """A GraphQL output object (or a row's value) as JSON values, keys in camelCase."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        raise TypeError("raw ids never leave the service: encode them (views.ids)")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            camel(f.name): plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name != "contactability"  # what the viewer may do now: not data
        }
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def account(member: Row, own_id: str, role: t.CompanyRole | None) -> dict:
    """The account itself (``own_id``: the member's id as they know it): never its
    password hash."""
    return {
        "id": own_id,
        "email": member["email"],
        "kind": member["kind"],
        "alias": member["alias"],
        "createdAt": plain(member["created_at"]),
        "emailVerifiedAt": plain(member["email_verified_at"]),
        "companyId": ids.encode(ids.COMPANY, member["company_id"])
        if member["company_id"]
        else None,
        "companyRole": plain(role),
        "pendingCompany": member["pending_company"],
    }


def profile(row: Row, own: t.Profile) -> dict:
    """Every field of the member's own profile with its value and its audience, and
    the choices that are not fields (who may contact me, hiding, confidential search)."""
    audiences = audiences_of(row)
    shown = plain(own)
    fields = {
        name: {"value": shown[name], "audience": audiences[name]}
        for name in PROFILE_FIELDS
        if name != "experiences"
    }
    fields["experiences"] = {
        "value": shown["experiences"],
        "audience": audiences["experiences"],
        "itemAudiences": {name: audiences[f"experiences.{name}"] for name in EXPERIENCE_FIELDS},
    }
    return {
        "fields": fields,
        "contactable": bool(row["contactable"]),
        "hideFromCurrentEmployer": bool(row["hide_from_current_employer"]),
        "confidentialSearch": bool(row["confidential_search"]),
        "updatedAt": plain(row["updated_at"]),
    }


def session(row: Row, current: uuid.UUID | None) -> dict:
    """A session as the member lists them: never a token (none is stored, only its id)."""
    return {
        "id": ids.encode(ids.SESSION, row["id"]),
        "createdAt": plain(row["created_at"]),
        "lastUsedAt": plain(row["last_used_at"]),
        "expiresAt": plain(row["expires_at"]),
        "revokedAt": plain(row["revoked_at"]),
        "client": row["client"],
        "current": row["id"] == current,
    }


def mail_link(row: Row) -> dict:
    """A one-time link mailed to the member: what for, where, when; never the token."""
    return {
        "purpose": row["purpose"],
        "email": row["email"],
        "createdAt": plain(row["created_at"]),
        "expiresAt": plain(row["expires_at"]),
        "usedAt": plain(row["used_at"]),
    }


def access_event(row: Row) -> dict:
    return {"at": plain(row["at"]), "viewer": row["viewer_label"], "fields": list(row["fields"])}


def api_client(row: Row) -> dict:
    """A client of the admin's company: never its secret (stored hashed anyway)."""
    return {
        "clientId": row["client_id"],
        "name": row["name"],
        "scopes": list(row["scopes"]),
        "createdAt": plain(row["created_at"]),
        "revokedAt": plain(row["revoked_at"]),
        "webhookUrl": row["webhook_url"],
    }


# --- the export held to the tables (tests/test_data_export.py) --------------------

# Tables that hold no member's data: public records.
NOT_MEMBER_DATA: dict[str, str] = {
    "company": "a public record (name, sector, size band, domain), shown to everyone",
    "handle_tombstone": "keyed hashes of released handles, so none is reused: linked to no "
    "member, and a hash would tell its owner nothing",
    "webhook_outbox": "the company's notices to its partners (an admin lists them with "
    "webhookDeliveries): they name a candidate only by the id that partner knows, with no "
    "other personal data",
    "webhook_attempt": "delivery attempts of those notices: status codes and times",
}

# Where each column of a member's tables goes in the export (docs/data-export.md).
EXPORTED: dict[str, dict[str, str]] = {
    "member": {
        "id": "account.id",
        "email": "account.email",
        "kind": "account.kind",
        "alias": "account.alias",
        "created_at": "account.createdAt",
        "email_verified_at": "account.emailVerifiedAt",
        "company_id": "account.companyId",
        "company_role": "account.companyRole",
        "pending_company": "account.pendingCompany",
    },
    "profile": {
        "member_id": "account.id",
        **{
            column: f"profile.fields.{field}"
            for column, field in (
                ("full_name", "fullName"),
                ("headline", "headline"),
                ("summary", "summary"),
                ("photo_url", "photoUrl"),
                ("phone", "phone"),
                ("city", "city"),
                ("region", "region"),
                ("country", "country"),
                ("current_title", "currentTitle"),
                ("seniority", "seniority"),
                ("current_employer_id", "currentEmployer"),
                ("years_of_experience", "yearsOfExperience"),
                ("skills", "skills"),
                ("salary_min", "salaryExpectation"),
                ("salary_max", "salaryExpectation"),
                ("salary_currency", "salaryExpectation"),
                ("open_to_opportunities", "openToOpportunities"),
            )
        },
        "audiences": "profile.fields.*.audience",
        "contactable": "profile.contactable",
        "hide_from_current_employer": "profile.hideFromCurrentEmployer",
        "confidential_search": "profile.confidentialSearch",
        "updated_at": "profile.updatedAt",
    },
    "open_persona": {
        "member_id": "account.id",
        "handle": "openPersona.handle",
        "display_name": "openPersona.displayName",
        "headline": "openPersona.headline",
        "summary": "openPersona.summary",
        "photo_url": "openPersona.photoUrl",
        "links": "openPersona.links",
        "skills": "openPersona.skills",
        "published": "openPersona.published",
        "updated_at": "openPersona.updatedAt",
    },
    "experience": {
        "member_id": "account.id",
        "position": "profile.fields.experiences.value (in order)",
        "title": "profile.fields.experiences.value[].title",
        "employer_id": "profile.fields.experiences.value[].employer",
        "start": "profile.fields.experiences.value[].start",
        "end": "profile.fields.experiences.value[].end",
        "description": "profile.fields.experiences.value[].description",
    },
    "auth_session": {
        "id": "sessions[].id",
        "member_id": "account.id",
        "created_at": "sessions[].createdAt",
        "expires_at": "sessions[].expiresAt",
        "revoked_at": "sessions[].revokedAt",
        "last_used_at": "sessions[].lastUsedAt",
        "client": "sessions[].client",
    },
    "mail_token": {
        "purpose": "mailLinks[].purpose",
        "member_id": "account.id",
        "email": "mailLinks[].email",
        "created_at": "mailLinks[].createdAt",
        "expires_at": "mailLinks[].expiresAt",
        "used_at": "mailLinks[].usedAt",
    },
    "contact": {
        "id": "contacts[].id",
        "recruiter_id": "contacts[].counterpart (a candidate's) or account.id",
        "candidate_id": "contacts[].counterpart (a recruiter's) or account.id",
        "status": "contacts[].status",
        "message": "contacts[].message",
        "created_at": "contacts[].createdAt",
        "responded_at": "contacts[].respondedAt",
        "share_with_ats": "contacts[].sharedWithAts",
    },
    "member_block": {
        "blocker_id": "account.id",
        "blocked_id": "blocks.members[].member",
        "created_at": "blocks.members[].blockedAt",
    },
    "company_block": {
        "blocker_id": "account.id",
        "company_id": "blocks.companies[].company",
        "created_at": "blocks.companies[].blockedAt",
    },
    "access_event": {
        "owner_id": "account.id",
        "viewer_label": "accessLog[].viewer",
        "fields": "accessLog[].fields",
        "at": "accessLog[].at",
    },
    "api_client": {
        "client_id": "apiClients[].clientId",
        "company_id": "account.companyId",
        "name": "apiClients[].name",
        "scopes": "apiClients[].scopes",
        "created_at": "apiClients[].createdAt",
        "revoked_at": "apiClients[].revokedAt",
        "webhook_url": "apiClients[].webhookUrl",
    },
    "consent_receipt": {
        "id": "consentReceipts[].id",
        "contact_id": "consentReceipts[].requestId",
        "candidate_id": "account.id",
        "company_id": "consentReceipts[].company",
        "counterpart": "consentReceipts[].counterpart",
        "purpose": "consentReceipts[].purpose",
        "fields": "consentReceipts[].fields",
        "created_at": "consentReceipts[].createdAt",
        "withdrawn_at": "consentReceipts[].withdrawnAt",
    },
}

# Columns of a member's tables left out, each with the reason.
EXCLUDED: dict[str, dict[str, str]] = {
    "member": {
        "password_hash": "a secret's hash: useless to its owner, dangerous in a file",
    },
    "profile": {
        "headline_tsv": "computed from headline for search; the headline itself is exported",
        "summary_tsv": "computed from summary for search; the summary itself is exported",
    },
    "experience": {
        "id": "an internal key: experiences are replaced as a whole, never named by id",
    },
    "mail_token": {
        "id": "an internal key, named by nothing the member holds",
        "token_hash": "a hash of a one-time secret: useless to its owner",
    },
    "contact": {
        "company_id": "the recruiter's company when sent: a confidential search hides it from "
        "the candidate until acceptance; the counterpart's currentEmployer is what the member "
        "may read of it",
        "expires_at": "what it means is the status (EXPIRED), as viewer.contacts shows it; "
        "a silently declined request must read as unanswered to its recruiter",
        "ended_at": "for a request closed by the other side's block, when that block happened: "
        "the status says the request ended, the date would tell of the block",
    },
    "access_event": {
        "id": "an internal key",
        "viewer_id": "who the viewer is beyond the label the member was shown (their alias, "
        "or an ATS's name): the member reads the label only",
    },
    "api_client": {
        "id": "an internal key; clientId is the client's name in the API",
        "secret_hash": "a hash of the client's secret: never shown again, even to an admin",
        "webhook_salt": "derives the webhook's signing secret: a secret, shown once",
    },
    "open_persona": {
        "handle_key": "the handle as a reader sees it (look-alikes folded): derived from it",
    },
}
