"""Limits on what one operation may ask, checked before validation and execution.

- tokens: the parser stops after ``max_tokens`` (strawberry's ``MaxTokensLimiter``
  passes the same option), so a 2 MB alias flood costs a few milliseconds;
- depth and aliases: strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter``
  rules; introspection is left to graphql-core's ``MaxIntrospectionDepthRule``
  (GraphiQL's own introspection query nests deeper than any data query);
- directives: at most ``max_directives`` on one field or fragment;
- cost: an estimate of the work (``estimated_cost``), with the variables' values.

A refusal is one ``QUERY_TOO_COMPLEX`` error naming the limit, and no other
validation runs: the limits are cheap, the full validation is not.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    validate,
)
from graphql.validation import MaxIntrospectionDepthRule
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.extensions.max_aliases import create_validator as alias_rule
from strawberry.extensions.query_depth_limiter import IgnoreContext
from strawberry.extensions.query_depth_limiter import create_validator as depth_rule

from config import QueryLimits
from views.cursors import MAX_PAGE
from web.errors import ApiError

# Fields whose every item costs more than reading a row: a ranked search, and a
# partner's pipeline (profiles, consents and the access log).
WEIGHTS = {"searchCandidates": 5, "pipeline": 3}


def too_complex(limit: str, message: str) -> ApiError:
    return ApiError("QUERY_TOO_COMPLEX", message, limit=limit)


def _is_introspection(context: IgnoreContext) -> bool:
    return context.field_name.startswith("__")


def directives_rule(max_directives: int) -> type[ValidationRule]:
    class DirectivesPerField(ValidationRule):
        """One error for the whole document, before any directive is looked up."""

        def __init__(self, context) -> None:
            super().__init__(context)
            self.reported = False

        def _check(self, node, *_) -> None:
            if not self.reported and len(node.directives or ()) > max_directives:
                self.reported = True
                self.report_error(
                    GraphQLError(
                        f"{len(node.directives)} directives on one field. Allowed: {max_directives}"
                    )
                )

        enter_field = enter_fragment_spread = enter_inline_fragment = _check

    return DirectivesPerField


@cache
def limit_rules(limits: QueryLimits) -> tuple[tuple[str, type[ASTValidationRule]], ...]:
    """The rules for these limits, built once (each ``create_validator`` makes a class)."""
    return (
        ("aliases", alias_rule(limits.max_aliases)),
        ("directives", directives_rule(limits.max_directives)),
        ("depth", depth_rule(limits.max_depth, _is_introspection, None)),
        ("introspection", MaxIntrospectionDepthRule),
    )


def _page(field: FieldNode, variables: Mapping[str, Any], default: int) -> int | None:
    """The rows the field's ``first`` asks for (every page stops at ``MAX_PAGE``),
    None when the field takes no ``first``."""
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        first = default
        if isinstance(value, IntValueNode):
            first = int(value.value)
        elif isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            first = given if isinstance(given, int) else default
        return min(max(first, 1), MAX_PAGE)
    return None


def estimated_cost(
    document,
    operation_name: str | None,
    variables: Mapping[str, Any],
    default_page: int,
) -> int:
    """The work an operation asks for, in rows: each field costs 1, a field with a
    ``first`` argument costs ``first`` times its selection (``default_page`` when the
    argument is absent or not an integer; at most ``MAX_PAGE``, where every page
    stops), searchCandidates and pipeline weigh more.

    Fragments count where they are spread (a cycle counts once: validation refuses it).
    """
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name and d.name.value == operation_name))
    ]

    def selections(selection_set: SelectionSetNode | None, seen: frozenset) -> Iterator[FieldNode]:
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                yield node
            elif isinstance(node, InlineFragmentNode):
                yield from selections(node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                fragment = fragments.get(node.name.value)
                if fragment is not None:
                    yield from selections(fragment.selection_set, seen | {node.name.value})

    def cost(selection_set: SelectionSetNode | None, seen: frozenset = frozenset()) -> int:
        total = 0
        for field in selections(selection_set, seen):
            inner = cost(field.selection_set, seen)
            page = _page(field, variables, default_page)
            if page is not None:
                inner *= page
            total += WEIGHTS.get(field.name.value, 1) * (1 + inner)
        return total

    return max((cost(o.selection_set) for o in operations), default=0)


def check_limits(
    schema: GraphQLSchema,
    document,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: QueryLimits,
) -> ApiError | None:
    """The first limit this operation exceeds, as its refusal; None within every limit."""
    for name, rule in limit_rules(limits):
        errors = validate(schema, document, [rule], max_errors=1)
        if errors:
            return too_complex(name, errors[0].message)
    cost = estimated_cost(document, operation_name, variables or {}, limits.default_page)
    if cost > limits.max_cost:
        return too_complex("cost", f"Estimated cost {cost}. Allowed: {limits.max_cost}")
    return None


class LimitedParsing(ParserCache):
    """strawberry's ParserCache, stopping at the token limit as MaxTokensLimiter does."""

    def on_operation(self) -> Iterator[None]:
        limits = self.execution_context.context.settings.query_limits
        self.execution_context.parse_options["max_tokens"] = limits.max_tokens
        yield

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        try:
            execution.graphql_document = self.cached_parse_document(
                execution.query, **execution.parse_options
            )
        except GraphQLError:
            # Raised here, the error would bypass every extension (ErrorMasking
            # included). Left undone, strawberry parses again within the same
            # token limit and reports the syntax error as the operation's result.
            execution.graphql_document = None
        yield


class LimitedValidation(ValidationCache):
    """The limits first (one error if any is exceeded), then the cached validation."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        refused = check_limits(
            execution.schema._schema,
            execution.graphql_document,
            execution.operation_name,
            execution.variables,
            execution.context.settings.query_limits,
        )
        if refused is not None:
            execution.pre_execution_errors = [refused]
            yield
        else:
            yield from super().on_validate()
