"""Names and labels for imported definitions: snake_case names, unique labels, SQL checked as lint checks it.

>>> snake("Order Items"), snake("2024_sales")
('order_items', 'n_2024_sales')
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from catalog.sqlexpr import DEFINITION_DIALECT, parse_expression

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def snake(name: str) -> str:
    """`name` as a Caliber name: lower-case letters, digits and `_`, starting with a letter."""
    if _SNAKE.match(name):
        return name
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "unnamed"
    return cleaned if cleaned[0].isalpha() else f"n_{cleaned}"


def check_sql(text: str, role: str) -> str | None:
    """Why a definition may not contain `text` (the lint rules: one safe scalar expression over bare
    columns), or None when it may."""
    parsed, problems = parse_expression(text, role)
    if problems:
        return f"{problems[0].code} {problems[0].message}"
    if parsed is not None and parsed.qualified:
        table, column = min(parsed.qualified)
        return f"qualifies column {table}.{column}"
    return None


def columns_of(text: str) -> list[str]:
    """Columns `text` reads, lower-cased, in order of first use."""
    parsed, _ = parse_expression(text, "expr")
    if parsed is None:
        return []
    return list(dict.fromkeys(c.name.lower() for c in parsed.tree.find_all(exp.Column)))


def plain_column(text: str) -> str | None:
    """The column `text` names when it is just a column, else None."""
    try:
        tree = sqlglot.parse_one(text, read=DEFINITION_DIALECT)
    except SqlglotError:
        return None
    if isinstance(tree, exp.Column) and not tree.table:
        return tree.name.lower()
    return None


def render(tree: exp.Expr) -> str:
    return tree.sql(dialect=DEFINITION_DIALECT, comments=False)


def parse(text: str) -> exp.Expr | None:
    try:
        found = sqlglot.parse(text, read=DEFINITION_DIALECT)
    except SqlglotError:
        return None
    return found[0] if len(found) == 1 and found[0] is not None else None


def rename_columns(text: str, replacements: Mapping[str, exp.Expr]) -> str | None:
    """`text` with each bare column named in `replacements` replaced by its expression (parenthesised)."""
    tree = parse(text)
    if tree is None:
        return None

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in replacements:
            new = replacements[node.name].copy()
            return new if isinstance(new, exp.Column | exp.Literal | exp.Func) else exp.paren(new, copy=False)
        return node

    return render(tree.transform(swap))
