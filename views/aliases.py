"""Pseudonyms: random words and digits, never derived from the name or the email."""

from __future__ import annotations

import secrets

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
