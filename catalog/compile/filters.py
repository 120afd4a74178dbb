"""Query filters — structured `Filter`s and free-text `where` — as syntax trees over dimensions only.

A filter is built once as a *template*: every dimension it reads is a placeholder column (table
`__dimension__`, name = the dimension's key, or `metric_time`). Each aggregation subquery then `bind`s the
template to its own expressions for those dimensions, because the same dimension is reached through
different joins from different sources. Values only ever enter as literals.

    >>> tpl = structured_filter(Filter(dimension="city", op="in", values=["北京"]), "common.city")
    >>> bind(tpl, {"common.city": exp.column("city", "t1")}).sql()
    "t1.city IN ('北京')"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from catalog.compile.result import fail
from catalog.query import Filter, Value, local_time
from catalog.sqlexpr import DEFINITION_DIALECT, clone, finite_number

PLACEHOLDER = "__dimension__"

# Node types a `where` text may contain: boolean logic, comparisons and literals over dimension columns.
_WHERE_NODES: tuple[type[exp.Expr], ...] = (
    exp.And,
    exp.Or,
    exp.Not,
    exp.Paren,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.In,
    exp.Between,
    exp.Like,
    exp.Is,
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Neg,
    exp.Tuple,
)


# Expressions that need no parentheses to be one operand of a comparison.
_OPERANDS = (exp.Column, exp.Func, exp.Case, exp.Literal, exp.Paren, exp.Cast)


@dataclass(frozen=True, slots=True)
class FilterTemplate:
    tree: exp.Expr
    dimensions: frozenset[str]
    """Keys of the dimensions read (`metric_time` for the time bucket)."""


def placeholder(key: str) -> exp.Column:
    return exp.Column(
        this=exp.Identifier(this=key, quoted=True), table=exp.Identifier(this=PLACEHOLDER, quoted=True)
    )


def literal(value: Value, zone: tzinfo = UTC) -> exp.Expr:
    """A request value as a literal node; the dialect's generator quotes and escapes it.

    A date-time with an offset becomes the wall-clock time in `zone`, the warehouse's time zone.
    """
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.convert(local_time(value, zone))


_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


def structured_filter(f: Filter, key: str, zone: tzinfo = UTC) -> FilterTemplate:
    """The template of one `Filter` on the dimension resolved to `key` (`zone`: the warehouse's)."""
    if f.op not in ("in", "not_in", "is_null") and any(v is None for v in f.values):
        raise fail(
            "E005",
            f"filter on {f.dimension!r}: op {f.op!r} with a null value never matches",
            "use op 'is_null' (or NOT of it) to test for NULL",
        )
    column = placeholder(key)
    values = [literal(v, zone) for v in f.values]
    tree: exp.Expr
    if f.op in _COMPARISONS:
        tree = _COMPARISONS[f.op](this=column, expression=values[0])
    elif f.op in ("in", "not_in"):
        tree = exp.In(this=column, expressions=values)
        if f.op == "not_in":
            tree = exp.Not(this=tree)
    elif f.op == "between":
        tree = exp.Between(this=column, low=values[0], high=values[1])
    elif f.op == "like":
        tree = exp.Like(this=column, expression=values[0])
    else:
        tree = exp.Is(this=column, expression=exp.Null())
    return FilterTemplate(tree, frozenset({key}))


def where_filter(text: str, resolve: Callable[[str], str]) -> FilterTemplate:
    """Parse free text such as `city in ('北京', '上海') and channel is not null` into a template.

    `resolve` maps a written dimension name (`city`, `common.city`, `metric_time`) to its key and raises
    CompileError for anything else. Only one expression of allow-listed nodes is accepted.
    """
    try:
        trees = [t for t in sqlglot.parse(text, read=DEFINITION_DIALECT) if t is not None]
    except (ParseError, TokenError) as err:
        raise fail(
            "E005",
            f"where does not parse: {str(err).splitlines()[0][:200]}",
            "write a condition such as city IN ('北京', '上海') AND channel IS NOT NULL",
        ) from None
    except (RecursionError, ValueError, TypeError):  # hostile nesting or tokens sqlglot chokes on
        raise fail("E005", "where does not parse", "write a plain condition over dimensions") from None
    if len(trees) != 1:
        raise fail(
            "E005",
            f"where must be one condition, got {len(trees)} statements",
            "remove the ';' and anything after it",
        )
    tree = trees[0]
    for node in tree.walk():
        if not isinstance(node, _WHERE_NODES):
            raise fail(
                "E005",
                f"where may not contain {node.key.upper()}",
                "use dimensions, literals, comparisons, IN, BETWEEN, LIKE, IS NULL, AND/OR/NOT",
            )
    if not isinstance(tree, exp.Condition) or isinstance(tree, exp.Column | exp.Literal):
        raise fail("E005", "where must be a condition", "compare a dimension, e.g. channel = 'kol'")
    for number in tree.find_all(exp.Literal):
        if not number.is_string and not finite_number(number.this):
            raise fail(
                "E005",
                f"where: the number {number.this[:40]} is not finite in floating point",
                "write a number between -1.7e308 and 1.7e308",
            )
    keys: set[str] = set()
    for column in list(tree.find_all(exp.Column)):
        if len(column.parts) > 2:
            raise fail("E005", f"where: {column.sql()!r} is not a dimension", "name a dimension")
        written = f"{column.table}.{column.name}" if column.table else column.name
        key = resolve(written)
        keys.add(key)
        column.replace(placeholder(key))
    return FilterTemplate(tree, frozenset(keys))


def bind(template: FilterTemplate, expressions: Mapping[str, exp.Expr]) -> exp.Expr:
    """A copy of `template` with each dimension placeholder replaced by its expression (copied)."""
    tree = clone(template.tree)
    for column in list(tree.find_all(exp.Column)):
        if column.table == PLACEHOLDER:
            replacement = clone(expressions[column.name])
            if not isinstance(replacement, _OPERANDS):
                replacement = exp.paren(replacement, copy=False)  # `a || b` must stay one operand
            if column is tree:
                return replacement
            column.replace(replacement)
    return tree
