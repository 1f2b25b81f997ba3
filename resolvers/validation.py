"""Input checks shared by mutations. Each failure is a typed ``UserInputError``."""

from __future__ import annotations

import re

from web.errors import problem

EMAIL_RE = re.compile(
    r"^[^@\s]+@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+)$"
)
DOMAIN_RE = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
HANDLE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
URL_RE = re.compile(r"^https?://[^\s]+$")

MIN_PASSWORD = 10
MAX_PASSWORD = 1024


def normalize_email(raw: str) -> str:
    """Trimmed and lower-cased; raises INVALID_EMAIL if it is not an address."""
    email = raw.strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise problem("INVALID_EMAIL", "This is not a valid email address.", "email")
    return email


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


def normalize_domain(raw: str, field: str = "emailDomain") -> str:
    domain = raw.strip().lower().removeprefix("@")
    if len(domain) > 253 or not DOMAIN_RE.match(domain):
        raise problem("INVALID_DOMAIN", "This is not a valid email domain.", field)
    return domain


def text(value: str | None, field: str, *, max_length: int, required: bool = False) -> str | None:
    """Trimmed text within bounds; None (or empty, when optional) clears the field."""
    if value is None or not value.strip():
        if required:
            raise problem("REQUIRED", f"{field} must not be empty.", field)
        return None
    value = value.strip()
    if len(value) > max_length:
        raise problem("TOO_LONG", f"{field} must be at most {max_length} characters.", field)
    return value


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
    if value is None or not value.strip():
        return None
    value = value.strip().lower()
    if not HANDLE_RE.match(value):
        raise problem(
            "INVALID_HANDLE",
            "A handle is 3 to 40 lower-case letters, digits or dashes,"
            " starting with a letter or digit.",
            "handle",
        )
    return value


def url(value: str | None, field: str) -> str | None:
    value = text(value, field, max_length=500)
    if value is not None and not URL_RE.match(value):
        raise problem("INVALID_URL", f"{field} must be an http(s) URL.", field)
    return value


def integer(value: int | None, field: str, *, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise problem("OUT_OF_RANGE", f"{field} must be between {low} and {high}.", field)
    return value
