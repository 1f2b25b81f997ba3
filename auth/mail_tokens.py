"""One-time mail tokens: 256 random bits for the mailbox, their SHA-256 for the database.

Only the digest is stored, so a copy of the database holds no usable token;
the token itself travels once, in the mail's link.
"""

from __future__ import annotations

import hashlib
import secrets

VERIFY = "verify"  # prove the mailbox of a new account
RESET = "reset"  # choose a new password (also proves the mailbox)
CHANGE_EMAIL = "change_email"  # prove a new address before it becomes the account's


def new_token() -> tuple[str, str]:
    """(the token to mail, the digest to store)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
