"""Checks on every piece that SQL assembled in Python interpolates.

Values travel as bound parameters. What cannot (identifiers, the audience
and status names written as literals so that the planner reads their
statistics, integers in generated SQL) goes through one of these checks
first. They raise ``ValueError``, never ``assert``: ``python -O`` removes
asserts, and with them the check.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def choice(value: str, allowed: Collection[str]) -> str:
    """``value`` as is (a table alias, a keyword), if it is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{value!r} is not one of {sorted(allowed)}")
    return value


def literal(value: str, allowed: Collection[str]) -> str:
    """``value`` as a SQL string literal, if it is one of ``allowed``."""
    return "'" + choice(value, allowed) + "'"


def identifier(name: str) -> str:
    """``name`` double-quoted, if it is a plain lower-case SQL name (a table, a database)."""
    return f'"{_plain_name(name)}"'


def name_literal(name: str) -> str:
    """A plain SQL name as a string literal, to compare with a catalog's names."""
    return f"'{_plain_name(name)}'"


def _plain_name(name: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"{name!r} is not a plain SQL name")
    return name


def integer(value: int) -> int:
    """``value``, if it is an int (a bool or a numeric string is refused)."""
    if type(value) is not int:
        raise ValueError(f"{value!r} is not an int")
    return value
