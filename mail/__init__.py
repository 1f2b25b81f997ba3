"""Mail: one-time links to a mailbox (verify it, reset a password, confirm a new address).

``Mailer.send_later`` never blocks a request: each mail is delivered in the
background and retried with backoff. With ``SUPLINKS_SMTP_URL`` it goes through
an SMTP server (aiosmtplib); without it (development) into the outbox folder of
the data folder, its link printed on the console.
"""

from mail.mailer import Mailer, mailer_for
from mail.messages import Mail

__all__ = ["Mail", "Mailer", "mailer_for"]
