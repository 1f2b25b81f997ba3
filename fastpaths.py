"""Speed-ups that rest on private internals, each beside its stock twin.

Three hot spots read what their libraries do not promise to keep:

- the executor (``PlainFieldsExecutionContext``) reads graphql-core's and
  strawberry's execution internals to complete plain leaf fields directly;
- ``fast_fetch_mappings`` reads SQLAlchemy's compiled parameter converters to
  send a read straight to asyncpg;
- ``fast_selection_tree`` reads strawberry's wrapped graphql-core resolve info.

``SUPLINKS_FAST_PATHS=off`` (``config.fast_paths_enabled``) swaps in the
stock twins, which use public API only and answer the same. After upgrading
strawberry-graphql, graphql-core or SQLAlchemy, run the suite both ways
(CI does): a failure with the fast paths only is an internal that moved.
The rest of the code uses ``ExecutionContext``, ``fetch_mappings`` and
``selection_tree``, bound once at import to one set or the other.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    Undefined,
    is_leaf_type,
    value_from_ast,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from sqlalchemy import Executable
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.nodes import SelectedField, Selection

from config import fast_paths_enabled

# -- 1. The executor: plain leaf fields without graphql-core's bookkeeping --------


class PlainLeaf(NamedTuple):
    attribute: str
    leaf_type: GraphQLLeafType
    nullable: bool
    items_nullable: bool | None = None  # a list of leaves: may its items be null? None: no list


def plain_leaf(field_def: GraphQLField | None) -> PlainLeaf | None:
    """How to read a field by plain ``getattr``, or None when it needs graphql-core's path."""
    if field_def is None or field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    field = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if field is None or field.default_resolver is not getattr:
        return None
    nullable, of_type = _unwrap(field_def.type)
    if isinstance(of_type, GraphQLList):
        items_nullable, item_type = _unwrap(of_type.of_type)
        if is_leaf_type(item_type):
            return PlainLeaf(field.python_name, item_type, nullable, items_nullable)
    elif is_leaf_type(of_type):
        return PlainLeaf(field.python_name, of_type, nullable)
    return None


def _unwrap(graphql_type: Any) -> tuple[bool, Any]:
    """Whether a type admits null, and the type inside its non-null wrapper."""
    if isinstance(graphql_type, GraphQLNonNull):
        return False, graphql_type.of_type
    return True, graphql_type


def _shortcut_for(
    parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
) -> PlainLeaf | None:
    plain = plain_leaf(parent_type.fields.get(field_details_list[0].node.name.value))
    is_list = plain is not None and plain.items_nullable is not None
    # A directive on a list field (``@stream``) is graphql-core's business.
    if is_list and any(details.node.directives for details in field_details_list):
        return None
    return plain


Plan = tuple[tuple[str, FieldDetailsList, PlainLeaf | None], ...]


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context, with a shorter path for plain leaf fields.

    A page of 50 profiles asking 15 fields is some 900 fields to complete, and
    nearly all of them are plain attributes (``schema/types.py``: the resolver
    that built the object has already decided each one). For every field,
    graphql-core makes a path and a resolve-info object, and strawberry calls
    the attribute through three wrappers, before the value is coerced: that
    bookkeeping costs several times the ``getattr`` itself.

    For a field that strawberry resolves by plain ``getattr`` (no resolver, no
    field extension, no argument) and whose type is a scalar or an enum, or a
    list of them, this context reads the attribute and coerces it directly;
    the object's other fields go to graphql-core, and the answer keeps the
    selection's order. Any value that is not simply present or
    null-where-allowed (an error, an awaitable, a failed coercion, a null in a
    non-null field) also takes graphql-core's own path, so results and errors
    are exactly those of the stock executor. A schema extension hooking
    ``resolve`` turns the shortcut off.

    Private things it reads, to check on an upgrade: graphql-core's
    ``ExecutionContext.execute_fields`` (its signature, and that it completes
    every field of an object), ``collect_fields.GroupedFieldSet`` and
    ``FieldDetailsList``; strawberry's ``GraphQLCoreConverter.DEFINITION_BACKREF``
    in field extensions, the ``_is_default`` mark on its default resolver,
    ``StrawberryField.default_resolver`` and ``middleware_manager.middlewares``.
    Stock twin: ``StrawberryGraphQLCoreExecutionContext``, strawberry's default.
    ``tests/test_execution.py`` compares the two.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # strawberry always passes a manager; it wraps resolvers only when an
        # extension implements ``resolve``, and then every field must go through it.
        manager = self.middleware_manager
        self.shortcuts = manager is None or not manager.middlewares
        # Like graphql-core's own memo of sub-fields: by type and identity of the
        # field set, kept alive with its plan so that the id cannot be reused meanwhile.
        self._plans: dict[tuple[GraphQLObjectType, int], tuple[GroupedFieldSet, Plan]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """Plain fields here; the others (if any) through graphql-core, in their order."""
        if not self.shortcuts:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        rest: GroupedFieldSet = {}
        for name, field_details_list, plain in self._plan(parent_type, grouped_field_set):
            value = Undefined if plain is None else self._plain_value(plain, source_value)
            results[name] = value
            if value is Undefined:
                rest[name] = field_details_list
        if not rest:
            return results
        completed = super().execute_fields(parent_type, source_value, path, rest, position_context)
        if self.is_awaitable(completed):
            return _merge_later(results, rest, completed)
        return _merge(results, rest, completed)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        """Each field of the set with its shortcut (None: graphql-core's path)."""
        key = (parent_type, id(grouped_field_set))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        plan = tuple(
            (name, field_details_list, _shortcut_for(parent_type, field_details_list))
            for name, field_details_list in grouped_field_set.items()
        )
        self._plans[key] = (grouped_field_set, plan)
        return plan

    def _plain_value(self, plain: PlainLeaf, source: Any) -> Any:
        """The completed value, or Undefined to let graphql-core complete the field."""
        try:
            value = getattr(source, plain.attribute)
            if value is None:
                return None if plain.nullable else Undefined
            if plain.items_nullable is None:
                return self._leaf(plain, value)
            if type(value) is not list:
                return Undefined
            return self._leaves(plain, value)
        except Exception:  # graphql-core's path raises it again, and reports it as it does
            return Undefined

    def _leaves(self, plain: PlainLeaf, values: list) -> Any:
        items = []
        for value in values:
            item = None if value is None and plain.items_nullable else self._leaf(plain, value)
            if item is Undefined:
                return Undefined
            items.append(item)
        return items

    def _leaf(self, plain: PlainLeaf, value: Any) -> Any:
        if value is None or isinstance(value, Exception) or self.is_awaitable(value):
            return Undefined
        coerced = plain.leaf_type.coerce_output_value(value)
        return Undefined if coerced is None else coerced


def _merge(results: dict[str, Any], rest: GroupedFieldSet, completed: dict[str, Any]) -> dict:
    """The plain values and graphql-core's, in the selection's order.

    graphql-core leaves out a field it does not know; so does this.
    """
    for name in rest:
        if name in completed:
            results[name] = completed[name]
        else:
            del results[name]
    return results


async def _merge_later(
    results: dict[str, Any], rest: GroupedFieldSet, completed: Awaitable[dict[str, Any]]
) -> dict:
    return _merge(results, rest, await completed)


# -- 2. The rows of a hot read, straight from asyncpg ----------------------------


@lru_cache(maxsize=1024)
def _compiled(statement: Executable, dialect: Dialect) -> Compiled:
    return statement.compile(dialect=dialect)


Rows = list[Mapping[str, Any]]


async def fast_fetch_mappings(
    conn: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> Rows:
    """The rows of a hot read as asyncpg returns them: records, read by column name.

    SQLAlchemy's result objects cost about 1 ms of CPU for a page of 50 wide
    profile rows, more than PostgreSQL takes to run a typical search, so search
    reads its page through the driver. The statement is compiled once, its
    parameters converted by their SQLAlchemy types as usual, sent on the same
    pooled connection, and announced to the engine's listeners like any other
    (the statement counter and the per-request tally see and time it). JSON
    columns come decoded by the codecs SQLAlchemy installs on each asyncpg
    connection.

    Private things it reads, to check on an upgrade: ``Compiled._bind_processors``
    (the converters SQLAlchemy's own execute applies, by parameter name),
    ``positiontup`` (the order of the positional parameters), and the
    ``before_cursor_execute`` and ``after_cursor_execute`` dispatches called by
    hand. No result processor runs: a column whose SQLAlchemy type converts
    values on the way out (an Enum, a custom type) would come back raw here,
    so hot reads select plain columns. A connection that dies here (a database
    restart) fails where SQLAlchemy never sees it: the ``Database`` block around
    the read (``autocommit``, ``write``) invalidates it and throws the pool away
    (``db.engine``).
    Stock twin: ``stock_fetch_mappings``.
    """
    compiled = _compiled(statement, conn.dialect)
    bound = compiled.construct_params(params)
    convert = compiled._bind_processors
    args = tuple(
        convert[name](bound[name]) if name in convert else bound[name]
        for name in compiled.positiontup
    )
    sync = conn.sync_connection
    sync.dispatch.before_cursor_execute(sync, None, compiled.string, args, None, False)
    raw = await conn.get_raw_connection()
    rows = await raw.driver_connection.fetch(compiled.string, *args)
    sync.dispatch.after_cursor_execute(sync, None, compiled.string, args, None, False)
    return rows


async def stock_fetch_mappings(
    conn: AsyncConnection, statement: Executable, params: Mapping[str, Any]
) -> Rows:
    """The same rows through SQLAlchemy's public execute, as row mappings."""
    result = await conn.execute(statement, params)
    return list(result.mappings())


# -- 3. The selection tree below a field ------------------------------------------

Tree = dict[str, "Tree"]
"""Field name -> the fields selected below it; fragments merged in, aliases ignored,
and nothing that ``@skip`` or ``@include`` leaves out: a field the client will not
receive is neither decided nor read, so the owner's access log never names it
(Promise (The member's own data): the log says what a viewer received)."""


def fast_selection_tree(info: Any) -> Tree:
    """The fields selected below the current one, from graphql-core's field nodes.

    strawberry's public ``info.selected_fields`` converts every argument and
    directive of the whole subtree into its own objects, for each call; this
    walks the parsed nodes and keeps the names only.

    Private thing it reads, to check on an upgrade: ``strawberry.Info._raw_info``,
    the graphql-core resolve info strawberry wraps (a graphql-core info is
    accepted as is). Stock twin: ``stock_selection_tree``.
    """
    raw = getattr(info, "_raw_info", info)
    tree: Tree = {}
    for field_node in raw.field_nodes:
        if field_node.selection_set:
            _add_nodes(field_node.selection_set.selections, raw, tree)
    return tree


def _add_nodes(nodes, raw, into: Tree) -> None:
    for node in nodes:
        if node.directives and not _included(node, raw.variable_values):
            continue
        if isinstance(node, FieldNode):
            sub = into.setdefault(node.name.value, {})
            if node.selection_set:
                _add_nodes(node.selection_set.selections, raw, sub)
        elif isinstance(node, InlineFragmentNode):
            _add_nodes(node.selection_set.selections, raw, into)
        elif isinstance(node, FragmentSpreadNode):
            _add_nodes(raw.fragments[node.name.value].selection_set.selections, raw, into)


def _included(node, variables: dict[str, Any]) -> bool:
    """What graphql-core's executor does with ``@skip`` and ``@include``: the query was
    validated, so each has one Boolean ``if`` (a literal or a variable)."""
    wanted = {"skip": True, "include": False}  # the value of ``if`` that leaves it out
    for directive in node.directives:
        leaves_out = wanted.get(directive.name.value)
        if leaves_out is None:
            continue
        condition = value_from_ast(directive.arguments[0].value, GraphQLBoolean, variables)
        if condition is leaves_out:
            return False
    return True


def stock_selection_tree(info: Any) -> Tree:
    """The same tree from strawberry's public ``info.selected_fields``."""
    tree: Tree = {}
    for field in info.selected_fields:
        _add_selections(field.selections, tree)
    return tree


def _add_selections(selections: list[Selection], into: Tree) -> None:
    for selection in selections:
        if not _directives_include(selection.directives):
            continue
        if isinstance(selection, SelectedField):
            _add_selections(selection.selections, into.setdefault(selection.name, {}))
        else:  # a fragment, inline or named: its fields belong to this level
            _add_selections(selection.selections, into)


def _directives_include(directives: Mapping[str, Mapping[str, Any]]) -> bool:
    """``@skip`` / ``@include`` as strawberry hands them over, variables resolved."""
    if directives.get("skip", {}).get("if") is True:
        return False
    return directives.get("include", {}).get("if") is not False


# -- The switch ------------------------------------------------------------------


class Paths(NamedTuple):
    """One implementation of each hot spot."""

    execution_context: type[StrawberryGraphQLCoreExecutionContext]
    fetch_mappings: Callable[..., Awaitable[Rows]]
    selection_tree: Callable[[Any], Tree]


FAST = Paths(PlainFieldsExecutionContext, fast_fetch_mappings, fast_selection_tree)
STOCK = Paths(StrawberryGraphQLCoreExecutionContext, stock_fetch_mappings, stock_selection_tree)

# Chosen once, at import: the schema is built with its executor when first imported.
ACTIVE = FAST if fast_paths_enabled(os.environ) else STOCK
ExecutionContext = ACTIVE.execution_context
fetch_mappings = ACTIVE.fetch_mappings
selection_tree = ACTIVE.selection_tree
