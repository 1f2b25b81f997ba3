"""Personal messages: a recruiter's message must not be a template with the names changed.

Promise (Only recruiters start a contact): a contact starts with a personal
message. An exact-text check is beaten by a counter ("... Ref 7"), a swapped name
or greeting, or invisible characters, so a new message is compared with the
recruiter's recent ones after normalising away what such tricks change, by a
similarity score from rapidfuzz (a maintained fuzzy-matching library):

- ``fuzz.ratio``: the normalised Indel similarity of the two texts, which a
  changed name, number or greeting moves by only a few points;
- ``fuzz.token_sort_ratio``: the same over sorted words, for reordered sentences.

Two genuinely personal messages share little beyond a greeting and score far
below the threshold; tests/test_templates.py holds both sides in a table.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from rapidfuzz import fuzz, process

# 80 of 100: on tests/test_templates.py's table, near-copies score 96
# or more and personal messages sharing a greeting 57 or less.
NEAR_DUPLICATE = 80.0

Key = TypeVar("Key")


def normalise(message: str) -> str:
    """Case, digits, punctuation, spacing and invisible characters removed.

    NFKC folds look-alike forms (full-width letters, ligatures); category C
    (zero-width spaces, soft hyphens, joiners) goes before anything is compared,
    so an inserted invisible character changes nothing.
    """
    text = unicodedata.normalize("NFKC", message).casefold()
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "C":
            continue
        kept.append(ch if category[0] in "LM" else " ")
    return " ".join("".join(kept).split())


def _score(a: str, b: str, **_: object) -> float:
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b))


def near_duplicates(message: str, earlier: Iterable[tuple[Key, str]]) -> set[Key]:
    """The keys (e.g. candidate ids) of the earlier messages that ``message`` nearly repeats."""
    pairs = list(earlier)
    if not pairs:
        return set()
    matches = process.extract(
        normalise(message),
        [normalise(text) for _, text in pairs],
        scorer=_score,
        score_cutoff=NEAR_DUPLICATE,
        limit=None,
    )
    return {pairs[index][0] for _, _, index in matches}
