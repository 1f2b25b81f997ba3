"""Which fields of an object the client selected, fragments included.

The parent resolver decides only the selected fields of each profile it
builds (docs/design.md, "Per-field policy that stays fast").
The tree itself comes from ``fastpaths.selection_tree``.
"""

from __future__ import annotations

from fastpaths import Tree, selection_tree

__all__ = ["Tree", "selected"]


def selected(info, *path: str) -> Tree:
    """The selection tree below the current field, then below ``path`` (e.g. "edges", "node")."""
    tree = selection_tree(info)
    for step in path:
        tree = tree.get(step, {})
    return tree
