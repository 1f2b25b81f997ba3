"""One declaration per private field: the GraphQL fields, the reader, the input and the
policy's facts all come from it (``policies/fields.py``).

A throwaway field, declared here and nowhere else, gets an output field, an
input field with its check, a default audience per kind of member and a policy
decision. The real registry is then held to the columns the rows carry.
"""

from __future__ import annotations

import pytest
import strawberry
from strawberry.types.base import get_object_definition

from db.models import Profile as ProfileTable
from db.profiles import PROFILE_COLUMNS
from policies.authorizer import get_authorizer
from policies.facts import Relation
from policies.fields import (
    EXPERIENCE,
    PROFILE,
    Audience,
    Flag,
    Name,
    PrivateField,
    Text,
    Whole,
    defaults_for,
)
from resolvers.profiles import input_columns
from schema.inputs import with_inputs
from schema.types import with_private_fields
from views.profiles import reader
from web.errors import UserInputError

SHOE_SIZE = PrivateField(
    "shoeSize", "int", Audience.RECRUITERS, Audience.MEMBERS, edit=Whole(20, 60)
)
ROW = {"shoe_size": 42}

RECRUITER = Relation(is_member=True, is_recruiter=True)
MEMBER = Relation(is_member=True)


@strawberry.type
@with_private_fields([SHOE_SIZE])
class Card:
    alias: str


@strawberry.input
@with_inputs([SHOE_SIZE], default=strawberry.UNSET)
class CardInput:
    pass


def card_for(rel: Relation, kind: str) -> Card:
    """What ``views.profiles`` does for a profile, for the throwaway field alone."""
    decide = get_authorizer().field_decider(rel)
    audience = SHOE_SIZE.default_for(kind)
    values = (
        {SHOE_SIZE.attribute: reader(SHOE_SIZE)(ROW)} if decide(SHOE_SIZE.name, audience) else {}
    )
    return Card(alias="quiet-heron", **values)


@strawberry.type
class Query:
    @strawberry.field
    def card(self, recruiter: bool, kind: str) -> Card:
        return card_for(RECRUITER if recruiter else MEMBER, kind)

    @strawberry.field
    def echo(self, input: CardInput) -> int | None:
        return input.shoe_size


SCHEMA = strawberry.Schema(query=Query)


def test_one_declaration_gives_the_output_and_the_input_field():
    sdl = SCHEMA.as_str()
    assert "type Card {\n  alias: String!\n  shoeSize: Int\n}" in sdl
    assert "input CardInput {\n  shoeSize: Int\n}" in sdl
    field = get_object_definition(Card).get_field("shoe_size")
    assert field.base_resolver is None  # a plain attribute: strawberry's fast path
    assert SCHEMA.execute_sync("{ echo(input: {shoeSize: 42}) }").data == {"echo": 42}
    assert SCHEMA.execute_sync("{ echo(input: {}) }").data == {"echo": None}


def test_the_default_audience_and_the_policy_decide_the_value():
    # A candidate's shoe size reaches recruiters; a recruiter's reaches every member.
    assert SHOE_SIZE.default_for("CANDIDATE") is Audience.RECRUITERS
    assert SHOE_SIZE.default_for("RECRUITER") is Audience.MEMBERS
    query = "query($r: Boolean!, $k: String!) { card(recruiter: $r, kind: $k) { alias shoeSize } }"

    def shoe_size(recruiter: bool, kind: str):
        result = SCHEMA.execute_sync(query, {"r": recruiter, "k": kind})
        assert result.errors is None
        return result.data["card"]["shoeSize"]

    assert shoe_size(recruiter=True, kind="CANDIDATE") == 42
    assert shoe_size(recruiter=False, kind="CANDIDATE") is None  # denied: null, no error
    assert shoe_size(recruiter=False, kind="RECRUITER") == 42


async def test_the_input_is_checked_as_declared():
    assert await input_columns(None, SHOE_SIZE, 42) == {"shoe_size": 42}
    with pytest.raises(UserInputError) as raised:
        await input_columns(None, SHOE_SIZE, 61)
    assert raised.value.problems[0].code == "OUT_OF_RANGE"
    assert raised.value.problems[0].field == "shoeSize"


def test_every_declared_field_has_a_default_audience_for_each_kind():
    for kind in ("CANDIDATE", "RECRUITER"):
        defaults = defaults_for(kind)
        assert {f.name for f in PROFILE} <= set(defaults)
        assert {f"experiences.{f.name}" for f in EXPERIENCE} <= set(defaults)


def _null_row(names) -> dict:
    return dict.fromkeys(names)


def test_every_declared_field_reads_a_column_the_rows_carry():
    # A field declared without its column (db/models.py) fails here.
    profile_row = _null_row(c.name for c in PROFILE_COLUMNS)
    for field in PROFILE:
        if field.name != "experiences":
            assert reader(field)(profile_row) is None, field.name
    experience_row = _null_row(
        [c.name for c in ProfileTable.metadata.tables["experience"].columns]
        + ["employer_name", "employer_sector", "employer_size_band"]  # load_experiences' labels
    )
    for field in EXPERIENCE:
        assert reader(field)(experience_row) is None, field.name


async def test_every_editable_field_writes_columns_of_the_profile_table():
    columns = {c.name for c in ProfileTable.__table__.columns}
    for field in PROFILE:
        if field.edit is None:
            continue
        value = (
            True
            if isinstance(field.edit, Flag)
            else "x"
            if isinstance(field.edit, Text | Name)
            else None
        )
        written = await input_columns(None, field, value)
        assert written and set(written) <= columns, field.name
