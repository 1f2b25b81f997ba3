"""Input types of the contract."""

from __future__ import annotations

import strawberry

from schema.types import MemberKind, Seniority, SizeBand


@strawberry.input
class CompanyInput:
    name: str
    email_domain: str
    sector: str
    size_band: SizeBand


@strawberry.input(description="The company a recruiter creates by proving a mailbox at its domain.")
class NewCompanyInput:
    name: str
    sector: str
    size_band: SizeBand


@strawberry.input
class SignUpInput:
    email: str
    password: str
    kind: MemberKind
    full_name: str
    # A RECRUITER at a domain no company has yet: the company to create at verification.
    company: NewCompanyInput | None = None


@strawberry.input
class SalaryRangeInput:
    min: int | None = None
    max: int | None = None
    currency: str


@strawberry.input
class ExperienceInput:
    title: str | None = None
    employer_id: strawberry.ID | None = None
    start: str | None = None
    end: str | None = None
    description: str | None = None


@strawberry.input(description="Every field is optional: only those given change.")
class ProfileInput:
    full_name: str | None = strawberry.UNSET
    headline: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    photo_url: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    region: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    current_title: str | None = strawberry.UNSET
    seniority: Seniority | None = strawberry.UNSET
    current_employer_id: strawberry.ID | None = strawberry.UNSET
    years_of_experience: int | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET
    salary_expectation: SalaryRangeInput | None = strawberry.UNSET
    open_to_opportunities: bool | None = strawberry.UNSET
    contactable: bool | None = strawberry.UNSET
    handle: str | None = strawberry.UNSET
    confidential_search: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Recruiters: show candidates only your company's sector and size band.",
    )
    experiences: list[ExperienceInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole list when given."
    )


@strawberry.input
class CandidateFilter:
    skills: list[str] | None = None
    region: str | None = None
    country: str | None = None
    seniority: list[Seniority] | None = None
    employer_sector: str | None = None
    current_employer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Matches only where the current employer is readable to you."
    )
    min_years_of_experience: int | None = None
    open_to_opportunities: bool | None = None
    text: str | None = None
