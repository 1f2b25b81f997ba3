"""What each mail says. One link per mail, written ``...?token=<TOKEN>`` in the text part.

Promise (No membership oracle): the API answers the same whether an address is
a member or not; only these mails, read by the mailbox's owner, tell the two apart.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import NamedTuple


class Mail(NamedTuple):
    to: str
    subject: str
    text: str


def link(base_url: str, page: str, token: str) -> str:
    return f"{base_url}/{page}?token={token}"


def finish_sign_up(to: str, url: str) -> Mail:
    return Mail(
        to,
        "Finish signing up to SUPLINKS",
        "Someone (hopefully you) signed up to SUPLINKS with this address.\n\n"
        f"Finish signing up: open this link within 24 hours:\n{url}\n\n"
        "If it was not you, ignore this mail: nothing happens without the link.\n",
    )


def already_a_member(to: str, url: str) -> Mail:
    return Mail(
        to,
        "You already have a SUPLINKS account",
        "Someone (hopefully you) tried to sign up to SUPLINKS with this address, "
        "but you already have an account.\n\n"
        "Log in with your password, or reset your password with this link "
        f"(valid 24 hours):\n{url}\n\n"
        "If it was not you, ignore this mail: your account is unchanged.\n",
    )


def reset_password(to: str, url: str) -> Mail:
    return Mail(
        to,
        "Reset your SUPLINKS password",
        "Someone (hopefully you) asked to reset the password of this SUPLINKS account.\n\n"
        f"Choose a new password with this link (valid 24 hours):\n{url}\n\n"
        "If it was not you, ignore this mail: your password is unchanged.\n",
    )


def confirm_new_address(to: str, url: str) -> Mail:
    return Mail(
        to,
        "Confirm your new SUPLINKS address",
        "A SUPLINKS member asked to use this address for their account.\n\n"
        f"Confirm it with this link (valid 24 hours):\n{url}\n\n"
        "Until then their account keeps its old address. If it was not you, ignore this mail.\n",
    )


def email_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message.set_content(mail.text)
    return message
