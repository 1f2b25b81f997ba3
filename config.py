"""Settings, read once from the environment.

Secrets come only from the environment. For a local run without
``SUPLINKS_SECRET_KEY`` a random key is generated once and kept in the data
folder, so tokens survive a restart; production mode refuses to start without
an explicit key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent


class ConfigError(RuntimeError):
    """The environment does not describe a runnable service."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


# Budgets for the expensive operations, per API client or per member.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "login": (30, 60),  # per email address: slows password guessing
    "search": (120, 60),  # per recruiter
    "contact": (30, 60),  # sendContactRequest, per recruiter (the daily quota is separate)
    "pipeline": (120, 60),  # per API client
    "token": (30, 60),  # POST /oauth/token, per client id
    "mail_address": (5, 3600),  # password reset and verification mails, per email address
    "mail_ip": (20, 3600),  # the same mails, per client address
}


def parse_rate_limits(raw: str | None) -> dict[str, tuple[int, int]]:
    """``"search=60/60,token=5/60"``: overrides of DEFAULT_RATE_LIMITS (count/seconds)."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for item in (raw or "").split(","):
        if not item.strip():
            continue
        name, _, budget = item.partition("=")
        count, _, window = budget.partition("/")
        if name.strip() not in DEFAULT_RATE_LIMITS or not count.isdigit() or not window.isdigit():
            raise ConfigError(
                f"SUPLINKS_RATE_LIMITS: cannot read {item!r} (expected name=count/seconds)"
            )
        limits[name.strip()] = (int(count), int(window))
    return limits


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    secret_key: str
    production: bool
    token_ttl_seconds: int = 12 * 3600
    redis_url: str | None = None
    contact_request_ttl_days: int = 30
    max_pending_requests: int = 50
    max_requests_per_day: int = 20
    template_message_limit: int = 3
    partner_token_ttl_seconds: int = 3600
    # smtp://host:port or smtps://user:password@host:465; None: mails go to the outbox folder.
    smtp_url: str | None = None
    # The service's address as mailed links give it (SUPLINKS_PUBLIC_URL).
    public_url: str = "http://127.0.0.1:8000"
    mail_from: str = "SUPLINKS <no-reply@suplinks.example>"
    # Lifetime of a mailed one-time token (verify, reset, change of address), in seconds.
    mail_token_ttl_seconds: int = 24 * 3600
    # operation -> (requests allowed, per window in seconds); see parse_rate_limits.
    rate_limits: dict[str, tuple[int, int]] = field(
        default_factory=lambda: dict(DEFAULT_RATE_LIMITS)
    )
    # Where "now" comes from for request expiry and daily quotas: tests replace it
    # (``dataclasses.replace(settings, clock=...)``) to move time without sleeping.
    clock: Callable[[], datetime] = field(default=utc_now, repr=False, compare=False)


def _secret_key(data_dir: Path, production: bool) -> str:
    key = os.environ.get("SUPLINKS_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("SUPLINKS_SECRET_KEY must be at least 32 characters")
        return key
    if production:
        raise ConfigError("SUPLINKS_SECRET_KEY is required when SUPLINKS_ENV=production")
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _smtp_url(production: bool) -> str | None:
    url = os.environ.get("SUPLINKS_SMTP_URL") or None
    if url is None and production:
        raise ConfigError("SUPLINKS_SMTP_URL is required when SUPLINKS_ENV=production")
    if url is not None and not url.startswith(("smtp://", "smtps://")):
        raise ConfigError(
            "SUPLINKS_SMTP_URL must be smtp://host:port or smtps://user:pass@host:465"
        )
    return url


def load_settings() -> Settings:
    """Build the settings from the environment (see the README's table)."""
    production = os.environ.get("SUPLINKS_ENV", "development") == "production"
    data_dir = Path(os.environ.get("SUPLINKS_DATA_DIR") or PROJECT_ROOT / ".data").resolve()
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(data_dir, production),
        production=production,
        token_ttl_seconds=_int("SUPLINKS_TOKEN_TTL", 12 * 3600),
        redis_url=os.environ.get("REDIS_URL") or None,
        contact_request_ttl_days=_int("SUPLINKS_REQUEST_TTL_DAYS", 30),
        max_pending_requests=_int("SUPLINKS_MAX_PENDING_REQUESTS", 50),
        max_requests_per_day=_int("SUPLINKS_MAX_REQUESTS_PER_DAY", 20),
        template_message_limit=_int("SUPLINKS_TEMPLATE_LIMIT", 3),
        partner_token_ttl_seconds=_int("SUPLINKS_PARTNER_TOKEN_TTL", 3600),
        rate_limits=parse_rate_limits(os.environ.get("SUPLINKS_RATE_LIMITS")),
        smtp_url=_smtp_url(production),
        public_url=(os.environ.get("SUPLINKS_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        mail_from=os.environ.get("SUPLINKS_MAIL_FROM") or "SUPLINKS <no-reply@suplinks.example>",
    )
