"""Delivering mail in the background, retried with backoff, never blocking a request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from mail.messages import Mail, email_message
from mail.transport import OutboxTransport, SmtpTransport, Transport

logger = logging.getLogger("suplinks.mail")

OUTBOX = "outbox"


class Mailer:
    def __init__(
        self,
        transport: Transport,
        sender: str,
        *,
        attempts: int = 6,
        first_delay: float = 0.5,
    ) -> None:
        self.transport = transport
        self.sender = sender
        self.attempts = attempts
        self.first_delay = first_delay
        self._pending: set[asyncio.Task] = set()
        # Told "sent" or "failed" after each mail (app.py counts them for /metrics).
        self.on_result: Callable[[str], None] = lambda outcome: None

    def send_later(self, mail: Mail) -> None:
        """Deliver ``mail`` in the background; the request goes on at once."""
        task = asyncio.get_running_loop().create_task(self._deliver(mail))
        self._pending.add(task)  # a reference, or the task may be collected mid-way
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, mail: Mail) -> None:
        message = email_message(mail, self.sender)
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                await self.transport.deliver(message)
                self.on_result("sent")
                return
            except Exception as exc:  # a failed delivery must never reach a request
                if attempt == self.attempts:
                    logger.error(
                        "mail %r undelivered after %d attempts: %s", mail.subject, attempt, exc
                    )
                    self.on_result("failed")
                    return
                logger.warning("mail delivery failed (attempt %d), retrying: %s", attempt, exc)
                await asyncio.sleep(delay)
                delay *= 2

    async def drain(self) -> None:
        """Wait for every mail under way (shutdown, tests)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


def outbox_folder(data_dir: Path) -> Path:
    return data_dir / OUTBOX


def mailer_for(smtp_url: str | None, data_dir: Path, sender: str) -> Mailer:
    """SMTP when a URL is set, else the development outbox in the data folder."""
    transport = SmtpTransport(smtp_url) if smtp_url else OutboxTransport(outbox_folder(data_dir))
    return Mailer(transport, sender)
