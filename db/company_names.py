"""Company names and handles as a reader sees them: one key per name that looks the same.

Two companies whose names a person cannot tell apart are one company to that
person, so names are unique by ``name_key``: case, accents, punctuation and
spacing do not count, nor legal forms (SA, SAS, GmbH, Inc, Ltd..., from
cleanco's maintained list), nor invisible characters (zero-width and
bidirectional controls), and a letter that only looks like another (Cyrillic
U+043E "o" for Latin "o") counts as the letter it looks like: Unicode's confusable
map (UTS #39, as confusable-homoglyphs ships it) sends it to its prototype.
"""

from __future__ import annotations

import unicodedata
from functools import cache

from cleanco import basename
from confusable_homoglyphs.confusables import confusables_data

# confusable-homoglyphs wraps right-to-left characters in these marks.
_LRM = "\u200e"


@cache
def prototypes() -> dict[str, str]:
    """Each confusable character -> the prototype it is mapped to (UTS #39 skeletons).

    The package lists both directions: a source character with its one
    prototype, and a prototype with all its sources. A character listed with
    one entry is a source, except in a pair of two characters that list each
    other, where the smaller code point is taken as the prototype, so that both
    map to the same one (a skeleton need not be pretty, only shared).
    """
    mapping: dict[str, str] = {}
    for char, entries in confusables_data.items():
        if len(entries) != 1:
            continue  # a prototype of several characters
        target = entries[0]["c"].strip(_LRM)
        back = confusables_data.get(target, [])
        mutual = len(back) == 1 and back[0]["c"].strip(_LRM) == char
        if not mutual or target < char:
            mapping[char] = target
    return mapping


def visible(text: str) -> str:
    """``text`` without invisible characters (format and control: zero-width,
    bidirectional overrides), in compatibility form, its spaces collapsed."""
    kept = "".join(ch for ch in unicodedata.normalize("NFKC", text) if not _invisible(ch))
    return " ".join(kept.split())


def name_key(name: str) -> str:
    """What a name is to a reader: equal keys are names that cannot be told apart.

    Empty when the name holds no letter or digit at all (only U+200B, or only
    punctuation): such a name names nothing.
    """
    # Look-alikes from other scripts become the Latin letters they mimic, so
    # that a disguised legal form is still recognised and dropped...
    text = basename(_skeleton(_without_accents(visible(name)), ascii_too=False))
    # ...then the ASCII look-alikes too ("rn" for "m", "0" for "O").
    return _letters(_skeleton(text.casefold(), ascii_too=True))


def handle_key(handle: str) -> str:
    """What a handle is to a reader: ``ann-builds``, ``Ann_Builds`` and
    ``ann-bui1ds`` (a digit one for an ell) are one handle. No legal form is
    dropped (a handle is no company name); dashes do not count."""
    return _letters(_skeleton(visible(handle).casefold(), ascii_too=True))


def _skeleton(text: str, *, ascii_too: bool) -> str:
    mapping = prototypes()
    return "".join(mapping.get(ch, ch) if ascii_too or not ch.isascii() else ch for ch in text)


def _without_accents(text: str) -> str:
    """Accents become combining marks (NFKD), which go."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cf", "Cc")
