"""SQL assembled in Python interpolates only checked pieces (``db/sqlguard.py``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import PROJECT_ROOT
from db import search as search_db
from db.facts import EDGE_STATUSES, contact_in_state, member_in, viewer_edges
from db.models import SEARCHED_FIELDS
from db.sqlguard import choice, identifier, integer, literal, name_literal
from policies.fields import PRIVATE_FIELDS, Audience
from schema.types import ContactStatus

INJECTIONS = ["ACCEPTED' OR '1'='1", 'x"; DROP TABLE member; --', "", "Profile", "a b", "é"]


def test_choice_and_literal_take_only_the_allowed_values() -> None:
    assert choice("profile", {"profile"}) == "profile"
    assert literal("MEMBERS", {"MEMBERS"}) == "'MEMBERS'"
    for bad in [*INJECTIONS, None, 1]:
        with pytest.raises(ValueError):
            choice(bad, {"profile"})  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            literal(bad, {"MEMBERS"})  # type: ignore[arg-type]


def test_names_must_be_plain() -> None:
    assert identifier("suplinks_test_42") == '"suplinks_test_42"'
    assert name_literal("suplinks") == "'suplinks'"
    for bad in [*INJECTIONS, None, "1abc"]:
        with pytest.raises(ValueError):
            identifier(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            name_literal(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, 1.0, "5", None])
def test_integers_must_be_ints(bad) -> None:
    assert integer(5) == 5
    with pytest.raises(ValueError):
        integer(bad)


def test_the_checks_survive_python_O() -> None:
    """They raise, so ``python -O`` (which drops asserts) keeps them."""
    probe = "from db.sqlguard import identifier\ntry: identifier('x\"')\nexcept ValueError: print('refused')"
    ran = subprocess.run(
        [sys.executable, "-O", "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert ran.stdout.strip() == "refused", ran.stderr


@pytest.mark.parametrize("bad", INJECTIONS)
def test_fact_fragments_refuse_unknown_statuses_and_aliases(bad: str) -> None:
    assert "'ACCEPTED'" in viewer_edges("ACCEPTED")
    with pytest.raises(ValueError):
        viewer_edges(bad)
    with pytest.raises(ValueError):
        contact_in_state(bad, "ACCEPTED")
    with pytest.raises(ValueError):
        member_in(bad, "SELECT 1")


def _tier(field: str, audiences: frozenset[str]) -> tuple[search_db.Access, search_db.Tier]:
    tier = search_db.Tier(contact=False, readable=((field, audiences),), hidden_by=())
    return search_db.Access(defaults=((field, "CONTACTS"),), tiers=(tier,)), tier


def test_search_clauses_refuse_unknown_fields_and_audiences() -> None:
    access, tier = _tier("skills", frozenset({"RECRUITERS", "MEMBERS"}))
    assert search_db.readable(access, tier, "skills") == (
        "(profile.audiences ->> 'skills') IN ('MEMBERS', 'RECRUITERS')"
    )
    for bad in INJECTIONS:
        access, tier = _tier(bad, frozenset({"MEMBERS"}))
        with pytest.raises(ValueError):
            search_db.readable(access, tier, bad)
        access, tier = _tier("skills", frozenset({bad}))
        with pytest.raises(ValueError):
            search_db.readable(access, tier, "skills")


def test_the_allow_lists_match_the_policy_and_the_schema() -> None:
    """db/ keeps its own copies (it imports neither policies/ nor schema/)."""
    assert {a.value for a in Audience} == search_db.AUDIENCES
    assert set(SEARCHED_FIELDS) <= PRIVATE_FIELDS
    assert {s.value for s in ContactStatus} == EDGE_STATUSES
