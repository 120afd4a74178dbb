"""Stage 2 — one aggregation subquery per (source, time column), holding every atomic leaf read from it.

    SELECT <truncated time> AS metric_time, <dimension exprs> AS <names>,
           SUM(CASE WHEN <filter 1> THEN amount END) AS _l0, COUNT(CASE WHEN <filter 2> THEN 1 END) AS _l1,
           CAST(NULL AS BIGINT) AS _l2                          -- a leaf of another subquery (padding)
    FROM <source table> AS t0 LEFT JOIN <dimension source> AS t1 ON t0.user_id = t1.user_id
    WHERE (<filter 1> OR <filter 2>) AND <query filters> AND <time range>
    GROUP BY <truncated time>, <dimension exprs>

Dimension sources are LEFT JOINed along many-to-one paths (`catalog.joins`), so a fact without a dimension
row lands in the NULL group instead of being dropped, and no join repeats a fact row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlglot import exp

from catalog.compile.blocks import BlockColumn, padding
from catalog.compile.filters import bind
from catalog.compile.numeric import average
from catalog.compile.primitives import BASE, Leaf, Slice, plan_joins, table, time_bound
from catalog.compile.result import fail
from catalog.compile.trees import named, qualified
from catalog.query import METRIC_TIME
from catalog.sqlexpr import all_of, any_of, clone

_AGGREGATES: dict[str, Callable[[exp.Expr], exp.Expr]] = {
    "sum": lambda value: exp.Sum(this=value),
    "avg": average,
    "min": lambda value: exp.Min(this=value),
    "max": lambda value: exp.Max(this=value),
}


def group_leaves(leaves: Sequence[Leaf]) -> list[list[Leaf]]:
    """Leaves sharing a source and a time column, in first-seen order."""
    groups: dict[tuple[str, str | None], list[Leaf]] = {}
    for leaf in leaves:
        groups.setdefault((leaf.source.key, leaf.time), []).append(leaf)
    return list(groups.values())


def aggregate(group: Sequence[Leaf], leaves: Sequence[Leaf | BlockColumn], shape: Slice) -> exp.Select:
    """The aggregation subquery of `group`, with a column for every leaf in `leaves` (others as NULL)."""
    first = group[0]
    needs_time = (
        shape.grain is not None
        or shape.time_range is not None
        or any(METRIC_TIME in f.dimensions for f in shape.filters)
    )
    time_expr: exp.Expr | None = None
    column_type = "timestamp"
    if needs_time:
        if first.time is None:
            raise fail(
                "E007",
                f"metric {first.origin} has no time column, so it has no metric_time",
                f"give source {first.source.key} a `time:` or the metric its own `time:`",
            )
        time_expr, column_type = first.time_column()

    joins = plan_joins(
        shape,
        first,
        [*(d for _, d in shape.dimensions), *(shape.filter_dimensions.values() if shape.filters else ())],
    )
    # Each key is built twice (SELECT and GROUP BY): building is cheaper than copying a tree.
    keys: list[exp.Expr] = []
    select: list[exp.Expr] = []
    if shape.grain is not None and time_expr is not None:
        for target in (keys, select):
            target.append(shape.dialect.truncate(clone(time_expr), column_type, shape.grain))
        select[-1] = named(select[-1], METRIC_TIME)
    for name, dimension in shape.dimensions:
        alias = joins.alias(dimension)
        keys.append(qualified(dimension.expr, alias))
        select.append(named(qualified(dimension.expr, alias), name))

    conditions = _definition_filter(group)
    if shape.filters:
        bound = {key: qualified(d.expr, joins.alias(d)) for key, d in shape.filter_dimensions.items()}
        if time_expr is not None:
            bound[METRIC_TIME] = shape.dialect.truncate(clone(time_expr), column_type, shape.grain or "day")
        conditions.extend(bind(f, bound) for f in shape.filters)
    if shape.time_range is not None and time_expr is not None:
        start, end = shape.time_range.start, shape.time_range.end
        conditions.append(exp.GTE(this=clone(time_expr), expression=time_bound(start, column_type)))
        conditions.append(exp.LT(this=clone(time_expr), expression=time_bound(end, column_type)))

    shared_filter = len({leaf.spec.filter for leaf in group}) == 1
    mine = {leaf.label for leaf in group}
    for leaf in leaves:
        if not isinstance(leaf, BlockColumn) and leaf.label in mine:
            column = _aggregate(leaf, None if shared_filter else leaf.spec.filter)
        else:
            column = padding(leaf, shape.dialect)
        select.append(named(column, leaf.column))

    query = exp.Select(expressions=select, from_=exp.From(this=table(first.source.table, BASE)))
    if joins.joins:
        query.set("joins", joins.nodes())
    if conditions:
        query.set("where", exp.Where(this=all_of(*conditions)))
    if keys:
        query.set("group", exp.Group(expressions=keys))
    return query


def _definition_filter(group: Sequence[Leaf]) -> list[exp.Expr]:
    """Rows any leaf of the group reads: the OR of their filters, or every row if one has no filter."""
    texts = list(dict.fromkeys(leaf.spec.filter for leaf in group))
    if any(t is None for t in texts):
        return []
    parts = [qualified(t, BASE) for t in texts if t is not None]
    return [exp.paren(any_of(*parts), copy=False) if len(parts) > 1 else parts[0]]


def _aggregate(leaf: Leaf, row_filter: str | None) -> exp.Expr:
    spec = leaf.spec
    value: exp.Expr | None = qualified(spec.expr, BASE) if spec.expr else None
    if row_filter is not None:
        then = value if value is not None else exp.Literal.number(1)
        value = exp.Case(ifs=[exp.If(this=qualified(row_filter, BASE), true=then)])
    if spec.agg == "count":
        return exp.Count(this=value if value is not None else exp.Star())
    if spec.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    assert value is not None, "sum, avg, min and max have an `expr` (the resolver checks it)"
    return _AGGREGATES[spec.agg](value)
