"""Per-request context: who is asking, batched loaders, the authorizer, the access log."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from collections.abc import Set as AbstractSet
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.dataloader import DataLoader

from auth.identity import Identity
from config import Settings
from db import access_log as access_log_db
from db import facts as facts_db
from db import profiles as profiles_db
from db.engine import Database
from mail import Mail, Mailer
from policies.actions import Action
from policies.authorizer import Authorizer, Denied
from web.errors import refusal
from web.ratelimit import RateLimiter


@dataclass
class AccessLog:
    """Fields of CONTACTS-or-narrower audience (or identity) received, per owner.

    Collected while profiles are built and written in one insert at the end of
    the request (``web.extensions.AccessLogWriter``).
    """

    seen: dict[uuid.UUID, set[str]] = field(default_factory=dict)
    # How each owner knows the viewer (views.aliases.viewer_label): an owner of one
    # company knows a candidate by that company's alias, a candidate by the stored one.
    labels: dict[uuid.UUID, str] = field(default_factory=dict)

    def record(self, owner_id: uuid.UUID, fields: AbstractSet[str], label: str) -> None:
        if fields:
            self.seen.setdefault(owner_id, set()).update(fields)
            self.labels[owner_id] = label


@dataclass
class Context:
    db: Database
    settings: Settings
    authorizer: Authorizer
    identity: Identity
    request: Any = None
    response: Any = None
    request_id: str = ""
    limiter: RateLimiter | None = None
    # The client's address as budgets count it (auth.client_address).
    client_address: str = ""
    # "bearer" or "cookie" when the request presented a dead credential (see CredentialGate).
    rejected_credential: str | None = None
    access_log: AccessLog = field(default_factory=AccessLog)
    mailer: Mailer | None = None
    # Mails a mutation queued: they leave only once its transaction commits.
    queued_mail: list[Mail] = field(default_factory=list)
    # A query (nothing written in this request) may read from the replica, when
    # caught up: set by ``web.extensions.ReplicaReads`` once the operation is known.
    read_only: bool = False
    # The operation failed because the database went away (set by ErrorMasking).
    database_lost: bool = False
    _loaders: dict[str, DataLoader] = field(default_factory=dict)
    _replica: asyncio.Future[bool] | None = None

    def authorize(self, action: Action, resource: object = None) -> Identity:
        """Who is asking, if the policy lets them do ``action`` on ``resource``;
        else the product's answer to the refusal (``web.errors.refusal``).

        ``resource`` defaults to the action's own plain resource ("pipeline").
        """
        identity = self.identity
        try:
            self.authorizer.authorize(
                identity.actor(), action, action.resource if resource is None else resource
            )
        except Denied as denied:
            raise refusal(
                denied,
                partner=identity.is_partner,
                rejected=self.rejected_credential is not None,
            ) from None
        return identity

    def allowed(self, action: Action, resource: object = None) -> bool:
        """The policy's decision on ``action``, for answers that are not refusals."""
        return self.authorizer.allowed(
            self.identity.actor(), action, action.resource if resource is None else resource
        )

    @property
    def caller(self) -> str:
        """Whose budget an operation spends: the member, the API client, else the address."""
        identity = self.identity
        return str(identity.member_id or identity.partner_client_id or self.client_address)

    async def rate_limit(self, budget: str, subject: object, cost: int = 1) -> None:
        """Spend ``cost`` of ``budget`` for ``subject`` (RATE_LIMITED when spent)."""
        if self.limiter is not None:
            await self.limiter.check(budget, str(subject), cost)

    async def rate_limit_email(self, operation: str, email: str) -> None:
        """``operation`` (signup, login) for ``email``: per client address, then per address.

        The address budget is spent only once the client's is: one client cannot
        spend a stranger's email budget faster than its own.
        """
        await self.rate_limit(f"{operation}_ip", self.client_address)
        await self.rate_limit(operation, email.strip().lower())

    async def rate_limit_mail(self, email: str) -> None:
        """Before a password-reset, verification or new-address mail to ``email``:
        the client's budget, then the address's. Counted before anything is looked
        up, so members and strangers spend alike (Promise: No membership oracle)."""
        await self.rate_limit("mail_ip", self.client_address)
        await self.rate_limit("mail_address", email.strip().lower())

    async def within_budget(self, operation: str, subject: object) -> bool:
        """Spend one call of ``operation``'s budget; False when spent (no error)."""
        if self.limiter is None:
            return True
        return await self.limiter.retry_after(operation, str(subject)) is None

    def user_agent(self) -> str | None:
        if self.request is None:
            return None
        agent = self.request.headers.get("user-agent")
        return agent[:200] if agent else None

    async def write_access_log(self) -> None:
        """What this request delivered to the viewer of others' narrow fields, in one
        insert (``web.extensions.AccessLogWriter`` calls it after each operation)."""
        log = self.access_log
        if not log.seen:
            return
        async with self.db.autocommit() as conn:  # one INSERT: atomic without BEGIN/COMMIT
            await access_log_db.insert_events(
                conn, viewer_id=self.identity.member_id, labels=log.labels, seen=log.seen
            )
        log.seen.clear()
        log.labels.clear()

    def queue_mail(self, mail: Mail) -> None:
        self.queued_mail.append(mail)

    def send_queued_mail(self) -> None:
        """After a commit: the queued mails go, in the background."""
        mails, self.queued_mail = self.queued_mail, []
        if self.mailer is not None:
            for mail in mails:
                self.mailer.send_later(mail)

    def now(self) -> datetime:
        """The current time, from the settings' clock (tests move it to test expiry)."""
        return self.settings.clock()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a read: the replica's if this request may use it, else the primary's.

        Decided once per request (``Database.replica_caught_up``): all its reads
        see the same database, and a mutation reads its own writes.
        """
        if self.read_only and self.db.replica is not None:
            if self._replica is None:
                self._replica = asyncio.ensure_future(self.db.replica_caught_up())
            if await self._replica:
                async with self.db.replica_reads() as conn:
                    yield conn
                return
        async with self.db.autocommit() as conn:
            yield conn

    def forget_loaded(self) -> None:
        self._loaders.clear()

    def loader(self, name: str, load_fn) -> DataLoader:
        """One DataLoader per name per request (so batches never cross requests)."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = self._loaders[name] = DataLoader(load_fn=load_fn)
        return existing

    # The loaders every resolver shares.

    @property
    def profiles(self) -> DataLoader:
        """Profile rows; for a member viewer, with their facts in the same statement
        (the facts loader is primed with them, so it sends nothing more)."""

        async def load(ids: list[uuid.UUID]):
            identity = self.identity
            async with self.reading() as conn:
                if identity.member_id is not None:
                    rows, facts = await profiles_db.load_profiles_seen_by(
                        conn, identity.member_id, list(ids), self.now()
                    )
                    self.facts.prime_many(facts)
                else:
                    rows = await profiles_db.load_profiles(conn, list(ids))
            return [rows.get(i) for i in ids]

        return self.loader("profiles", load)

    @property
    def experiences(self) -> DataLoader:
        async def load(ids: list[uuid.UUID]):
            async with self.reading() as conn:
                rows = await profiles_db.load_experiences(conn, list(ids))
            return [rows.get(i, []) for i in ids]

        return self.loader("experiences", load)

    @property
    def facts(self) -> DataLoader:
        """Raw relationship facts of the viewer towards each owner, one query per batch.

        A member's facts are about the two members; a partner ATS's are about
        its company (consent and company blocks). Anonymous viewers have none.
        """

        async def load(ids: list[uuid.UUID]):
            identity = self.identity
            if identity.is_partner:
                async with self.reading() as conn:
                    found = await facts_db.load_partner_facts(conn, identity.company_id, list(ids))
            elif identity.member_id is not None:
                async with self.reading() as conn:
                    found = await facts_db.load_facts(
                        conn, identity.member_id, list(ids), self.now()
                    )
            else:
                found = {}
            return [found.get(i, facts_db.NO_FACTS) for i in ids]

        return self.loader("facts", load)
