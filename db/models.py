"""The tables. Queries live beside them in ``db/*.py``; nothing here decides privacy."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID
from sqlmodel import Field, SQLModel

from db.sqlguard import literal


def _now_column() -> Column:
    return Column(DateTime(timezone=True), nullable=False, server_default=func.now())


def _fk(target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> Column:
    return Column(ForeignKey(target, ondelete=ondelete), nullable=nullable)


class Company(SQLModel, table=True):
    """A canonical company: blocks and "hide from my employer" use its id, never a name."""

    __tablename__ = "company"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    email_domain: str = Field(sa_column=Column(String(253), nullable=False, unique=True))
    # The name as a reader sees it (``db.company_names.name_key``): two
    # companies whose names cannot be told apart cannot both exist. Every
    # company the service creates has one; NULL only in rows that benchmarks
    # and test fixtures write straight into the table.
    name_key: str | None = Field(default=None, sa_column=Column(String(200), unique=True))
    sector: str = Field(sa_column=Column(String(100), nullable=False))
    size_band: str = Field(sa_column=Column(String(20), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())

    __table_args__ = (
        Index("ix_company_name_lower", text("lower(name) text_pattern_ops")),
        # Serves the crowd counts of Promise (Coarse companions are k-anonymous)
        # and any lookup by sector alone.
        Index("ix_company_crowd", text("lower(sector)"), "size_band"),
    )


class Member(SQLModel, table=True):
    """An account. The profile row holds what others may (or may not) read."""

    __tablename__ = "member"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_column=Column(String(254), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    # A recruiter's company, proven by their work email's domain.
    company_id: uuid.UUID | None = Field(
        default=None, sa_column=_fk("company.id", nullable=True, ondelete="RESTRICT")
    )
    # A recruiter's role in that company: "ADMIN" or "RECRUITER" (a member of a
    # company without one, written straight into the table, is a RECRUITER).
    company_role: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    alias: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    # When the member proved their mailbox (migration 0004); until then they can
    # only log in to be told so, verify, ask for another mail, or reset the password.
    email_verified_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # A recruiter's company to create once their mailbox at its domain is proven.
    pending_company: dict | None = Field(default=None, sa_column=Column(JSONB, nullable=True))

    # Search (migration 0003): the few members it never returns, probed per row.
    # A deleted account has no row at all (``deleteAccount``), so only the kind counts.
    __table_args__ = (
        Index("ix_member_not_searchable", "id", postgresql_where=text("kind <> 'CANDIDATE'")),
        # A company's recruiters and their roles (companyMembers, the last-admin check).
        Index("ix_member_company", "company_id", "company_role"),
        CheckConstraint("company_role IN ('ADMIN', 'RECRUITER')", name="ck_member_company_role"),
    )


# The fields search filters on (``db.search``), each with the snake-case name of
# its partial index on the owner's explicit audience choice.
SEARCHED_FIELDS = {
    "skills": "skills",
    "region": "region",
    "country": "country",
    "seniority": "seniority",
    "currentEmployer": "current_employer",
    "employerSector": "employer_sector",
    "yearsOfExperience": "years_of_experience",
    "experienceBand": "experience_band",
    "openToOpportunities": "open_to_opportunities",
    "headline": "headline",
    "summary": "summary",
}


class Profile(SQLModel, table=True):
    """Every attribute of the contract's ``Profile``; ``audiences`` says who reads which."""

    __tablename__ = "profile"

    member_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    full_name: str = Field(sa_column=Column(String(200), nullable=False))
    headline: str | None = Field(default=None, sa_column=Column(String(200)))
    summary: str | None = Field(default=None, sa_column=Column(String(4000)))
    photo_url: str | None = Field(default=None, sa_column=Column(String(500)))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))
    city: str | None = Field(default=None, sa_column=Column(String(100)))
    region: str | None = Field(default=None, sa_column=Column(String(100)))
    country: str | None = Field(default=None, sa_column=Column(String(100)))
    current_title: str | None = Field(default=None, sa_column=Column(String(200)))
    seniority: str | None = Field(default=None, sa_column=Column(String(20)))
    current_employer_id: uuid.UUID | None = Field(
        default=None, sa_column=_fk("company.id", nullable=True, ondelete="SET NULL")
    )
    years_of_experience: int | None = Field(default=None, sa_column=Column(Integer))
    skills: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(60)), nullable=False, server_default="{}"),
    )
    salary_min: int | None = Field(default=None, sa_column=Column(Integer))
    salary_max: int | None = Field(default=None, sa_column=Column(Integer))
    salary_currency: str | None = Field(default=None, sa_column=Column(String(3)))
    open_to_opportunities: bool = Field(default=False)
    contactable: bool = Field(default=True)
    hide_from_current_employer: bool = Field(default=True)
    confidential_search: bool = Field(default=False)
    # Only the member's explicit choices; policies.fields supplies the defaults.
    audiences: dict[str, str] = Field(
        default_factory=dict,
        sa_column=Column(JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    )
    # Full-text vectors, one per field, because each field has its own audience:
    # search may only match words of a field the viewer may read.
    headline_tsv: str | None = Field(
        default=None,
        sa_column=Column(
            TSVECTOR, Computed("to_tsvector('english', coalesce(headline, ''))", persisted=True)
        ),
    )
    summary_tsv: str | None = Field(
        default=None,
        sa_column=Column(
            TSVECTOR, Computed("to_tsvector('english', coalesce(summary, ''))", persisted=True)
        ),
    )
    updated_at: datetime | None = Field(default=None, sa_column=_now_column())

    # Search (migration 0002): an index per filter, and per searched field a
    # small partial index on the owner's explicit audience choice.
    __table_args__ = (
        Index("ix_profile_skills", "skills", postgresql_using="gin"),
        Index("ix_profile_region_lower", text("lower(region)"), "member_id"),
        Index("ix_profile_country_lower", text("lower(country)"), "member_id"),
        Index("ix_profile_seniority", "seniority"),
        Index("ix_profile_current_employer", "current_employer_id"),
        Index("ix_profile_years", "years_of_experience"),
        Index("ix_profile_open", "member_id", postgresql_where=text("open_to_opportunities")),
        Index("ix_profile_headline_tsv", "headline_tsv", postgresql_using="gin"),
        Index("ix_profile_summary_tsv", "summary_tsv", postgresql_using="gin"),
        *(
            Index(
                f"ix_profile_audience_{snake}",
                text(f"(audiences ->> {literal(field, SEARCHED_FIELDS)})"),
                postgresql_where=text(
                    f"(audiences ->> {literal(field, SEARCHED_FIELDS)}) IS NOT NULL"
                ),
            )
            for field, snake in SEARCHED_FIELDS.items()
        ),
    )


class OpenProfile(SQLModel, table=True):
    """The open persona: its own content, written apart from the closed profile.

    Nothing here is copied from ``profile`` and search never reads this table
    (Promise (Unlinkable)). ``handle_key``
    is the handle as a reader sees it (``db.company_names.handle_key``): two
    handles that look alike cannot both be claimed.
    """

    __tablename__ = "open_persona"

    member_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    handle: str = Field(sa_column=Column(String(40), nullable=False, unique=True))
    # Look-alike skeletons may be longer than the handle ("m" is "rn"): twice its 40.
    handle_key: str | None = Field(default=None, sa_column=Column(String(80), unique=True))
    display_name: str | None = Field(default=None, sa_column=Column(String(200)))
    headline: str | None = Field(default=None, sa_column=Column(String(200)))
    summary: str | None = Field(default=None, sa_column=Column(String(4000)))
    photo_url: str | None = Field(default=None, sa_column=Column(String(500)))
    links: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(500)), nullable=False, server_default="{}"),
    )
    skills: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(60)), nullable=False, server_default="{}"),
    )
    published: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=text("false"))
    )
    updated_at: datetime | None = Field(default=None, sa_column=_now_column())


class HandleTombstone(SQLModel, table=True):
    """A released handle, never to be claimed again (deleted account, changed handle).

    Only a keyed hash of its ``handle_key`` (``auth.security.handle_digest``):
    the table names no handle and no member.
    """

    __tablename__ = "handle_tombstone"

    digest: bytes = Field(sa_column=Column(LargeBinary(32), primary_key=True))
    released_at: datetime | None = Field(default=None, sa_column=_now_column())


class Experience(SQLModel, table=True):
    __tablename__ = "experience"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    position: int = Field(default=0)
    title: str | None = Field(default=None, sa_column=Column(String(200)))
    employer_id: uuid.UUID | None = Field(
        default=None, sa_column=_fk("company.id", nullable=True, ondelete="SET NULL")
    )
    start: str | None = Field(default=None, sa_column=Column(String(10)))
    end: str | None = Field(default=None, sa_column=Column(String(10)))
    description: str | None = Field(default=None, sa_column=Column(String(4000)))

    __table_args__ = (Index("ix_experience_member", "member_id", "position"),)


class AuthSession(SQLModel, table=True):
    """A logged-in session. Access tokens name it; ``logOut`` revokes it server-side."""

    __tablename__ = "auth_session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    member_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # For the member's list of their sessions (migration 0004): refreshed at most
    # once a minute, and the client's User-Agent when it opened.
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    client: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))

    __table_args__ = (
        Index("ix_auth_session_member", "member_id"),
        Index("ix_auth_session_expires", "expires_at"),  # the retention purge
    )


class MailToken(SQLModel, table=True):
    """A one-time token mailed to ``email``: only its SHA-256 is kept, so the
    database never holds a usable token. Single use, expiring, for one purpose
    (``verify``, ``reset``, ``change_email``) and one address."""

    __tablename__ = "mail_token"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    purpose: str = Field(sa_column=Column(String(20), nullable=False))
    member_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    email: str = Field(sa_column=Column(String(254), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )

    __table_args__ = (
        Index("ix_mail_token_member", "member_id"),
        Index("ix_mail_token_expires", "expires_at"),  # the retention purge
    )


class Contact(SQLModel, table=True):
    """The only network edge: recruiter -> candidate, visible to its two endpoints only."""

    __tablename__ = "contact"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    recruiter_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    candidate_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    # The recruiter's company when the request was sent: the pipeline belongs to it.
    company_id: uuid.UUID = Field(sa_column=_fk("company.id", ondelete="RESTRICT"))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    responded_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    share_with_ats: bool = Field(default=False)

    __table_args__ = (
        # One open request (or live contact) per pair.
        Index(
            "uq_contact_open_pair",
            "recruiter_id",
            "candidate_id",
            unique=True,
            postgresql_where=text("status IN ('PENDING', 'ACCEPTED')"),
        ),
        Index("ix_contact_candidate", "candidate_id", "status"),
        Index("ix_contact_recruiter", "recruiter_id", "status", "created_at"),
        Index("ix_contact_recruiter_recent", "recruiter_id", "created_at"),
        Index("ix_contact_company", "company_id", "status"),
        # The retention purge of ended contacts.
        Index("ix_contact_ended", "ended_at", postgresql_where=text("ended_at IS NOT NULL")),
    )


class MemberBlock(SQLModel, table=True):
    __tablename__ = "member_block"

    blocker_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    blocked_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=_now_column())

    __table_args__ = (Index("ix_member_block_blocked", "blocked_id"),)


class CompanyBlock(SQLModel, table=True):
    __tablename__ = "company_block"

    blocker_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    company_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("company.id", ondelete="CASCADE"), primary_key=True)
    )
    created_at: datetime | None = Field(default=None, sa_column=_now_column())

    __table_args__ = (Index("ix_company_block_company", "company_id"),)


class AccessEvent(SQLModel, table=True):
    """Who received which of a member's narrow-audience or identity fields, and when."""

    __tablename__ = "access_event"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    viewer_id: uuid.UUID | None = Field(
        default=None, sa_column=_fk("member.id", nullable=True, ondelete="SET NULL")
    )
    viewer_label: str = Field(sa_column=Column(String(300), nullable=False))
    fields: list[str] = Field(sa_column=Column(ARRAY(String(60)), nullable=False))
    at: datetime | None = Field(default=None, sa_column=_now_column())

    __table_args__ = (
        Index("ix_access_event_owner_at", "owner_id", "at"),
        Index("ix_access_event_at", "at"),  # the retention purge
    )


class ApiClient(SQLModel, table=True):
    """A partner ATS's OAuth2 client, owned by a company. The secret is stored hashed."""

    __tablename__ = "api_client"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    client_id: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(Text, nullable=False))
    company_id: uuid.UUID = Field(sa_column=_fk("company.id"))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    scopes: list[str] = Field(sa_column=Column(ARRAY(String(60)), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # Where the partner's erasure notices go (migration 0010), and the salt of
    # their signing secret: HMAC(SUPLINKS_SECRET_KEY, salt) (see web/webhooks.py),
    # so that a copy of the database alone cannot sign a notice.
    webhook_url: str | None = Field(default=None, sa_column=Column(String(2000), nullable=True))
    webhook_salt: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class ConsentReceipt(SQLModel, table=True):
    """A candidate's consent to share a contact with the company's ATS: when, who, why, what.

    It is the candidate's record, so it outlives the other side (migration
    0009): ``contact_id`` keeps the request's id with no foreign key (the
    recruiter's deletion takes the contact, not the receipt), the company
    may go (``company_id`` becomes NULL), and ``counterpart`` says who the
    other side was as the candidate knew them when she consented.
    """

    __tablename__ = "consent_receipt"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    contact_id: uuid.UUID = Field(sa_column=Column(Uuid, nullable=False))
    candidate_id: uuid.UUID = Field(sa_column=_fk("member.id"))
    company_id: uuid.UUID | None = Field(
        default=None, sa_column=_fk("company.id", nullable=True, ondelete="SET NULL")
    )
    # "<recruiter's alias>, <company's name>": what the candidate saw when she consented.
    counterpart: str = Field(sa_column=Column(String(300), nullable=False))
    purpose: str = Field(sa_column=Column(String(200), nullable=False))
    fields: list[str] = Field(sa_column=Column(ARRAY(String(60)), nullable=False))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )

    __table_args__ = (
        UniqueConstraint("contact_id", "created_at"),
        Index("ix_consent_receipt_candidate", "candidate_id"),
    )


class WebhookOutbox(SQLModel, table=True):
    """One erasure notice to one partner's webhook, written in the transaction of the
    change it reports (migration 0010) and delivered by the worker (web/worker.py).

    ``body`` is the exact JSON that is signed and sent, built once: every retry
    sends the same bytes under the same ``event_id``.
    """

    __tablename__ = "webhook_outbox"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    event_id: uuid.UUID = Field(sa_column=Column(UUID(as_uuid=True), nullable=False, unique=True))
    api_client_id: uuid.UUID = Field(sa_column=_fk("api_client.id"))
    event_type: str = Field(sa_column=Column(String(40), nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    # PENDING until a 2xx answer (DELIVERED) or the last attempt failed (DEAD).
    status: str = Field(sa_column=Column(String(20), nullable=False))
    attempts: int = Field(sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime | None = Field(default=None, sa_column=_now_column())
    next_attempt_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    finished_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )

    __table_args__ = (
        Index(
            "ix_webhook_outbox_due", "next_attempt_at", postgresql_where=text("status = 'PENDING'")
        ),
        Index("ix_webhook_outbox_client", "api_client_id", "created_at", "id"),
        Index(
            "ix_webhook_outbox_finished",
            "status",
            "finished_at",
            postgresql_where=text("finished_at IS NOT NULL"),
        ),
        CheckConstraint(
            "status IN ('PENDING', 'DELIVERED', 'DEAD')", name="ck_webhook_outbox_status"
        ),
    )


class WebhookAttempt(SQLModel, table=True):
    """One delivery attempt of a notice: when, the answer's status code or the error's
    class. Never the body: the partner's own records hold what the notice said."""

    __tablename__ = "webhook_attempt"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    outbox_id: uuid.UUID = Field(sa_column=_fk("webhook_outbox.id"))
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    error: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))

    __table_args__ = (Index("ix_webhook_attempt_outbox", "outbox_id", "attempt"),)


metadata = SQLModel.metadata
