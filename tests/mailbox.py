"""A real SMTP server in the test process (aiosmtpd), and what arrived in it.

The service mails through it exactly as through any server
(``SUPLINKS_SMTP_URL``); the helpers read the mailed links from here, never
from the database.
"""

from __future__ import annotations

import asyncio
import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

TOKEN = re.compile(r"\?token=([A-Za-z0-9_-]+)")


class Mailbox:
    """Every message the server received, by recipient."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[tuple[str, EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd's hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self._received.append((recipient.lower(), message))
        return "250 Message accepted for delivery"

    def messages(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for to, m in self._received if to == address.lower()]

    def count(self, address: str) -> int:
        return len(self.messages(address))

    async def wait_for(self, address: str, seen: int, timeout: float = 15) -> EmailMessage:
        """The first message to ``address`` after the ``seen`` it had already."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.messages(address)
            if len(messages) > seen:
                return messages[seen]
            if loop.time() > deadline:
                raise AssertionError(f"no mail reached {address} within {timeout} s")
            await asyncio.sleep(0.01)


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def token_of(message: EmailMessage) -> str:
    """The one ``?token=`` of the mail's text part."""
    found = TOKEN.findall(text_of(message))
    assert len(found) == 1, text_of(message)
    return found[0]


class SmtpServer:
    """aiosmtpd on a free local port, in its own thread."""

    def __init__(self, port: int) -> None:
        self.mailbox = Mailbox()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)
        self.url = f"smtp://127.0.0.1:{port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
