"""Settings, read once from the environment.

Secrets come only from the environment. For a local run without
``SUPLINKS_SECRET_KEY`` a random key is generated once and kept in the data
folder, so tokens survive a restart; production mode refuses to start without
an explicit key.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import IPv4Network, IPv6Network, ip_network
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


def _at_least(name: str, default: int, least: int) -> int:
    value = _int(name, default)
    if value < least:
        raise ConfigError(f"{name} must be at least {least}, got {value}")
    return value


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


# Budgets for the expensive or sensitive operations: name -> (count, seconds), a
# sliding window. "per address" is the client's network address (see
# ``trusted_proxies``), an email address where it says so.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "anonymous": (300, 60),  # GraphQL requests without a credential, per address
    "signup": (5, 3600),  # signUp, per email address
    "signup_ip": (20, 3600),  # signUp, per address
    "login": (30, 60),  # per email address: slows password guessing
    "login_ip": (60, 60),  # logIn, per address: slows guessing across many emails
    "mail_address": (5, 3600),  # password reset and verification mails, per email address
    "mail_ip": (20, 3600),  # the same mails, per address
    "search": (120, 60),  # per recruiter, in pages of 20 results (first: 100 costs 5)
    "contact": (30, 60),  # sendContactRequest, per recruiter (the daily quota is separate)
    "pipeline": (120, 60),  # per API client
    "token": (30, 60),  # POST /oauth/token: tokens issued, per client id
    "token_ip": (60, 60),  # POST /oauth/token, every attempt, per address
    "token_failures": (10, 300),  # failed client authentications, per client id AND address
    "export": (10, 3600),  # viewer.dataExport and GET /account/export, per member
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


def fast_paths_enabled(environ: Mapping[str, str]) -> bool:
    """``SUPLINKS_FAST_PATHS``: ``on`` (the default) or ``off``.

    ``off`` swaps the speed-ups that read libraries' private internals for
    their stock twins (see ``fastpaths.py``): the way to tell, after an
    upgrade, whether a failure comes from one of them. It is read when
    ``fastpaths`` is first imported, not in ``Settings``: the schema is built
    with its executor at import.
    """
    raw = environ.get("SUPLINKS_FAST_PATHS", "").strip().lower() or "on"
    if raw not in ("on", "off"):
        raise ConfigError(f"SUPLINKS_FAST_PATHS must be 'on' or 'off', got {raw!r}")
    return raw == "on"


# Every list page stops here (views/cursors.py); the cost estimate counts on it.
MAX_PAGE = 100


@dataclass(frozen=True)
class QueryLimits:
    """What one request may ask, checked before anything runs (see the README).

    The defaults pass every operation in the docs, the tests and GraphiQL
    (its introspection query included) with room to spare.
    """

    max_body_bytes: int = 256 * 1024  # 413 past it
    max_tokens: int = 5000  # the parser stops at this many tokens
    max_depth: int = 12  # nested selections (introspection has its own rule)
    max_aliases: int = 30
    max_directives: int = 4  # on one field, fragment spread or inline fragment
    max_cost: int = 25_000  # estimated: see web/query_limits.py
    default_page: int = 20  # what a list field without `first` is assumed to return


def load_query_limits() -> QueryLimits:
    defaults = QueryLimits()
    return QueryLimits(
        max_body_bytes=_int("SUPLINKS_MAX_BODY_BYTES", defaults.max_body_bytes),
        max_tokens=_int("SUPLINKS_MAX_TOKENS", defaults.max_tokens),
        max_depth=_int("SUPLINKS_MAX_DEPTH", defaults.max_depth),
        max_aliases=_int("SUPLINKS_MAX_ALIASES", defaults.max_aliases),
        max_directives=_int("SUPLINKS_MAX_DIRECTIVES", defaults.max_directives),
        max_cost=_int("SUPLINKS_MAX_COST", defaults.max_cost),
    )


@dataclass(frozen=True)
class Webhooks:
    """Delivery of erasure notices to partners (web/worker.py, docs/webhooks.md).

    Retries back off exponentially with jitter: with the defaults a notice is
    tried 20 times over about two days (30 s doubling, capped at 6 h, each
    wait jittered to between half and all of it: 31 to 62 hours in all) before
    it is marked dead, long enough to ride out a partner's weekend outage.
    """

    worker_in_app: bool = True  # the worker runs as a task of the serving process
    max_attempts: int = 20
    backoff_seconds: float = 30.0  # before the second attempt; doubles after each failure
    backoff_max_seconds: float = 6 * 3600.0
    timeout_seconds: float = 10.0  # one attempt: connect, send, answer
    poll_seconds: float = 5.0  # how often an idle worker looks for due notices
    batch: int = 20  # notices one worker claims at once


def load_webhooks() -> Webhooks:
    defaults = Webhooks()
    return Webhooks(
        worker_in_app=_flag("SUPLINKS_WEBHOOK_WORKER", default=True),
        max_attempts=_int("SUPLINKS_WEBHOOK_MAX_ATTEMPTS", defaults.max_attempts),
        backoff_seconds=_float("SUPLINKS_WEBHOOK_BACKOFF", defaults.backoff_seconds),
        backoff_max_seconds=_float("SUPLINKS_WEBHOOK_BACKOFF_MAX", defaults.backoff_max_seconds),
        timeout_seconds=_float("SUPLINKS_WEBHOOK_TIMEOUT", defaults.timeout_seconds),
        poll_seconds=_float("SUPLINKS_WEBHOOK_POLL", defaults.poll_seconds),
    )


@dataclass(frozen=True)
class Retention:
    """How long rows are kept once they serve no one (docs/retention.md gives the reasons).

    Each period counts from the moment the row stopped being of use: an access
    event from when it was recorded, a session from its expiry or revocation,
    a mail token from its use or expiry, a notice from its delivery or death,
    a contact request from its end (answer, withdrawal, expiry).
    """

    access_log_days: int = 365
    session_days: int = 30
    mail_token_days: int = 7
    delivered_notice_days: int = 30
    dead_notice_days: int = 180
    ended_request_days: int = 180
    interval_seconds: float = 3600.0  # how often the worker purges
    batch: int = 1000  # rows deleted per statement


def load_retention() -> Retention:
    defaults = Retention()
    return Retention(
        access_log_days=_int("SUPLINKS_RETAIN_ACCESS_LOG_DAYS", defaults.access_log_days),
        session_days=_int("SUPLINKS_RETAIN_SESSION_DAYS", defaults.session_days),
        mail_token_days=_int("SUPLINKS_RETAIN_MAIL_TOKEN_DAYS", defaults.mail_token_days),
        delivered_notice_days=_int(
            "SUPLINKS_RETAIN_DELIVERED_NOTICE_DAYS", defaults.delivered_notice_days
        ),
        dead_notice_days=_int("SUPLINKS_RETAIN_DEAD_NOTICE_DAYS", defaults.dead_notice_days),
        ended_request_days=_int("SUPLINKS_RETAIN_ENDED_REQUEST_DAYS", defaults.ended_request_days),
        interval_seconds=_float("SUPLINKS_PURGE_INTERVAL", defaults.interval_seconds),
        batch=_int("SUPLINKS_PURGE_BATCH", defaults.batch),
    )


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    secret_key: str
    production: bool
    token_ttl_seconds: int = 12 * 3600
    redis_url: str | None = None
    # A streaming replica for read-only requests (see Database.replica_caught_up).
    database_replica_url: str | None = None
    contact_request_ttl_days: int = 30
    max_pending_requests: int = 50
    max_requests_per_day: int = 20
    template_message_limit: int = 3
    # Promise (Coarse companions are k-anonymous): a sector (and size band) shown
    # in place of the employer must be shared by at least this many companies.
    k_anonymity: int = 5
    partner_token_ttl_seconds: int = 3600
    query_limits: QueryLimits = field(default_factory=QueryLimits)
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
    # Proxies whose X-Forwarded-For names the client (SUPLINKS_TRUSTED_PROXIES).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Operation hash -> document (SUPLINKS_TRUSTED_DOCUMENTS), and whether anonymous
    # callers may send only those (SUPLINKS_ANONYMOUS_TRUSTED_ONLY).
    trusted_documents: dict[str, str] = field(default_factory=dict)
    anonymous_trusted_only: bool = False
    webhooks: Webhooks = field(default_factory=Webhooks)
    retention: Retention = field(default_factory=Retention)
    # One line per request in the server log: "json" (production's default) or "plain".
    log_format: str = "plain"
    # /metrics: answered to a Bearer of this token (SUPLINKS_METRICS_TOKEN), or served
    # on its own listener (SUPLINKS_METRICS_BIND, "host:port"); neither: 404.
    metrics_token: str | None = field(default=None, repr=False)
    metrics_bind: tuple[str, int] | None = None
    # Per-company pseudonyms (auth/pseudonyms.py): the key version new ids are sealed
    # with, and how many versions before it still open (SUPLINKS_PSEUDONYM_*).
    pseudonym_key_version: int = 1
    pseudonym_old_versions: int = 1
    # Where "now" comes from for request expiry and daily quotas: tests replace it
    # (``dataclasses.replace(settings, clock=...)``) to move time without sleeping.
    clock: Callable[[], datetime] = field(default=utc_now, repr=False, compare=False)


def parse_networks(raw: str | None) -> tuple[IPv4Network | IPv6Network, ...]:
    """``"10.0.0.0/8, 192.168.1.7"``: the proxies whose ``X-Forwarded-For`` we believe."""
    networks = []
    for item in (raw or "").split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError as exc:
                raise ConfigError(
                    f"SUPLINKS_TRUSTED_PROXIES: {item.strip()!r} is not an IP address or network"
                ) from exc
    return tuple(networks)


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


# Trusted documents (web/trusted_documents.py): the manifest is read and checked at start.


def document_hash(document: str) -> str:
    """The sha256 hex digest of the document's UTF-8 text, as Apollo's clients compute it."""
    return hashlib.sha256(document.encode()).hexdigest()


def load_manifest(path: str | Path | None) -> dict[str, str]:
    """The manifest at ``path`` (none: empty); ValueError if any hash is not its document's."""
    if not path:
        return {}
    manifest = json.loads(Path(path).read_text())
    if not isinstance(manifest, dict):
        raise ValueError(f"{path}: expected a JSON object of hash -> document")
    for digest, document in manifest.items():
        if not isinstance(document, str) or document_hash(document) != digest.lower():
            raise ValueError(f"{path}: {digest} is not the sha256 of its document")
    return {digest.lower(): document for digest, document in manifest.items()}


def _manifest(path: str | None) -> dict[str, str]:
    try:
        return load_manifest(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"SUPLINKS_TRUSTED_DOCUMENTS: {exc}") from exc


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


def _pseudonym_versions() -> tuple[int, int]:
    """``SUPLINKS_PSEUDONYM_KEY_VERSION`` (1 to 255: one byte of each id) and
    ``SUPLINKS_PSEUDONYM_OLD_VERSIONS`` (how many earlier versions still open)."""
    version = _int("SUPLINKS_PSEUDONYM_KEY_VERSION", 1)
    old = _int("SUPLINKS_PSEUDONYM_OLD_VERSIONS", 1)
    if not 1 <= version <= 255:
        raise ConfigError("SUPLINKS_PSEUDONYM_KEY_VERSION must be between 1 and 255")
    if old < 0:
        raise ConfigError("SUPLINKS_PSEUDONYM_OLD_VERSIONS must not be negative")
    return version, old


def _smtp_url(production: bool) -> str | None:
    url = os.environ.get("SUPLINKS_SMTP_URL") or None
    if url is None and production:
        raise ConfigError("SUPLINKS_SMTP_URL is required when SUPLINKS_ENV=production")
    if url is not None and not url.startswith(("smtp://", "smtps://")):
        raise ConfigError(
            "SUPLINKS_SMTP_URL must be smtp://host:port or smtps://user:pass@host:465"
        )
    return url


def _log_format(production: bool) -> str:
    raw = os.environ.get("SUPLINKS_LOG_FORMAT", "").strip().lower()
    raw = raw or ("json" if production else "plain")
    if raw not in ("json", "plain"):
        raise ConfigError(f"SUPLINKS_LOG_FORMAT must be 'json' or 'plain', got {raw!r}")
    return raw


def _metrics_token() -> str | None:
    token = os.environ.get("SUPLINKS_METRICS_TOKEN") or None
    if token is not None and len(token) < 16:
        raise ConfigError("SUPLINKS_METRICS_TOKEN must be at least 16 characters")
    return token


def _metrics_bind() -> tuple[str, int] | None:
    """``SUPLINKS_METRICS_BIND``: ``host:port`` of a listener serving /metrics alone."""
    raw = os.environ.get("SUPLINKS_METRICS_BIND", "").strip()
    if not raw:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"SUPLINKS_METRICS_BIND must be host:port, got {raw!r}")
    return host.strip("[]"), int(port)


def load_settings() -> Settings:
    """Build the settings from the environment (see the README's table)."""
    production = os.environ.get("SUPLINKS_ENV", "development") == "production"
    key_version, old_versions = _pseudonym_versions()
    data_dir = Path(os.environ.get("SUPLINKS_DATA_DIR") or PROJECT_ROOT / ".data").resolve()
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        data_dir=data_dir,
        secret_key=_secret_key(data_dir, production),
        production=production,
        token_ttl_seconds=_int("SUPLINKS_TOKEN_TTL", 12 * 3600),
        redis_url=os.environ.get("REDIS_URL") or None,
        database_replica_url=os.environ.get("DATABASE_REPLICA_URL") or None,
        contact_request_ttl_days=_int("SUPLINKS_REQUEST_TTL_DAYS", 30),
        max_pending_requests=_int("SUPLINKS_MAX_PENDING_REQUESTS", 50),
        max_requests_per_day=_int("SUPLINKS_MAX_REQUESTS_PER_DAY", 20),
        template_message_limit=_int("SUPLINKS_TEMPLATE_LIMIT", 3),
        k_anonymity=_at_least("SUPLINKS_K_ANONYMITY", 5, 1),
        partner_token_ttl_seconds=_int("SUPLINKS_PARTNER_TOKEN_TTL", 3600),
        query_limits=load_query_limits(),
        rate_limits=parse_rate_limits(os.environ.get("SUPLINKS_RATE_LIMITS")),
        trusted_proxies=parse_networks(os.environ.get("SUPLINKS_TRUSTED_PROXIES")),
        trusted_documents=_manifest(os.environ.get("SUPLINKS_TRUSTED_DOCUMENTS")),
        anonymous_trusted_only=_flag("SUPLINKS_ANONYMOUS_TRUSTED_ONLY"),
        webhooks=load_webhooks(),
        retention=load_retention(),
        smtp_url=_smtp_url(production),
        public_url=(os.environ.get("SUPLINKS_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        mail_from=os.environ.get("SUPLINKS_MAIL_FROM") or "SUPLINKS <no-reply@suplinks.example>",
        log_format=_log_format(production),
        metrics_token=_metrics_token(),
        metrics_bind=_metrics_bind(),
        pseudonym_key_version=key_version,
        pseudonym_old_versions=old_versions,
    )
