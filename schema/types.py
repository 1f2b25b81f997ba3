"""Output types of the contract (``../shared/design/api.graphql``).

Private fields are plain attributes: the resolver that builds an object has
already asked the policy about each selected field, and a denied field is
simply ``None`` (Promise (Denied fields are null): indistinguishable from an
empty field). Plain attributes also keep strawberry on its fast path. The private fields of
``Profile`` and ``Experience`` are not written here: they come from their
declarations in ``policies/fields.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

import strawberry

from policies.fields import EXPERIENCE, PROFILE, PrivateField
from policies.fields import Audience as _Audience


def add_attributes(cls: type, attributes: dict[str, tuple[str, Any]]) -> type:
    """Annotates ``cls`` with each ``name: (annotation, default)``, as if written in its body.

    Applied before ``strawberry.type``; the annotations are resolved in the
    class's module, like those written by hand.
    """
    annotations = inspect.get_annotations(cls)
    for name, (annotation, default) in attributes.items():
        annotations[name] = annotation
        setattr(cls, name, default)
    cls.__annotations__ = annotations
    return cls


def with_private_fields(fields: Iterable[PrivateField]) -> Callable[[type], type]:
    """One nullable plain attribute per declared field (``policies/fields.py``).

    The annotation is the declared type, the default ``None`` (Promise (Denied
    fields are null)). Plain attributes keep strawberry's fast path.
    """
    attributes = {
        f.attribute: (
            f"{f.type} | None",
            strawberry.field(default=None, description=f.description) if f.description else None,
        )
        for f in fields
    }
    return lambda cls: add_attributes(cls, attributes)


Audience = strawberry.enum(_Audience, description="Who may read a field, widest first.")


@strawberry.enum
class MemberKind(Enum):
    CANDIDATE = "CANDIDATE"
    RECRUITER = "RECRUITER"


@strawberry.enum
class ContactStatus(Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"
    WITHDRAWN = "WITHDRAWN"
    ENDED = "ENDED"


@strawberry.enum
class Seniority(Enum):
    JUNIOR = "JUNIOR"
    MID = "MID"
    SENIOR = "SENIOR"
    LEAD = "LEAD"
    EXECUTIVE = "EXECUTIVE"


@strawberry.enum
class SizeBand(Enum):
    S1_10 = "S1_10"
    S11_50 = "S11_50"
    S51_200 = "S51_200"
    S201_1000 = "S201_1000"
    S1001_5000 = "S1001_5000"
    S5001_PLUS = "S5001_PLUS"


@strawberry.enum(description="ADMIN manages the company's API clients and recruiters.")
class CompanyRole(Enum):
    ADMIN = "ADMIN"
    RECRUITER = "RECRUITER"


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.type
class Employer:
    id: strawberry.ID
    name: str
    sector: str | None = None
    size_band: SizeBand | None = None


@strawberry.type
class SalaryRange:
    min: int | None = None
    max: int | None = None
    currency: str = ""


@strawberry.type
class Contactability:
    can_request_contact: bool
    reason: str | None = None


@strawberry.type
@with_private_fields(EXPERIENCE)
class Experience:
    pass


@strawberry.type(description="A member's closed persona. Every nullable field may be null for you.")
@with_private_fields(PROFILE)
class Profile(Node):
    alias: str
    kind: MemberKind
    contactability: Contactability


@strawberry.type(
    description="The open persona: its own content, the same for every reader. No id, "
    "no alias, nothing of the closed persona."
)
class PublicProfile:
    handle: str
    display_name: str | None = None
    headline: str | None = None
    summary: str | None = None
    photo_url: str | None = None
    links: list[str] = strawberry.field(default_factory=list)
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.type(
    description="A pair of values that could join the open persona to the closed one "
    "for some audience."
)
class LinkabilityWarning:
    public_field: str
    closed_field: str
    audience: Audience
    reason: str


@strawberry.type(
    description="A contact edge, seen by one of its two endpoints (or, once its candidate "
    "shared it with the company's ATS, in that company's pipeline)."
)
class ContactRequest(Node):
    status: ContactStatus
    message: str
    created_at: str
    responded_at: str | None
    counterpart: Profile
    shared_with_ats: bool


@strawberry.type(
    description="My consent to share a contact with the company's applicant tracking system: "
    "when, with which company, why, and which fields. Withdrawn: no longer shared."
)
class ConsentReceipt:
    id: strawberry.ID
    request_id: strawberry.ID = strawberry.field(description="The contact request it covers.")
    counterpart: str = strawberry.field(
        description="The other side as I knew them when I consented (their alias, the company):"
        " kept whatever happened to them since."
    )
    company: Employer | None = strawberry.field(
        description="The company, while its record exists (companies are public records)."
    )
    purpose: str
    fields: list[str] = strawberry.field(
        description="The private fields shared: those a contact could read when I consented."
    )
    created_at: str
    withdrawn_at: str | None = None


@strawberry.type
class FieldAudience:
    field: str
    audience: Audience


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = None


@strawberry.type
class ProfileEdge:
    node: Profile
    cursor: str


@strawberry.type
class ProfileConnection:
    edges: list[ProfileEdge]
    page_info: PageInfo


@strawberry.type
class ContactRequestEdge:
    node: ContactRequest
    cursor: str


@strawberry.type
class ContactRequestConnection:
    edges: list[ContactRequestEdge]
    page_info: PageInfo


@strawberry.type(description="Who (described as you may know them) saw which of your fields, when.")
class AccessEvent:
    at: str
    viewer: str
    fields: list[str]


@strawberry.type
class AccessEventEdge:
    node: AccessEvent
    cursor: str


@strawberry.type
class AccessEventConnection:
    edges: list[AccessEventEdge]
    page_info: PageInfo


@strawberry.type
class Session:
    """One of my logged-in sessions."""

    id: strawberry.ID
    created_at: str
    last_used_at: str | None
    client: str | None  # the User-Agent that opened it
    current: bool  # the session of this request


@strawberry.type
class UserError:
    field: str | None
    message: str
    code: str


@strawberry.type(description="A recruiter of my company, as I may see them, and their role.")
class CompanyMember:
    profile: Profile
    role: CompanyRole


@strawberry.enum(description="PENDING until the partner answers 2xx; DEAD after the last attempt.")
class DeliveryStatus(Enum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


@strawberry.type(
    description="An erasure notice to an API client's webhook and its delivery. Its body "
    "is not shown again: the partner's own records hold it, under `eventId`."
)
class WebhookDelivery:
    event_id: str
    type: str
    status: DeliveryStatus
    attempts: int
    created_at: str
    last_attempt_at: str | None
    last_status_code: int | None
    last_error: str | None  # the class of the last error (e.g. ConnectError, UnsafeUrl)
    finished_at: str | None  # when it was delivered, or given up on


@strawberry.type
class WebhookDeliveryEdge:
    node: WebhookDelivery
    cursor: str


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo
