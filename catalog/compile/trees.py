"""Definition SQL as syntax trees ready to copy into a query (parsed once, qualified once, cached), and the
small node builders every part of the compiler shares.

The parser leaves token positions (`meta`) on nodes; copying them is most of the cost of `Expression.copy()`,
so the cached trees carry none. Callers get a fresh copy each time and may change it.

Every `/` written in a definition is a float division with x/0 as NULL (`numeric.float_divisions`): engines
otherwise divide integers as integers, or to 4 decimals, or fail on a zero.
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot import exp

from catalog.compile.numeric import float_divisions
from catalog.sqlexpr import clone, parse_expression


@lru_cache(maxsize=16_384)
def _qualified(text: str, alias: str | None) -> exp.Expr:
    parsed, _ = parse_expression(text, "`expr`")
    assert parsed is not None, "resolve only admits definitions whose SQL parses"
    tree = float_divisions(clone(parsed.tree))
    if alias is None:
        return tree
    for column in tree.find_all(exp.Column):
        column.set("table", exp.Identifier(this=alias, quoted=True))
        column.set("db", None)
        column.this.set("quoted", True)
    return tree


def qualified(text: str, alias: str) -> exp.Expr:
    """A definition's SQL with every column read from table `alias`, e.g. `status` → `"t0"."status"`."""
    return clone(_qualified(text, alias))


def unqualified(text: str) -> exp.Expr:
    """A definition's SQL as written (for derived metrics, whose columns are metric names)."""
    return clone(_qualified(text, None))


def named(value: exp.Expr, name: str) -> exp.Alias:
    """`value AS "name"`, built directly (`exp.alias_` would first check `name` as text to parse)."""
    return exp.Alias(this=value, alias=exp.Identifier(this=name, quoted=True))
