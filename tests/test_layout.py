"""The layout's rules, read from the imports of every module (README: Layout).

Every import counts, at the top of a module or inside a function: a late
import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache

from config import PROJECT_ROOT

APP_PACKAGES = {"schema", "resolvers", "views", "auth", "web", "policies", "db", "demo", "bench"}
APP_MODULES = {"app", "config", "fastpaths"}
# The GraphQL types themselves: they import nothing of the app but policies.fields,
# and resolvers and views build their objects. Edges into them are no package cycle.
GRAPHQL_TYPES = {"schema.types", "schema.inputs"}


@cache
def modules() -> dict[str, frozenset[str]]:
    """Each module of the app (dotted name) -> the app modules it imports."""
    paths = [PROJECT_ROOT / f"{name}.py" for name in APP_MODULES]
    for package in APP_PACKAGES:
        paths += (PROJECT_ROOT / package).rglob("*.py")
    names = {_dotted(path): path for path in paths}
    return {
        name: frozenset(_imports(ast.parse(path.read_text()), set(names))) - {name}
        for name, path in names.items()
    }


def _dotted(path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, known: set[str]) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from schema import types`` imports the module schema.types;
            # ``from db.engine import Database`` the module db.engine.
            candidates = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in candidates:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                yield name


def package(module: str) -> str:
    return module.partition(".")[0]


def imports_of(pkg: str) -> set[str]:
    return {
        target for name, targets in modules().items() if package(name) == pkg for target in targets
    }


def offenders(pkg: str, forbidden: set[str]) -> set[str]:
    return {
        f"{name} imports {target}"
        for name, targets in modules().items()
        if package(name) == pkg
        for target in targets
        if package(target) in forbidden
    }


def test_the_import_walk_sees_the_known_edges() -> None:
    """The rules below are only as good as the walk: check it on edges that exist."""
    assert "schema.types" in modules()["views.profiles"]  # from schema import types as t
    assert "fastpaths" in modules()["db.search"]
    assert "db.embedded" in modules()["db.engine"]  # imported inside a function
    assert len(modules()) > 50


def test_db_is_the_bottom_layer() -> None:
    """Tables and statements: no GraphQL, no policy, no request."""
    forbidden = {"schema", "resolvers", "views", "auth", "web", "policies", "demo", "bench", "app"}
    assert offenders("db", forbidden) == set()


def test_policies_stand_alone() -> None:
    """The policy sees facts only: it cannot reach the data or the API."""
    forbidden = {"db", "schema", "resolvers", "views", "auth", "web", "demo", "bench", "app"}
    assert offenders("policies", forbidden) == set()
    assert imports_of("policies") <= {name for name in modules() if package(name) == "policies"}


def test_schema_runs_no_sql() -> None:
    assert offenders("schema", {"db"}) == set()


def test_views_use_only_the_output_types_of_schema() -> None:
    """Views build schema.types objects; they never call a resolver or another schema module."""
    assert offenders("views", {"resolvers"}) == set()
    schema_imports = {t for t in imports_of("views") if package(t) == "schema"}
    assert schema_imports <= {"schema.types"}


def test_fastpaths_depend_on_no_app_module_but_config() -> None:
    """db/ imports fastpaths, so fastpaths must stay below it."""
    assert modules()["fastpaths"] <= {"config"}


def test_packages_form_no_cycle_outside_the_graphql_types() -> None:
    graph: dict[str, set[str]] = {}
    for name, targets in modules().items():
        for target in targets - GRAPHQL_TYPES:
            if package(target) != package(name):
                graph.setdefault(package(name), set()).add(package(target))
    assert _cycle(graph) is None


def test_modules_form_no_cycle() -> None:
    graph = {name: set(targets) for name, targets in modules().items()}
    assert _cycle(graph) is None


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path (first node repeated at the end), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None
