"""Erasure notices: written to the outbox in the transaction of the change they report.

Promise (The member's own data): partners that received a member's data are
told to erase it.

A partner has received a candidate when the candidate gave a consent receipt
to its company (live or since withdrawn): that is what let the company's ATS
pull them through ``pipeline``. Each of the company's API clients with a
webhook gets one notice per event; a company without such a receipt gets
nothing, so a notice never tells a partner about someone it did not know.

The events, and what the partner is asked to delete:

- ``candidate.erased``: the candidate deleted their account: everything about them;
- ``consent.withdrawn``: the candidate withdrew their consent to share a
  contact that goes on: what the contact's receipt shared;
- ``contact.ended``: the contact ended (either side, a block, hiding from the
  employer, the recruiter leaving the company): the same.

A block or hiding is told exactly as what the other side already sees: the
contact ended (or, for a contact whose recruiter has left the company, the
sharing stopped). Nothing says why (Company blocks and hiding are one-way).

The body is built here, once, and stored as the exact bytes to sign and send;
it names the candidate by ``views.ids.profile_id`` under the partner's company and holds
no personal data of theirs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from config import Settings
from db import outbox as outbox_db
from views import ids

CANDIDATE_ERASED = "candidate.erased"
CONSENT_WITHDRAWN = "consent.withdrawn"
CONTACT_ENDED = "contact.ended"
VERSION = 1


def body(
    settings: Settings, event_id: uuid.UUID, event_type: str, now: datetime, company_id, receipts
) -> str:
    """The notice's JSON (docs/webhooks.md): who, and which requests and fields to delete."""
    candidate_id = receipts[0]["candidate_id"]
    return orjson.dumps(
        {
            "version": VERSION,
            "eventId": str(event_id),
            "type": event_type,
            "occurredAt": now.isoformat(),
            "candidateId": ids.profile_id(settings, company_id, candidate_id),
            "delete": {
                "everything": event_type == CANDIDATE_ERASED,
                "requestIds": sorted(
                    {ids.encode(ids.CONTACT_REQUEST, r["contact_id"]) for r in receipts}
                ),
                "fields": sorted({f for r in receipts for f in r["fields"]}),
            },
        }
    ).decode()


async def notify(
    settings: Settings,
    conn: AsyncConnection,
    event_type: str,
    receipts: Iterable[Mapping[str, Any]],
    now: datetime,
) -> None:
    """One notice per (client with a webhook, candidate, company, contact) for these
    receipts; a ``candidate.erased`` gathers a company's receipts in one notice."""
    groups: dict[tuple, list] = {}
    for receipt in receipts:
        key = (receipt["company_id"], receipt["candidate_id"])
        if event_type != CANDIDATE_ERASED:
            key += (receipt["contact_id"],)
        groups.setdefault(key, []).append(receipt)
    if not groups:
        return
    clients = await outbox_db.webhook_clients(conn, sorted({key[0] for key in groups}))
    notices = []
    for key, group in groups.items():
        for client in clients:
            if client["company_id"] == key[0]:
                event_id = uuid.uuid4()
                notices.append(
                    {
                        "event_id": event_id,
                        "api_client_id": client["id"],
                        "event_type": event_type,
                        "body": body(settings, event_id, event_type, now, key[0], group),
                    }
                )
    await outbox_db.insert_notices(conn, notices, now)


async def candidate_erased(
    settings: Settings, conn: AsyncConnection, candidate_id: uuid.UUID, now: datetime
) -> None:
    """Before the account's rows go: every company that received the candidate is told."""
    receipts = await outbox_db.receipts_of_candidate(conn, candidate_id)
    await notify(settings, conn, CANDIDATE_ERASED, receipts, now)
