"""Which fields of an object the client selected, fragments included.

The parent resolver decides only the selected fields of each profile it
builds (docs/design.md, "Per-field policy that stays fast").
"""

from __future__ import annotations

from graphql import FieldNode, FragmentSpreadNode, GraphQLResolveInfo, InlineFragmentNode

Tree = dict[str, "Tree"]


def _merge(nodes, info: GraphQLResolveInfo, into: Tree) -> Tree:
    for node in nodes:
        if isinstance(node, FieldNode):
            sub = into.setdefault(node.name.value, {})
            if node.selection_set:
                _merge(node.selection_set.selections, info, sub)
        elif isinstance(node, InlineFragmentNode):
            _merge(node.selection_set.selections, info, into)
        elif isinstance(node, FragmentSpreadNode):
            fragment = info.fragments[node.name.value]
            _merge(fragment.selection_set.selections, info, into)
    return into


def selected(info, *path: str) -> Tree:
    """The selection tree below the current field, then below ``path`` (e.g. "edges", "node")."""
    info = getattr(info, "_raw_info", info)  # strawberry's Info wraps graphql-core's
    tree: Tree = {}
    for field_node in info.field_nodes:
        if field_node.selection_set:
            _merge(field_node.selection_set.selections, info, tree)
    for step in path:
        tree = tree.get(step, {})
    return tree
