"""The mail subsystem: retried in the background, never blocking, SMTP or the outbox."""

from __future__ import annotations

import asyncio
import os
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from config import ConfigError, load_settings
from mail import Mail, Mailer
from mail.messages import email_message
from mail.transport import OutboxTransport, SmtpTransport
from tests.mailbox import token_of

MAIL = Mail(
    "ann@mail.example", "Finish signing up", "Open http://x.example/verify?token=abc_DEF-1\n"
)


class Flaky:
    """A transport that fails ``failures`` times, then delivers."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.delivered = []

    async def deliver(self, message) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionRefusedError("the server is down")
        self.delivered.append(message)


async def test_a_failed_delivery_is_retried_in_the_background():
    transport = Flaky(failures=2)
    mailer = Mailer(transport, "SUPLINKS <no-reply@x.example>", first_delay=0.01)
    mailer.send_later(MAIL)
    assert transport.attempts == 0  # nothing happened in the caller's time
    await mailer.drain()
    assert transport.attempts == 3
    assert [m["To"] for m in transport.delivered] == ["ann@mail.example"]


async def test_a_mail_that_never_goes_is_given_up_without_raising():
    transport = Flaky(failures=100)
    mailer = Mailer(transport, "s@x.example", attempts=3, first_delay=0.01)
    mailer.send_later(MAIL)
    await mailer.drain()
    assert transport.attempts == 3 and transport.delivered == []


async def test_smtp_delivers_to_a_real_server(smtp_server, mailbox):
    seen = mailbox.count("ann@mail.example")
    await SmtpTransport(smtp_server.url).deliver(email_message(MAIL, "s@x.example"))
    message = await mailbox.wait_for("ann@mail.example", seen)
    assert token_of(message) == "abc_DEF-1"


async def test_a_dead_smtp_server_does_not_block_the_caller():
    mailer = Mailer(SmtpTransport("smtp://127.0.0.1:9", timeout=1), "s@x.example", attempts=2)
    mailer.send_later(MAIL)  # returns at once; delivery fails in the background
    await asyncio.wait_for(mailer.drain(), timeout=10)


def test_smtps_url_carries_credentials_and_implicit_tls():
    transport = SmtpTransport("smtps://mailer:p%40ss@smtp.example:465")
    assert (transport.hostname, transport.port, transport.implicit_tls) == (
        "smtp.example",
        465,
        True,
    )
    assert (transport.username, transport.password) == ("mailer", "p@ss")


async def test_the_outbox_keeps_each_mail_and_prints_its_link(tmp_path: Path, capsys):
    await OutboxTransport(tmp_path / "outbox").deliver(email_message(MAIL, "s@x.example"))
    [path] = (tmp_path / "outbox").glob("*.eml")
    assert token_of(message_from_bytes(path.read_bytes(), policy=policy.default)) == "abc_DEF-1"
    assert "http://x.example/verify?token=abc_DEF-1" in capsys.readouterr().out


def test_production_refuses_to_start_without_smtp(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SUPLINKS_ENV", "production")
    monkeypatch.setenv("SUPLINKS_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SUPLINKS_SMTP_URL", raising=False)
    with pytest.raises(ConfigError, match="SUPLINKS_SMTP_URL"):
        load_settings()
    monkeypatch.setenv("SUPLINKS_SMTP_URL", "smtps://u:p@smtp.example:465")
    assert load_settings().smtp_url == "smtps://u:p@smtp.example:465"
    assert os.environ["SUPLINKS_ENV"] == "production"
