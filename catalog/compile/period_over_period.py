"""Period-over-period metrics: a metric against the previous period, or the same period a year earlier.

The atomic metric is aggregated twice at the query's grain and dimensions: over the time range, and over the
time range shifted back by the comparison (one grain, or one year — 52 weeks at the week grain, so weeks stay
Monday-aligned). Each period is LEFT JOINed to the period that far back in the same dimension group:

    SELECT c.metric_time, c.<dims>, c._v AS _b0, p._v AS _b1
    FROM (<aggregate over [start, end)>) AS c
    LEFT JOIN (<aggregate over [start − shift, end − shift)>) AS p
      ON <dims match, NULL = NULL> AND p.metric_time = c.metric_time − shift

`difference` is current − previous, `ratio` current / previous, `growth` (current − previous) / previous
(floats, NULL on a zero previous), `previous` the previous value. A period with no previous value — no rows
in the earlier period, or before the data starts — gives NULL, not 0. Rows are the periods with data.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile import atomic, blocks, plan
from catalog.compile.blocks import alias, column, same_key, subquery
from catalog.compile.datemath import shift, shift_moment
from catalog.compile.numeric import safe_divide
from catalog.compile.rowsets import leaf_of
from catalog.model import Metric, PeriodOverPeriod, Window
from catalog.query import METRIC_TIME, TimeRange

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Leaf, Planner


def compile_period_over_period(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, PeriodOverPeriod)
    base = leaf_of(planner.catalog, blocks.use(planner, spec.metric), spec.metric, label)
    leaf = plan.Leaf("_v", base.label, base.spec, base.source, base.time, label)

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names, leaf, spec.compare_to, label)

    value_type = atomic.pad_type(leaf).sql()
    current, previous = blocks.register(planner, label, [value_type, value_type], build)
    match spec.calculation:
        case "difference":
            return exp.Sub(this=current, expression=previous)
        case "ratio":
            return safe_divide(current, previous)
        case "growth":
            change = exp.paren(exp.Sub(this=current, expression=previous.copy()), copy=False)
            return safe_divide(change, previous)
    return previous


def lookback(compare_to: str, grain: str) -> Window:
    """How far back the compared period starts: one grain, or a year (52 weeks at the week grain)."""
    if compare_to == "previous_period":
        return Window(1, grain)  # type: ignore[arg-type]
    return Window(52, "week") if grain == "week" else Window(1, "year")


def _block(shape: Slice, names: tuple[str, ...], leaf: Leaf, compare_to: str, label: str) -> exp.Select:
    blocks.require_grain(shape, "period_over_period", label)
    assert shape.grain is not None
    back = lookback(compare_to, shape.grain)
    earlier = shape
    if shape.time_range is not None:
        earlier = replace(
            shape,
            time_range=TimeRange(
                start=shift_moment(shape.time_range.start, back, -1),
                end=shift_moment(shape.time_range.end, back, -1),
            ),
        )
    current = atomic.aggregate([leaf], [leaf], shape)
    previous = atomic.aggregate([leaf], [leaf], earlier)
    dimensions = [n for n, _ in shape.dimensions]
    on: list[exp.Expr] = [same_key(column(n, "c"), column(n, "p")) for n in dimensions]
    on.append(
        exp.EQ(
            this=column(METRIC_TIME, "p"),
            expression=shift(column(METRIC_TIME, "c"), "date", back, shape.quirks.name, -1),
        )
    )
    keys = [column(METRIC_TIME, "c"), *(column(n, "c") for n in dimensions)]
    query = exp.Select(
        expressions=[
            *(alias(k.copy(), k.name) for k in keys),
            alias(column(leaf.column, "c"), names[0]),
            alias(column(leaf.column, "p"), names[1]),
        ],
        from_=exp.From(this=subquery(current, "c")),
    )
    query.set("joins", [exp.Join(this=subquery(previous, "p"), side="LEFT", on=exp.and_(*on, copy=False))])
    return query
