"""Input checks shared by mutations (and query arguments). Each failure is a typed
``UserInputError``, raised before any work on the value and before anything is written.

Every text is NFC-normalised and may hold no control character (newline and tab
only where text has lines: ``multiline``). Names (of people, companies, handles)
also refuse format characters: bidirectional overrides and zero-width characters
would make a name render as something else. Text is stored as given: it is plain
text, which clients must escape when they render it.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from urllib.parse import urlsplit

from web.errors import ApiError, UserInputError, problem

EMAIL_RE = re.compile(
    r"^[^@\s]+@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$"
)
DOMAIN_RE = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}\Z")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

# Unicode categories refused in every text: controls (NUL among them) and lone
# surrogates; in names also format characters (U+200B zero width space, U+202E
# right-to-left override, ...) and line or paragraph separators. Code points this
# Python does not know yet (newer emoji) stay allowed.
REFUSED = frozenset({"Cc", "Cs"})
REFUSED_IN_NAMES = REFUSED | {"Cf", "Zl", "Zp"}
LINE_BREAKS = frozenset("\n\t\r")

MIN_PASSWORD = 10
MAX_PASSWORD = 1024


@contextmanager
def query_arguments() -> Iterator[None]:
    """For a query's arguments: the same checks, answered as a ``BAD_USER_INPUT``
    GraphQL error naming the field (a query has no ``userErrors``)."""
    try:
        yield
    except UserInputError as exc:
        first = exc.problems[0]
        raise ApiError("BAD_USER_INPUT", first.message, field=first.field) from None


def _characters(value: str, field: str, refused: frozenset[str], multiline: bool) -> None:
    for char in value:
        if unicodedata.category(char) in refused and not (multiline and char in LINE_BREAKS):
            raise problem(
                "BAD_USER_INPUT",
                f"{field} must not contain control or invisible characters"
                f" (found U+{ord(char):04X}).",
                field,
            )


def _sized(value: str, field: str, max_length: int) -> None:
    # Before any other work; NFC may shorten decomposed text, hence the margin.
    if len(value) > 4 * max_length:
        raise problem("TOO_LONG", f"{field} must be at most {max_length} characters.", field)


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased; raises INVALID_EMAIL if it is not an address."""
    _sized(raw, "email", 254)
    email = unicodedata.normalize("NFC", raw).strip().lower()
    _characters(email, "email", REFUSED_IN_NAMES, multiline=False)
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise problem("INVALID_EMAIL", "This is not a valid email address.", "email")
    return email


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


def normalize_domain(raw: str, field: str = "emailDomain") -> str:
    _sized(raw, field, 253)
    domain = raw.strip().lower().removeprefix("@")
    if len(domain) > 253 or not DOMAIN_RE.match(domain):
        raise problem("INVALID_DOMAIN", "This is not a valid email domain.", field)
    return domain


def text(
    value: str | None,
    field: str,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """Trimmed NFC text within bounds, without control characters (newline and tab
    allowed when ``multiline``); None (or empty, when optional) clears the field."""
    if value is not None:
        _sized(value, field, max_length)
        value = unicodedata.normalize("NFC", value).strip()
    if not value:
        if required:
            raise problem("REQUIRED", f"{field} must not be empty.", field)
        return None
    _characters(value, field, REFUSED, multiline)
    if len(value) > max_length:
        raise problem("TOO_LONG", f"{field} must be at most {max_length} characters.", field)
    return value


def name(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None:
    """A name shown to others (a person's, a company's): text without format characters."""
    clean = text(value, field, max_length=max_length, required=required)
    if clean is not None:
        _characters(clean, field, REFUSED_IN_NAMES, multiline=False)
    return clean


def items(values: Sequence | None, field: str, *, max_items: int) -> Sequence:
    """A list within its size, checked before any of its items is looked at."""
    if values is not None and len(values) > max_items:
        raise problem("TOO_MANY", f"At most {max_items} {field}.", field)
    return values or ()


MAX_SKILLS = 50


def skills(values: Sequence[str] | None, *, max_length: int) -> list[str]:
    """Distinct lower-cased skills, in order, at most ``MAX_SKILLS``: the list's size
    is checked first, then each item, then a linear de-duplication."""
    raw = items(values, "skills", max_items=2 * MAX_SKILLS)
    cleaned = (text(skill, "skills", max_length=max_length) for skill in raw)
    clean = list(dict.fromkeys(skill.lower() for skill in cleaned if skill))
    if len(clean) > MAX_SKILLS:
        raise problem("TOO_MANY", f"At most {MAX_SKILLS} skills.", "skills")
    return clean


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise problem(
            "WEAK_PASSWORD", f"The password needs at least {MIN_PASSWORD} characters.", "password"
        )
    if len(value) > MAX_PASSWORD:
        raise problem(
            "TOO_LONG", f"The password must be at most {MAX_PASSWORD} characters.", "password"
        )
    return value


def handle(value: str | None) -> str | None:
    """The open persona's address: NFKC (full-width letters are letters), no
    control or invisible character, then 3 to 40 lower-case ASCII letters,
    digits or dashes: a charset with no look-alike from another script. Look-alikes
    within it (``0`` for ``o``) are one handle (``db.company_names.handle_key``)."""
    if value is None:
        return None
    _sized(value, "handle", 40)
    value = unicodedata.normalize("NFKC", value).strip()
    _characters(value, "handle", REFUSED_IN_NAMES, multiline=False)
    value = value.lower()
    if not value:
        return None
    if not HANDLE_RE.match(value):
        raise problem(
            "INVALID_HANDLE",
            "A handle is 3 to 40 lower-case letters, digits or dashes,"
            " starting with a letter or digit.",
            "handle",
        )
    return value


def _public_host(host: str) -> bool:
    """A name or address on the public internet: not loopback, private, link-local,
    reserved or multicast (a rendered link or photo must not point a member's
    browser, or a server that fetches it, at an internal service)."""
    if not host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        # A name: it needs a dot and a letter in its last label (``2130706433`` or
        # ``0x7f.1`` are numeric spellings of addresses).
        last = host.rsplit(".", 1)[-1]
        return "." in host and any(c.isalpha() for c in last) and not last.startswith("0x")
    return address.is_global and not address.is_multicast


def url(value: str | None, field: str) -> str | None:
    """An ``https`` URL to a public host, without credentials."""
    value = text(value, field, max_length=500)
    if value is None:
        return None
    message = f"{field} must be an https URL to a public host, without credentials."
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        raise problem("INVALID_URL", message, field) from None
    if (
        parts.scheme.lower() != "https"
        or parts.username is not None
        or parts.password is not None
        or any(c.isspace() for c in value)
        or not _public_host(host)
    ):
        raise problem("INVALID_URL", message, field)
    return value


def date_text(value: str | None, field: str) -> str | None:
    """A real date written ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (years 1900-2100)."""
    value = text(value, field, max_length=10)
    if value is None:
        return None
    match = DATE_RE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        year, month, day = (int(part) if part else 1 for part in match.groups())
        if not 1900 <= year <= 2100:
            raise ValueError(value)
        date(year, month, day)
    except ValueError:
        raise problem(
            "INVALID_DATE", f"{field} must be a real date: YYYY, YYYY-MM or YYYY-MM-DD.", field
        ) from None
    return value


def integer(value: int | None, field: str, *, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise problem("OUT_OF_RANGE", f"{field} must be between {low} and {high}.", field)
    return value
