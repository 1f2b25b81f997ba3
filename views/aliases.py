"""Pseudonyms: words and digits, never derived from the name or the email.

A member's stored alias is random (``new_alias``) and is what the members
without a company see; each company sees its own alias for the member
(``alias_for``), drawn from the same words by a keyed hash, so two companies
cannot join what they saw by the alias either (Promise: Pseudonyms per company).
"""

from __future__ import annotations

import secrets
import uuid

from auth import pseudonyms
from auth.identity import Identity
from auth.pseudonyms import Audience
from config import Settings

_ADJECTIVES = (
    "Amber",
    "Azure",
    "Bold",
    "Brisk",
    "Calm",
    "Cedar",
    "Clever",
    "Coral",
    "Crimson",
    "Deft",
    "Eager",
    "Fleet",
    "Gentle",
    "Golden",
    "Hazel",
    "Ivory",
    "Jade",
    "Keen",
    "Lively",
    "Lucid",
    "Mellow",
    "Misty",
    "Noble",
    "Ochre",
    "Onyx",
    "Quiet",
    "Rapid",
    "Russet",
    "Sage",
    "Silver",
    "Steady",
    "Swift",
    "Teal",
    "Umber",
    "Vivid",
    "Warm",
    "Wise",
    "Zesty",
)
_NOUNS = (
    "Badger",
    "Beacon",
    "Cedar",
    "Comet",
    "Condor",
    "Falcon",
    "Fjord",
    "Gazelle",
    "Harbor",
    "Heron",
    "Ibis",
    "Juniper",
    "Kestrel",
    "Lark",
    "Lynx",
    "Maple",
    "Meadow",
    "Otter",
    "Owl",
    "Pine",
    "Quill",
    "Raven",
    "Ridge",
    "River",
    "Sparrow",
    "Summit",
    "Tern",
    "Thistle",
    "Willow",
    "Wren",
)


def new_alias() -> str:
    """About 11 million combinations; the caller retries on the rare collision."""
    number = secrets.randbelow(9000) + 1000
    return f"{secrets.choice(_ADJECTIVES)} {secrets.choice(_NOUNS)} {number}"


def alias_for(settings: Settings, audience: Audience, member_id: uuid.UUID, stored: str) -> str:
    """The alias of a member as ``audience`` knows it (see ``views.ids.profile_id``).

    The members' audience sees the stored alias; a company, the words its own
    keyed hash of the member picks. Two members may share a company alias (about
    one chance in 11 million per pair): it is a name to read, never a key.
    """
    if audience is None:
        return stored
    digest = pseudonyms.alias_digest(settings.secret_key, audience, member_id)
    value = int.from_bytes(digest[:8], "big")
    value, adjective = divmod(value, len(_ADJECTIVES))
    value, noun = divmod(value, len(_NOUNS))
    return f"{_ADJECTIVES[adjective]} {_NOUNS[noun]} {value % 9000 + 1000}"


def viewer_label(settings: Settings, viewer: Identity, audience: Audience) -> str:
    """The viewer as a member of ``audience`` knows them, for that member's access log:
    a partner ATS by its client's name and company, a member by the alias that
    member is shown (a recruiter sees a candidate under the company's alias; a
    candidate sees a recruiter under the stored one). Never a name."""
    if viewer.partner_label is not None:
        return viewer.partner_label
    if viewer.member_id is None or viewer.alias is None:
        return "a member"
    return alias_for(settings, audience, viewer.member_id, viewer.alias)
