"""Invariants of golden tests: a condition over a query's result columns, such as `gmv >= net_gmv`.

The text is parsed like any SQL in a definition (`catalog.sqlexpr`) and allow-listed further to comparisons,
arithmetic, AND/OR/NOT, IS NULL, BETWEEN, COALESCE and ABS, then evaluated on each result row with SQL's
three-valued logic. As in a SQL CHECK constraint, a row breaks the invariant only where it is false: NULL (a
value is missing, e.g. no refunds that month) is not judged. A test where no row can be judged fails, since it
proves nothing.

    >>> invariant = parse_invariant("finance.gmv >= net_gmv")
    >>> invariant.refs, verdict(invariant, {"gmv": 10.0, "net_gmv": 8.5}), verdict(invariant, {"gmv": 1, "net_gmv": None})
    (('finance.gmv', 'net_gmv'), True, None)
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlglot import exp

from catalog.sqlexpr import SqlProblem, parse_expression

_ALLOWED: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.Between,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Coalesce,
    exp.Abs,
)
_COMPARE: dict[type[exp.Expr], Callable[[Any, Any], bool]] = {
    exp.EQ: operator.eq,
    exp.NEQ: operator.ne,
    exp.GT: operator.gt,
    exp.GTE: operator.ge,
    exp.LT: operator.lt,
    exp.LTE: operator.le,
}
_ARITHMETIC: dict[type[exp.Expr], Callable[[Any, Any], Any]] = {
    exp.Add: operator.add,
    exp.Sub: operator.sub,
    exp.Mul: operator.mul,
}


@dataclass(frozen=True, slots=True)
class Invariant:
    text: str
    tree: exp.Expr
    refs: tuple[str, ...]
    """Names as written, in order: `finance.gmv`, `net_gmv` (metrics, or dimensions of the query)."""


def invariant_problems(text: str) -> tuple[SqlProblem, ...]:
    """Why `text` is not an invariant (Q001–Q005), or nothing."""
    parsed, problems = parse_expression(text, "`invariant`")
    if parsed is None:
        return problems
    for node in parsed.tree.walk():
        if not isinstance(node, _ALLOWED):
            return (
                SqlProblem(
                    "Q003",
                    f"`invariant` uses {node.key.upper()}, which an invariant cannot",
                    "compare metrics with = <> < <= > >=, combine with AND/OR/NOT; "
                    "arithmetic, IS NULL, BETWEEN, COALESCE and ABS are allowed",
                ),
            )
    return ()


def parse_invariant(text: str) -> Invariant:
    """The invariant of `text`; call `invariant_problems` first (lint does): raises ValueError otherwise."""
    problems = invariant_problems(text)
    parsed, _ = parse_expression(text, "`invariant`")
    if problems or parsed is None:
        raise ValueError(problems[0].message if problems else text)
    refs = [f"{c.table}.{c.name}" if c.table else c.name for c in parsed.tree.find_all(exp.Column)]
    return Invariant(text, parsed.tree, tuple(dict.fromkeys(refs)))


def verdict(invariant: Invariant, row: Mapping[str, Any]) -> bool | None:
    """True, false or NULL (None) on `row`: result column → value; a column `finance.gmv` reads `gmv`."""
    value = _value(invariant.tree, row)
    return None if value is None else bool(value)


def _value(node: exp.Expr, row: Mapping[str, Any]) -> Any:
    if isinstance(node, exp.Column):
        value = row[node.name.lower()]
        return float(value) if isinstance(value, Decimal) else value
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Paren):
        return _value(node.this, row)
    if isinstance(node, exp.Not):
        inner = _value(node.this, row)
        return None if inner is None else not inner
    if isinstance(node, exp.And | exp.Or):
        left, right = _value(node.left, row), _value(node.right, row)
        decisive = isinstance(node, exp.Or)  # True decides an OR, False an AND
        if decisive in (left, right):
            return decisive
        return None if None in (left, right) else not decisive
    if isinstance(node, exp.Is):  # IS [NOT] NULL, IS [NOT] TRUE / FALSE: never NULL itself
        value, target = _value(node.this, row), node.expression
        if isinstance(target, exp.Null):
            found = value is None
        else:
            found = value is not None and bool(value) == _value(target, row)
        return found != bool(node.args.get("negate"))
    if isinstance(node, exp.Coalesce):
        values = (_value(e, row) for e in (node.this, *node.expressions))
        return next((v for v in values if v is not None), None)
    if isinstance(node, exp.Between):
        value, low, high = (_value(node.args[k], row) for k in ("this", "low", "high"))
        return None if None in (value, low, high) else low <= value <= high
    if isinstance(node, exp.Neg | exp.Abs):
        inner = _value(node.this, row)
        return None if inner is None else (-inner if isinstance(node, exp.Neg) else abs(inner))
    assert isinstance(node, exp.Binary)
    left, right = _value(node.left, row), _value(node.right, row)
    if left is None or right is None:
        return None
    if isinstance(node, exp.Div):
        return None if right == 0 else left / right
    compare = _COMPARE.get(type(node))
    return compare(left, right) if compare else _ARITHMETIC[type(node)](left, right)
