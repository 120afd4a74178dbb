"""Cumulative metrics: a running total from the start of the time range, or a total over a trailing window.

The value at period P aggregates the atomic metric's rows with time in `[range start, end of P)` (running
total), or in `[end of P − window, end of P)` (trailing window, which looks back before the range start so the
first periods are complete). The aggregate is recomputed over those rows — a cumulative `count_distinct`
counts each entity once, never the sum of per-period distinct counts. Periods are those in which the atomic
metric has rows (per dimension group), like every other metric.

    SELECT s.metric_time, s.<dims>, SUM(f._value) AS _b0
    FROM (SELECT DISTINCT <bucket> AS metric_time, <dims> FROM <rows in range>) AS s
    JOIN (SELECT <time> AS _time, <dims>, <expr> AS _value FROM <rows>) AS f
      ON <dims match, NULL = NULL> AND f._time < s.metric_time + 1 grain [AND f._time >= … − window]
    GROUP BY s.metric_time, s.<dims>

No window functions: a period's rows are joined, so the running sum restarts nowhere and works on every
engine the compiler supports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile import atomic, blocks
from catalog.compile.blocks import alias, column, same_key, subquery
from catalog.compile.datemath import shift
from catalog.compile.numeric import average
from catalog.compile.rowsets import leaf_of, row_set
from catalog.compile.trees import qualified
from catalog.model import Cumulative, Metric, Window
from catalog.query import METRIC_TIME

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Leaf, Planner

_AGGREGATES: dict[str, Callable[[exp.Expr], exp.Expr]] = {
    "sum": lambda value: exp.Sum(this=value),
    "avg": average,
    "min": lambda value: exp.Min(this=value),
    "max": lambda value: exp.Max(this=value),
    "count": lambda value: exp.Count(this=value),
    "count_distinct": lambda value: exp.Count(this=value),
}


def compile_cumulative(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Cumulative)
    leaf = leaf_of(planner.catalog, blocks.use(planner, spec.metric), spec.metric, label)

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names[0], leaf, spec.window, label)

    [value] = blocks.register(planner, label, [atomic.pad_type(leaf).sql()], build)
    return value


def _block(shape: Slice, name: str, leaf: Leaf, window: Window | None, label: str) -> exp.Select:
    blocks.require_grain(shape, "cumulative", label)
    assert shape.grain is not None
    periods = row_set(shape, leaf, sliced=True, time_range="full")
    spine = periods.select(
        alias(periods.bucket(shape), METRIC_TIME), *(alias(e, n) for n, e in periods.dimensions)
    )
    spine.set("distinct", exp.Distinct())

    rows = row_set(shape, leaf, sliced=True, time_range="full" if window is None else "end")
    spec = leaf.spec
    value = qualified(spec.expr, atomic.BASE) if spec.expr else exp.Literal.number(1)
    facts = rows.select(
        alias(rows.time, "_time"), *(alias(e, n) for n, e in rows.dimensions), alias(value, "_value")
    )

    dialect = shape.quirks.name
    end = shift(column(METRIC_TIME, "s"), "date", Window(1, shape.grain), dialect)
    on: list[exp.Expr] = [same_key(column(n, "s"), column(n, "f")) for n, _ in shape.dimensions]
    on.append(exp.LT(this=column("_time", "f"), expression=end))
    if window is not None:
        start = shift(end.copy(), "date", window, dialect, -1)
        on.append(exp.GTE(this=column("_time", "f"), expression=start))

    fact_value: exp.Expr = column("_value", "f")
    if spec.agg == "count_distinct":
        fact_value = exp.Distinct(expressions=[fact_value])
    keys = [column(METRIC_TIME, "s"), *(column(n, "s") for n, _ in shape.dimensions)]
    query = exp.Select(
        expressions=[
            *(alias(k.copy(), k.name) for k in keys),
            alias(_AGGREGATES[spec.agg](fact_value), name),
        ],
        from_=exp.From(this=subquery(spine, "s")),
    )
    query.set("joins", [exp.Join(this=subquery(facts, "f"), on=exp.and_(*on, copy=False))])
    return blocks.group_by(query, keys)
