"""Blocks — metrics computed in a subquery of their own, next to the per-source aggregation subqueries.

Atomic, ratio and derived metrics are arithmetic over *leaves*, one aggregate per source row set. The AARRR
types (cumulative, conversion, funnel, retention, period_over_period) need more than one pass over their
rows — a running window, a self-join on the entity, a shifted period — so each builds a *block*: a subquery
whose columns are the query keys (`metric_time`, the dimensions asked) and then the block's own columns.
`combine` stacks blocks and aggregation subqueries alike with UNION ALL, each padding the others' columns
with typed NULLs, so a block combines with any other metric of the query. A type adds its block with
`Planner.block`; the helpers here build the SQL every block shares.

    >>> column = BlockColumn("_b0", "growth.cumulative_gmv", exp.DataType.build("DOUBLE"))
    >>> column.column
    '_b0'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlglot import exp

from catalog.compile.dialects import DialectProfile
from catalog.compile.primitives import Leaf, Slice
from catalog.compile.result import fail
from catalog.query import METRIC_TIME
from catalog.sqlexpr import all_of, any_of, clone


@dataclass(frozen=True, slots=True)
class BlockColumn:
    """One column of a block; other subqueries of the query pad it with `CAST(NULL AS type)`."""

    column: str
    label: str
    type: exp.DataType

    def pad_type(self) -> exp.DataType:
        return clone(self.type)


BlockBuilder = Callable[[Slice, tuple[str, ...]], exp.Select]
"""(shape of the query, the block's column names) → `SELECT <keys>, <own columns under those names> …`."""


@dataclass(frozen=True, slots=True)
class Block:
    label: str
    """The metric the block computes (`key` or `key@N`)."""
    columns: tuple[BlockColumn, ...]
    build: BlockBuilder

    def subquery(self, shape: Slice, padded: Sequence[Leaf | BlockColumn]) -> exp.Select:
        """The block's SELECT with one column per entry of `padded`, in order: its own, or `padding`'s NULL."""
        query = self.build(shape, tuple(c.column for c in self.columns))
        n_keys = len(key_names(shape))
        keys, own = query.expressions[:n_keys], {e.alias: e for e in query.expressions[n_keys:]}
        columns: list[exp.Expr] = list(keys)
        for item in padded:
            if item.column in own:
                columns.append(own[item.column])
            else:
                columns.append(alias(padding(item, shape.dialect), item.column))
        query.set("expressions", columns)
        return query


def padding(item: Leaf | BlockColumn, dialect: DialectProfile) -> exp.Expr:
    """The NULL that stands in for a leaf's or block column's value in the other subqueries of the UNION ALL:
    cast to the column's type, unless the engine unifies untyped NULLs better (`typed_padding`)."""
    if not dialect.typed_padding:
        return exp.Null()
    return exp.Cast(this=exp.Null(), to=item.pad_type())


def key_names(shape: Slice) -> list[str]:
    """Output names of the query keys, in order: `metric_time` (with a grain), then the dimensions."""
    return ([METRIC_TIME] if shape.grain is not None else []) + [name for name, _ in shape.dimensions]


def column(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table, quoted=True)


def alias(value: exp.Expr, name: str) -> exp.Expr:
    return exp.alias_(value, name, quoted=True, copy=False)


def subquery(query: exp.Expr, name: str) -> exp.Subquery:
    return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.Identifier(this=name, quoted=True)))


def same_key(left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """`left = right`, with NULL matching NULL: a NULL dimension value is a group of its own.

    Spelled with OR rather than `IS NOT DISTINCT FROM`, which MySQL and Hive lack.
    """
    both_null = all_of(
        exp.Is(this=clone(left), expression=exp.Null()),
        exp.Is(this=clone(right), expression=exp.Null()),
    )
    return exp.paren(any_of(exp.EQ(this=left, expression=right), both_null), copy=False)


def group_by(query: exp.Select, keys: Sequence[exp.Expr]) -> exp.Select:
    if keys:
        query.set("group", exp.Group(expressions=[clone(k) for k in keys]))
    return query


def require_grain(shape: Slice, metric_type: str, label: str) -> None:
    if shape.grain is None:
        raise fail(
            "E007",
            f"metric {label} is {metric_type}, which needs a time grain",
            "ask for metric_time with a grain, e.g. grain: month",
        )
