"""The registry of private fields: one declaration per field a member can hide.

Each ``PrivateField`` says everything the rest of the code needs: its GraphQL
name and type, the column it is read from, its default audience for each kind
of member, whether it identifies the member, which precise field it coarsens,
and how ``updateProfile`` takes it. From these declarations come the
strawberry fields of ``Profile`` and ``Experience``
(``schema/types.py``), the input fields of ``ProfileInput`` and
``ExperienceInput`` (``schema/inputs.py``), the value readers
(``views/profiles.py``), the input checks (``resolvers/profiles.py``) and the
facts the policy is asked about (identity, audiences). A new private field is
one line here, a column with its migration, and a test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any


class Audience(StrEnum):
    """Who may read a field of the closed persona, widest first. The sets nest
    (docs/design.md, "Vocabulary"). There is no PUBLIC: the open persona is its
    own content (``PublicProfile``), never a window onto these fields."""

    MEMBERS = "MEMBERS"
    RECRUITERS = "RECRUITERS"
    CONTACTS = "CONTACTS"
    ONLY_ME = "ONLY_ME"


AUDIENCE_ORDER: tuple[Audience, ...] = tuple(Audience)


# --- how updateProfile takes a field (checked in resolvers/profiles.py) -------


@dataclass(frozen=True)
class Text:
    """Trimmed NFC text of at most ``max_length`` characters, without control
    characters (newline and tab allowed when ``multiline``); empty clears it
    unless required."""

    max_length: int
    required: bool = False
    multiline: bool = False
    input_type = "str"


@dataclass(frozen=True)
class Name:
    """A name shown to others: text without format characters (zero-width, bidi)."""

    max_length: int
    required: bool = False
    input_type = "str"


@dataclass(frozen=True)
class Date:
    """A real calendar date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""

    input_type = "str"


@dataclass(frozen=True)
class Url:
    """An https address to a public host, without credentials."""

    input_type = "str"


@dataclass(frozen=True)
class Whole:
    """A whole number within bounds."""

    low: int
    high: int
    input_type = "int"


@dataclass(frozen=True)
class Choice:
    """One value of the field's own enum type."""

    input_type = None  # the output type


@dataclass(frozen=True)
class Flag:
    """true or false, never null."""

    input_type = "bool"


@dataclass(frozen=True)
class Skills:
    """Up to 50 distinct lower-cased skills."""

    input_type = "list[str]"


@dataclass(frozen=True)
class Salary:
    """A range in one currency, stored in ``<column>_min``, ``_max`` and ``_currency``."""

    input_type = "SalaryRangeInput"


@dataclass(frozen=True)
class CompanyRef:
    """A company's opaque id; the input is named ``<field>Id``."""

    input_type = "strawberry.ID"


Edit = Text | Name | Date | Url | Whole | Choice | Flag | Skills | Salary | CompanyRef


# --- the declaration ----------------------------------------------------------


@cache  # a handful of names, converted for every field plan of every page
def snake(name: str) -> str:
    """``currentEmployer`` -> ``current_employer``: the Python attribute of a GraphQL name."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@cache
def camel(name: str) -> str:
    """``current_employer`` -> ``currentEmployer``."""
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


@dataclass(frozen=True)
class PrivateField:
    """One private field, declared once.

    ``type`` is the GraphQL type as a Python annotation in ``schema/types.py``
    (``"str"``, ``"Seniority"``, ``"list[str]"``); the field is always nullable,
    because a denied field is null. ``column`` is the key of the profile row
    it is read from (default: the snake_case name); ``coarsen`` turns that
    column's value into this field's (a coarse companion computed on read).
    ``crowd`` names the row key holding how many registered companies share a
    coarse companion's value: under k, the value is *lone* and reads only as its
    exact field would (Promise (Coarse companions are k-anonymous)).
    """

    name: str
    type: str
    candidate: Audience
    recruiter: Audience | None = None  # None: as for a candidate
    column: str | None = None
    identity: bool = False
    coarse_of: str | None = None
    coarsen: Callable[[Any], Any] | None = None
    crowd: str | None = None
    edit: Edit | None = None  # None: not changed through updateProfile's generic path
    description: str | None = None

    @property
    def attribute(self) -> str:
        """The Python attribute of the strawberry type."""
        return snake(self.name)

    @property
    def source(self) -> str:
        """The row key the value is read from."""
        return self.column or self.attribute

    @property
    def input_name(self) -> str:
        """The GraphQL name of its input field."""
        return f"{self.name}Id" if isinstance(self.edit, CompanyRef) else self.name

    def default_for(self, kind: str) -> Audience:
        if kind == "RECRUITER" and self.recruiter is not None:
            return self.recruiter
        return self.candidate


def experience_band(years: int | None) -> str | None:
    """The coarse companion of yearsOfExperience."""
    if years is None:
        return None
    for upper, label in ((2, "0-2"), (5, "2-5"), (10, "5-10"), (20, "10-20")):
        if years < upper:
            return label
    return "20+"


_C = Audience.CONTACTS
_R = Audience.RECRUITERS
_M = Audience.MEMBERS

# Promise (The member's own data): defaults protect anonymity. A new candidate
# shows recruiters their alias, headline, region, seniority, sector, size band,
# skills and experience band, and nothing that identifies them. A recruiter
# shows members who they recruit for (a confidential search hides the company,
# which the policy handles). Identity fields reach contacts only, whatever
# their audience (the policy, with ``identity``).
PROFILE: tuple[PrivateField, ...] = (
    PrivateField("fullName", "str", _C, identity=True, edit=Name(200, required=True)),
    PrivateField("headline", "str", _R, _M, edit=Text(200)),
    PrivateField("summary", "str", _C, edit=Text(4000, multiline=True)),
    PrivateField("photoUrl", "str", _C, identity=True, edit=Url()),
    PrivateField("email", "str", _C, identity=True),  # the account's; changed elsewhere
    PrivateField("phone", "str", _C, identity=True, edit=Text(40)),
    PrivateField("city", "str", _C, edit=Text(100)),
    PrivateField("region", "str", _R, coarse_of="city", edit=Text(100)),
    PrivateField("country", "str", _C, coarse_of="city", edit=Text(100)),
    PrivateField("currentTitle", "str", _C, _M, edit=Text(200)),
    PrivateField("seniority", "Seniority", _R, coarse_of="currentTitle", edit=Choice()),
    PrivateField(
        "currentEmployer", "Employer", _C, _M, column="current_employer_id", edit=CompanyRef()
    ),
    # A sector alone, or with a size band, can name the company: see ``crowd``.
    PrivateField(
        "employerSector", "str", _R, _M, coarse_of="currentEmployer", crowd="sector_crowd"
    ),
    PrivateField(
        "employerSizeBand", "SizeBand", _R, _M, coarse_of="currentEmployer", crowd="pair_crowd"
    ),
    PrivateField("yearsOfExperience", "int", _C, edit=Whole(0, 70)),
    PrivateField(
        "experienceBand",
        "str",
        _R,
        column="years_of_experience",
        coarse_of="yearsOfExperience",
        coarsen=experience_band,
    ),
    PrivateField("skills", "list[str]", _R, edit=Skills()),
    PrivateField("salaryExpectation", "SalaryRange", _C, column="salary", edit=Salary()),
    PrivateField("openToOpportunities", "bool", _C, edit=Flag()),
    # The list is replaced as a whole (ProfileInput.experiences); each item's
    # fields follow their own audience, "experiences.<name>" (EXPERIENCE below).
    PrivateField("experiences", "list[Experience]", _C),
)

EXPERIENCE: tuple[PrivateField, ...] = (
    PrivateField("title", "str", _C, edit=Text(200)),
    PrivateField("employer", "Employer", _C, column="employer_id", edit=CompanyRef()),
    PrivateField("employerSector", "str", _C, coarse_of="employer", crowd="sector_crowd"),
    PrivateField("start", "str", _C, edit=Date()),
    PrivateField("end", "str", _C, edit=Date()),
    PrivateField("description", "str", _C, edit=Text(4000, multiline=True)),
)


# --- what the policy and the resolvers read, derived from the declarations ----

# Shown whenever the profile itself is visible: they identify nobody.
ALWAYS_SHOWN_PROFILE_FIELDS: frozenset[str] = frozenset({"id", "alias", "kind", "contactability"})

IDENTITY_FIELDS: frozenset[str] = frozenset(f.name for f in PROFILE if f.identity)


def _defaults(kind: str) -> dict[str, Audience]:
    return {
        **{f.name: f.default_for(kind) for f in PROFILE},
        **{f"experiences.{f.name}": f.default_for(kind) for f in EXPERIENCE},
    }


CANDIDATE_DEFAULTS: dict[str, Audience] = _defaults("CANDIDATE")
RECRUITER_DEFAULTS: dict[str, Audience] = _defaults("RECRUITER")

PROFILE_FIELDS: tuple[str, ...] = tuple(f.name for f in PROFILE)
EXPERIENCE_FIELDS: tuple[str, ...] = tuple(f.name for f in EXPERIENCE)
PRIVATE_FIELDS: frozenset[str] = frozenset(CANDIDATE_DEFAULTS)


def defaults_for(kind: str) -> dict[str, Audience]:
    """The default audience of every private field for a member of this kind."""
    return dict(RECRUITER_DEFAULTS if kind == "RECRUITER" else CANDIDATE_DEFAULTS)


def effective_audiences(kind: str, chosen: dict[str, str] | None) -> dict[str, Audience]:
    """Defaults overlaid with the member's own choices (unknown keys are ignored)."""
    audiences = defaults_for(kind)
    for name, value in (chosen or {}).items():
        if name in audiences:
            audiences[name] = Audience(value)
    return audiences


def check_declarations(fields: tuple[PrivateField, ...]) -> None:
    """Names are unique and a coarse companion names a declared precise field."""
    names = [f.name for f in fields]
    duplicates = {n for n in names if names.count(n) > 1}
    orphans = {f.name for f in fields if f.coarse_of and f.coarse_of not in names}
    if duplicates or orphans:
        raise RuntimeError(f"bad declarations: duplicates {duplicates}, orphans {orphans}")


check_declarations(PROFILE)
check_declarations(EXPERIENCE)
