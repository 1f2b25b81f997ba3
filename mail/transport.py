"""Where mails go: an SMTP server, or the development outbox folder."""

from __future__ import annotations

import re
import secrets
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

LINK = re.compile(r"https?://\S+\?token=\S+")


class Transport(Protocol):
    async def deliver(self, message: EmailMessage) -> None:
        """Hand the message on; raise when it could not be (the mailer retries)."""


class SmtpTransport:
    """``smtp://host:port`` (STARTTLS when the server offers it) or ``smtps://user:pass@host:465``."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.hostname = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    async def deliver(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            timeout=self.timeout,
        )


class OutboxTransport:
    """Development: each mail becomes a ``.eml`` file in ``folder``, its link printed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def deliver(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(6)}.eml"
        (self.folder / name).write_bytes(bytes(message))
        text = message.get_content()
        links = " ".join(LINK.findall(text))
        print(f"mail to {message['To']}: {message['Subject']}: {links} ({name})", flush=True)
