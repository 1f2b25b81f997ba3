"""The plain-field shortcut answers exactly as strawberry's stock executor does,
and ``SUPLINKS_FAST_PATHS`` chooses between them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

import fastpaths
from config import PROJECT_ROOT, ConfigError, fast_paths_enabled
from fastpaths import PlainFieldsExecutionContext, plain_leaf
from schema.schema import schema as product_schema


@strawberry.enum
class Color(Enum):
    RED = "RED"


@strawberry.type
class Item:
    name: str | None = None
    required: str = ""
    color: Color | None = None
    count: int | None = None
    tags: list[str] | None = None
    scores: list[int | None] | None = None
    colors: list[Color] = strawberry.field(default_factory=list)

    @strawberry.field
    def shout(self) -> str | None:
        return self.name.upper() if self.name else None

    @strawberry.field
    async def later(self) -> int | None:
        return self.count


class Broken:
    """Values a resolver should never hand over: each must fail as in graphql-core."""

    name = None
    required = "r"
    color = "PURPLE"  # not a Color
    count = "many"  # not an Int
    tags = ["a", None]  # null in a list of non-null items
    scores = [1, "x"]  # not an Int in a list
    colors = ("RED",)  # a tuple, not a list


class NullInNonNull(Broken):
    required = None


class Missing:
    """No attribute at all but ``required``: reading the others raises."""

    required = "r"


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return [
            Item(name="a", required="r", color=Color.RED, count=3, tags=["x"], scores=[1, None]),
            Item(),
            Broken(),  # type: ignore[list-item]
            NullInNonNull(),  # type: ignore[list-item]
            Missing(),  # type: ignore[list-item]
        ]


# Plain fields between resolved ones (one of them async), aliases, a repeated field:
# the answer must keep the selection's order.
QUERY = """{ items {
  name shout required later color count again: name tags scores colors __typename name
} }"""


class Upper(SchemaExtension):
    """A resolve hook: it must see every field, plain ones included."""

    def resolve(self, _next, root, info, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) and info.field_name == "name" else result


def _answer(result) -> tuple:
    errors = sorted((str(e.path), e.message) for e in result.errors or [])
    return json.dumps(result.data), errors  # JSON text: the keys' order counts


@pytest.mark.parametrize("extensions", [[], [Upper]])
async def test_same_answer_as_stock_executor(extensions) -> None:
    stock = strawberry.Schema(Query, extensions=extensions)
    shortcut = strawberry.Schema(
        Query, extensions=extensions, execution_context_class=PlainFieldsExecutionContext
    )
    expected = _answer(await stock.execute(QUERY))
    assert len(expected[1]) == 14, "the query must exercise the error paths"
    assert _answer(await shortcut.execute(QUERY)) == expected


def test_product_schema_uses_the_chosen_executor() -> None:
    expected = fastpaths.FAST if fast_paths_enabled(os.environ) else fastpaths.STOCK
    assert fastpaths.ACTIVE is expected
    assert product_schema.execution_context_class is expected.execution_context


@pytest.mark.parametrize(
    ("value", "enabled"), [("", True), ("on", True), ("ON", True), ("off", False), (" Off ", False)]
)
def test_the_setting_reads_on_and_off(value: str, enabled: bool) -> None:
    assert fast_paths_enabled({"SUPLINKS_FAST_PATHS": value}) is enabled
    assert fast_paths_enabled({}) is True


@pytest.mark.parametrize("value", ["no", "0", "stock", "of"])
def test_the_setting_refuses_anything_else(value: str) -> None:
    with pytest.raises(ConfigError, match="SUPLINKS_FAST_PATHS"):
        fast_paths_enabled({"SUPLINKS_FAST_PATHS": value})


CHOSEN = (
    "import fastpaths, schema.schema as s;"
    "print(s.schema.execution_context_class.__name__,"
    " fastpaths.fetch_mappings.__name__, fastpaths.selection_tree.__name__)"
)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("on", "PlainFieldsExecutionContext fast_fetch_mappings fast_selection_tree"),
        ("off", "StrawberryGraphQLCoreExecutionContext stock_fetch_mappings stock_selection_tree"),
    ],
)
def test_the_environment_switches_every_path_at_import(value: str, names: str) -> None:
    env = {**os.environ, "SUPLINKS_FAST_PATHS": value}
    chosen = subprocess.run(
        [sys.executable, "-c", CHOSEN], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.split() == names.split()


def test_shortcut_covers_plain_scalars_enums_and_their_lists() -> None:
    item = strawberry.Schema(Query)._schema.type_map["Item"]
    taken = {name for name, field in item.fields.items() if plain_leaf(field) is not None}
    assert taken == {"name", "required", "color", "count", "tags", "scores", "colors"}
