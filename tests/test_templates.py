"""Personal messages (Promise (Only recruiters start a contact)): near-copies of a
message sent to three candidates are refused with TEMPLATE_MESSAGE, whatever was
changed to get past an exact-text check; genuinely personal messages pass."""

from __future__ import annotations

import pytest

from resolvers.templates import near_duplicates, normalise
from tests.network_support import request_ok, send
from tests.test_network_limits import _candidates, _recruiter, _refused

BASE = (
    "Hello Alice, we are hiring a senior backend engineer for our payments team in Lyon. "
    "Your background looks like a great fit; would you be open to a short call next week?"
)

# (variant of BASE, why it is still the same message)
NEAR_COPIES = [
    (BASE.replace("Alice", "Bob"), "a name changed"),
    (BASE.replace("Hello", "Dear"), "a greeting changed"),
    (BASE + " Ref 17", "a counter added"),
    (BASE + " Ref 18", "another counter"),
    (
        BASE.replace("senior", "sen\u00adior").replace("payments", "pay\u200bments"),
        "soft hyphen, ZWSP",
    ),
    (BASE.replace(" ", "\u2009").upper(), "thin spaces, capitals"),
    (BASE.replace("Lyon", "Lyon!!!").replace(";", ","), "punctuation"),
    ("Hi Carol! " + BASE.split(", ", 1)[1], "greeting and name replaced"),
    (BASE.replace("next week", "on Tuesday 14"), "a detail changed"),
    ("\ufeff" + BASE.replace("Alice", "A\u200dl\u200di\u200dc\u200de"), "joiners inside the name"),
]

PERSONAL = [
    "Hello Alice, I read your post on consensus bugs in Raft clusters and it changed how "
    "we test failover at our firm; I would love to hear how you found the split-brain case.",
    "Hello Alice, your open-source work on PostgreSQL logical replication is impressive. "
    "Our data platform team struggles with exactly that migration; could we talk?",
    "Hello Alice, congratulations on the accessibility award for the banking app. We are "
    "rebuilding our mobile onboarding and your screen-reader work is what we need.",
]


@pytest.mark.parametrize(("variant", "why"), NEAR_COPIES, ids=[w for _, w in NEAR_COPIES])
def test_near_copies_are_the_same_message(variant: str, why: str) -> None:
    assert near_duplicates(variant, [("first", BASE)]) == {"first"}, why


@pytest.mark.parametrize("message", PERSONAL)
def test_personal_messages_sharing_a_greeting_are_not_copies(message: str) -> None:
    others = [(i, m) for i, m in enumerate([BASE, *PERSONAL]) if m != message]
    assert near_duplicates(message, others) == set()


def test_normalise_drops_what_tricks_change() -> None:
    assert normalise("Ré\u00adf.\u200b 0042 — ÉTÉ\u2009!") == normalise("réf été")
    assert normalise("\ufb01ne \uff26ull-width") == "fine full width"


async def test_a_counter_does_not_get_past_the_template_limit(api, db) -> None:
    """The reported attack: the same message with "Ref 0", "Ref 1", ... to six candidates."""
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 6)
    for i, candidate in enumerate(candidates[:3]):
        assert await request_ok(api, recruiter, candidate, f"{BASE} Ref {i}")
    for i, candidate in enumerate(candidates[3:], start=3):
        errors = await _refused(
            api, db, recruiter, api.id_for(candidate, recruiter), f"{BASE} Ref {i}"
        )
        assert [(e["code"], e["field"]) for e in errors] == [("TEMPLATE_MESSAGE", "message")]


async def test_names_and_invisible_characters_do_not_get_past_it(api, db) -> None:
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 5)
    for candidate, (variant, _) in zip(candidates[:3], NEAR_COPIES[:3], strict=True):
        assert await request_ok(api, recruiter, candidate, variant)
    disguised = NEAR_COPIES[4][0].replace("Alice", "Dora")
    errors = await _refused(api, db, recruiter, api.id_for(candidates[3], recruiter), disguised)
    assert [e["code"] for e in errors] == ["TEMPLATE_MESSAGE"]


async def test_personal_messages_with_one_greeting_all_go_through(api) -> None:
    recruiter = await _recruiter(api)
    candidates = await _candidates(api, 4)
    for candidate, message in zip(candidates, [BASE, *PERSONAL], strict=True):
        payload = await send(api, recruiter, api.id_for(candidate, recruiter), message)
        assert payload["userErrors"] == [] and payload["request"], message
