"""Company names as a reader sees them, and domains that prove no employer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db.company_names import name_key, prototypes, visible
from mail.domains import is_free_mail

NORTHWIND = name_key("Northwind Analytics")

LOOK_ALIKES = [
    "northwind analytics",  # case
    "Northwind-Analytics!",  # punctuation
    "Nörthwind Ånalytics",  # accents
    "Northwind Analytics Ltd",  # legal forms...
    "NORTHWIND ANALYTICS S.A.S.",
    "Northwind Analytics GmbH",
    "Northwind Analytics, Inc.",
    "N\u043erthwind Analytics",  # Cyrillic o
    "Northwind \u0410nalytics",  # Cyrillic capital a
    "North\u200bwind Analytics",  # zero-width space
    "\u202eNorthwind Analytics\u202c",  # right-to-left override
    "Northwind\u2060 Analytics\ufeff",  # word joiner, byte order mark
    "\uff2eorthwind Analytics",  # fullwidth N
    "Northwind Analytics Gmb\u041d",  # a legal form disguised in Cyrillic
]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_names_a_reader_cannot_tell_apart_share_one_key(name):
    assert name_key(name) == NORTHWIND


@pytest.mark.parametrize("name", ["Northwind Logistics", "Southwind Analytics", "Northwinds"])
def test_other_names_keep_their_own_key(name):
    assert name_key(name) != NORTHWIND


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u200b\u2066", " - ", "Inc.", ""])
def test_a_name_with_no_letter_has_no_key(name):
    assert name_key(name) == ""


def test_the_confusable_map_sends_look_alikes_to_their_latin_prototype():
    mapping = prototypes()
    assert mapping["\u043e"] == "o"  # Cyrillic small o
    assert mapping["\u0430"] == "a"  # Cyrillic small a
    assert "o" not in mapping and "a" not in mapping  # prototypes map to nothing


def test_visible_text_drops_invisible_characters_and_collapses_spaces():
    assert visible("  North\u200bwind \u202e Analytics ") == "Northwind Analytics"


invisible = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u200e", "\u202e", "\u2066", "\ufeff"])


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=20),
    inserted=st.lists(st.tuples(st.integers(0, 20), invisible), max_size=4),
)
def test_invisible_characters_never_change_a_key(name, inserted):
    disguised = name
    for position, char in inserted:
        disguised = disguised[:position] + char + disguised[position:]
    assert name_key(disguised) == name_key(name)


@pytest.mark.parametrize(
    ("domain", "free"),
    [
        ("gmail.com", True),
        ("googlemail.com", True),
        ("proton.me", True),
        ("mailinator.com", True),  # disposable
        ("yopmail.com", True),
        ("eu.gmail.com", True),  # a subdomain of one
        ("northwind.example", False),
        ("acme.example", False),
    ],
)
def test_free_mail_and_disposable_domains_are_known(domain, free):
    assert is_free_mail(domain) is free
