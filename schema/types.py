"""Output types of the contract (``../shared/design/api.graphql``).

Private fields are plain attributes: the resolver that builds an object has
already asked the policy about each selected field, and a denied field is
simply ``None`` (rule 1: indistinguishable from an empty field). Plain
attributes also keep strawberry on its fast path.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from policies.fields import Audience as _Audience

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
class Experience:
    title: str | None = None
    employer: Employer | None = None
    employer_sector: str | None = None
    start: str | None = None
    end: str | None = None
    description: str | None = None


@strawberry.type(description="A member's closed persona. Every nullable field may be null for you.")
class Profile(Node):
    alias: str
    kind: MemberKind
    contactability: Contactability
    full_name: str | None = None
    handle: str | None = strawberry.field(
        default=None, description="The open persona's address (identity field)."
    )
    headline: str | None = None
    summary: str | None = None
    photo_url: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    current_title: str | None = None
    seniority: Seniority | None = None
    current_employer: Employer | None = None
    employer_sector: str | None = None
    employer_size_band: SizeBand | None = None
    years_of_experience: int | None = None
    experience_band: str | None = None
    skills: list[str] | None = None
    salary_expectation: SalaryRange | None = None
    open_to_opportunities: bool | None = None
    experiences: list[Experience] | None = None


@strawberry.type(description="The open persona: PUBLIC fields only, no id, no alias.")
class PublicProfile:
    handle: str
    full_name: str | None = None
    headline: str | None = None
    summary: str | None = None
    photo_url: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None
    current_title: str | None = None
    seniority: Seniority | None = None
    current_employer: Employer | None = None
    employer_sector: str | None = None
    employer_size_band: SizeBand | None = None
    years_of_experience: int | None = None
    experience_band: str | None = None
    skills: list[str] | None = None
    salary_expectation: SalaryRange | None = None
    open_to_opportunities: bool | None = None


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
    company: Employer
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
