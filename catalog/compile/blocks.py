"""Blocks — metrics computed in a subquery of their own, next to the per-source aggregation subqueries.

Atomic, ratio and derived metrics are arithmetic over *leaves*, one aggregate per source row set. The AARRR
types (cumulative, conversion, funnel, retention, period_over_period) need more than one pass over their
rows — a running window, a self-join on the entity, a shifted period — so each builds a *block*: a subquery
whose columns are the query keys (`metric_time`, the dimensions asked) and then the block's own columns.
`combine` stacks blocks and aggregation subqueries alike with UNION ALL, each padding the others' columns
with typed NULLs, so a block combines with any other metric of the query.

    >>> column = BlockColumn("_b0", "growth.cumulative_gmv", exp.DataType.build("DOUBLE"))
    >>> column.column
    '_b0'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile.result import fail
from catalog.compile.trees import clone
from catalog.model import Metric
from catalog.query import METRIC_TIME

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.dialects import DialectQuirks
    from catalog.compile.plan import Leaf, Planner


@dataclass(frozen=True, slots=True)
class BlockColumn:
    """One column of a block; other subqueries of the query pad it with `CAST(NULL AS type)`."""

    column: str
    label: str
    type: exp.DataType


BlockBuilder = Callable[["Slice", tuple[str, ...]], exp.Select]
"""(shape of the query, the block's column names) → `SELECT <keys>, <own columns under those names> …`."""


@dataclass(frozen=True, slots=True)
class Block:
    label: str
    """The metric the block computes (`key` or `key@N`)."""
    columns: tuple[BlockColumn, ...]
    build: BlockBuilder

    def subquery(
        self,
        shape: Slice,
        padded: Sequence[Leaf | BlockColumn],
        pad: Callable[[Leaf | BlockColumn, DialectQuirks], exp.Expr],
    ) -> exp.Select:
        """The block's SELECT with one column per entry of `padded`, in order: its own, or `pad`'s NULL."""
        query = self.build(shape, tuple(c.column for c in self.columns))
        n_keys = len(key_names(shape))
        keys, own = query.expressions[:n_keys], {e.alias: e for e in query.expressions[n_keys:]}
        columns: list[exp.Expr] = list(keys)
        for item in padded:
            if item.column in own:
                columns.append(own[item.column])
            else:
                columns.append(alias(pad(item, shape.quirks), item.column))
        query.set("expressions", columns)
        return query


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
    both_null = exp.and_(
        exp.Is(this=clone(left), expression=exp.Null()),
        exp.Is(this=clone(right), expression=exp.Null()),
        copy=False,
    )
    return exp.paren(exp.or_(exp.EQ(this=left, expression=right), both_null, copy=False), copy=False)


def group_by(query: exp.Select, keys: Sequence[exp.Expr]) -> exp.Select:
    if keys:
        query.set("group", exp.Group(expressions=[clone(k) for k in keys]))
    return query


def register(planner: Planner, label: str, types: Sequence[str], build: BlockBuilder) -> list[exp.Column]:
    """Add the block computing metric `label` (once per query) and return references to its columns."""
    block = planner.blocks.get(label)
    if block is None:
        start = sum(len(b.columns) for b in planner.blocks.values())
        columns = tuple(
            BlockColumn(f"_b{start + i}", f"{label}#{i}", _data_type(t)) for i, t in enumerate(types)
        )
        block = planner.blocks[label] = Block(label, columns, build)
    return [column(c.column) for c in block.columns]


@lru_cache(maxsize=64)
def _data_type(name: str) -> exp.DataType:
    # `DataType.build` parses its text on every call. Shared safely: `pad_type` copies it into the tree.
    return exp.DataType.build(name)


def use(planner: Planner, key: str) -> Metric:
    """The component metric `key`, recorded as used (and warned about when deprecated) without a leaf."""
    metric = planner.catalog.metrics[key]
    planner.used[key] = None
    if metric.deprecated:
        planner.warnings[f"metric {key} is deprecated"] = None
    return metric


def require_grain(shape: Slice, metric_type: str, label: str) -> None:
    if shape.grain is None:
        raise fail(
            "E007",
            f"metric {label} is {metric_type}, which needs a time grain",
            "ask for metric_time with a grain, e.g. grain: month",
        )
