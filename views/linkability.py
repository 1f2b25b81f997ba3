"""Linkability warnings: which values could join my open persona to my closed one.

A pure function of what each audience reads of the closed persona (decided by
the policy before it gets here), of the published open persona, and of one
fact from the database: whether the skills the two share are rare. Nothing is
stored; the owner asks, it is computed (Promise (Unlinkable): the owner is
warned when the two personas share values that could join them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from db.company_names import handle_key, name_key

# At most this many closed profiles list a skill set: it points at a few people.
RARE_SKILL_SET = 5
# Word-shingle Jaccard similarity from which two texts count as near-equal.
NEAR_EQUAL = 0.5
# An employer's name shorter than this (as letters) is too common a string to look for in a link.
MIN_NAME_IN_LINK = 4

# (open persona field, closed persona field) whose texts are compared.
TEXT_PAIRS = (("displayName", "fullName"), ("headline", "headline"), ("summary", "summary"))


@dataclass(frozen=True)
class OpenView:
    """The published open persona, by its GraphQL field names."""

    texts: Mapping[str, str | None]  # displayName, headline, summary
    photo_url: str | None = None
    links: Sequence[str] = ()
    skills: Sequence[str] = ()


@dataclass(frozen=True)
class Employer:
    """A company the closed persona shows, and the closed field that shows it."""

    field: str  # currentEmployer or experiences.employer
    name: str
    domain: str | None = None


@dataclass(frozen=True)
class ClosedView:
    """What one audience reads of the closed persona (None: not for that audience)."""

    texts: Mapping[str, str | None]  # fullName, headline, summary
    photo_url: str | None = None
    skills: Sequence[str] | None = None
    employers: Sequence[Employer] = ()


@dataclass(frozen=True)
class Warning:
    public_field: str
    closed_field: str
    audience: str
    reason: str


def words(text: str | None) -> list[str]:
    """Case, width, accents-as-written, punctuation and spacing do not count."""
    if not text:
        return []
    return re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())


def shingles(tokens: Sequence[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def similarity(a: str | None, b: str | None) -> float:
    """Jaccard similarity of the two texts' word shingles; 1.0 for equal texts.

    Word pairs when both texts have three words or more, single words otherwise
    (a name: "Ann Smith" and "Smith Ann" are the same person)."""
    left, right = words(a), words(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    size = 2 if min(len(left), len(right)) >= 3 else 1
    x, y = shingles(left, size), shingles(right, size)
    return len(x & y) / len(x | y)


def shared_skills(open_skills: Iterable[str], closed_skills: Iterable[str] | None) -> list[str]:
    """The skills both personas list: the set whose rarity is asked of the database."""
    return sorted(set(open_skills) & set(closed_skills or ()))


def _text_reason(score: float) -> str | None:
    if score == 1.0:
        return "The same words."
    if score >= NEAR_EQUAL:
        return f"Nearly the same text ({round(score * 100)}% of word pairs in common)."
    return None


def _names_employer(link: str, employer: Employer) -> bool:
    """A link to the employer's own domain, or whose address spells its name."""
    host = (urlsplit(link).hostname or "").lower()
    if employer.domain and (host == employer.domain or host.endswith("." + employer.domain)):
        return True
    key = name_key(employer.name)  # look-alikes, spacing and legal forms aside
    return len(key) >= MIN_NAME_IN_LINK and key in handle_key(link)


def _for_audience(
    audience: str, open_: OpenView, closed: ClosedView, rare_skill_set: bool
) -> Iterable[Warning]:
    for public_field, closed_field in TEXT_PAIRS:
        reason = _text_reason(
            similarity(open_.texts.get(public_field), closed.texts.get(closed_field))
        )
        if reason:
            yield Warning(public_field, closed_field, audience, reason)
    if open_.photo_url and open_.photo_url.strip() == (closed.photo_url or "").strip():
        yield Warning("photoUrl", "photoUrl", audience, "The same photo.")
    if rare_skill_set and shared_skills(open_.skills, closed.skills):
        yield Warning(
            "skills",
            "skills",
            audience,
            f"A rare set of skills: at most {RARE_SKILL_SET} members list all of "
            + ", ".join(shared_skills(open_.skills, closed.skills))
            + ".",
        )
    for employer in closed.employers:
        if any(_names_employer(link, employer) for link in open_.links):
            yield Warning("links", employer.field, audience, f"A link names {employer.name}.")


def warnings(
    open_: OpenView, closed: Mapping[str, ClosedView], *, rare_skill_set: bool
) -> list[Warning]:
    """Every pair of values that could join the two personas, per audience of the
    closed one (``closed``: audience -> what it reads), widest audience first.

    ``rare_skill_set``: at most ``RARE_SKILL_SET`` closed profiles list all of
    ``shared_skills`` of the two personas (the database counts them).
    """
    return [
        warning
        for audience, view in closed.items()
        for warning in _for_audience(audience, open_, view, rare_skill_set)
    ]
