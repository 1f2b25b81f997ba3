"""Input types of the contract.

The inputs of private fields come from their declarations in ``policies/fields.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import strawberry

from policies.fields import EXPERIENCE, PROFILE, PrivateField, snake
from schema.types import MemberKind, Seniority, SizeBand, add_attributes


@strawberry.input
class CompanyInput:
    name: str
    email_domain: str
    sector: str
    size_band: SizeBand


@strawberry.input(description="The company a recruiter's proven mailbox will create.")
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
    company: NewCompanyInput | None = strawberry.field(
        default=None,
        description="A RECRUITER at a domain no company has yet: the company to create.",
    )


@strawberry.input
class SalaryRangeInput:
    min: int | None = None
    max: int | None = None
    currency: str


def with_inputs(fields: Iterable[PrivateField], default: Any) -> Callable[[type], type]:
    """The input field of each declared field that has an ``edit`` (``policies/fields.py``).

    Its type comes from the kind of edit (a ``Choice`` takes the field's own
    enum); ``default`` marks a field as not given.
    """
    attributes = {
        snake(f.input_name): (f"{f.edit.input_type or f.type} | None", default)
        for f in fields
        if f.edit is not None
    }
    return lambda cls: add_attributes(cls, attributes)


@strawberry.input
@with_inputs(EXPERIENCE, default=None)
class ExperienceInput:
    pass


# ProfileInput's fields in the order the contract first published them; a new
# field's input comes after these (the order changes nothing but the SDL file).
_PUBLISHED_ORDER = (
    "full_name",
    "headline",
    "summary",
    "photo_url",
    "phone",
    "city",
    "region",
    "country",
    "current_title",
    "seniority",
    "current_employer_id",
    "years_of_experience",
    "skills",
    "salary_expectation",
    "open_to_opportunities",
    "contactable",
    "handle",
    "confidential_search",
    "experiences",
)


def in_published_order(cls: type) -> type:
    annotations = inspect.get_annotations(cls)
    rank = {name: i for i, name in enumerate(_PUBLISHED_ORDER)}
    ordered = sorted(annotations, key=lambda name: rank.get(name, len(rank)))
    cls.__annotations__ = {name: annotations[name] for name in ordered}
    return cls


@strawberry.input(description="Every field is optional: only those given change.")
@in_published_order
@with_inputs(PROFILE, default=strawberry.UNSET)
class ProfileInput:
    handle: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The open persona's address (as updatePublicProfile's handle).",
    )
    # Settings of the profile, not private fields.
    contactable: bool | None = strawberry.UNSET
    confidential_search: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Recruiters: show candidates only your company's sector and size band.",
    )
    experiences: list[ExperienceInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole list when given."
    )


@strawberry.input(description="The open persona's own content: only the fields given change.")
class PublicProfileInput:
    handle: str | None = strawberry.UNSET
    display_name: str | None = strawberry.UNSET
    headline: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    photo_url: str | None = strawberry.UNSET
    links: list[str] | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET


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
