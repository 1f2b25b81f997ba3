"""A shorter path through graphql-core for plain scalar and enum fields.

A page of 50 profiles asking 15 fields is some 900 fields to complete, and
nearly all of them are plain attributes (``schema/types.py``: the resolver
that built the object has already decided each one). For every field,
graphql-core makes a path and a resolve-info object, and strawberry calls the
attribute through three wrappers, before the value is coerced: that
bookkeeping costs several times the ``getattr`` itself.

For a field that strawberry resolves by plain ``getattr`` (no resolver, no
field extension, no argument) and whose type is a scalar or an enum, or a
list of them, this context reads the attribute and coerces it directly; the
object's other fields go to graphql-core, and the answer keeps the
selection's order. Any value that is not simply present or null-where-allowed
(an error, an awaitable, a failed coercion, a null in a non-null field) also
takes graphql-core's own path, so results and errors are exactly those of the
stock executor. A schema extension hooking ``resolve`` turns the shortcut off.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter


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
    """strawberry's execution context, with the shortcut for plain leaf fields."""

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
