"""Funnel metrics: ordered steps done by the same entity, each step's count and the step-to-step rates.

An entity enters at its first step-1 event in the time range (its cohort, bucketed at the query's grain, per
dimension group). It reaches step k at its first step-k event at or after the time it reached step k−1, and
— with a `window` — before `entry + window`. Steps are strictly ordered: an entity that skips a step (a lead
that signs without a trial) is not counted at any later step. Later steps are read without the query's
filters and time range, like conversions.

A funnel is several numbers, so it is several columns, in this order: `<name>__step_1` … `<name>__step_n`
(entities reaching each step, 0 when none) then `<name>__rate_2` … `<name>__rate_n` (step k / step k−1 as a
float, NULL when step k−1 is 0). It combines with any other metric of the query.

    s1 = SELECT _entity, <dims>, MIN(time) AS _t1 FROM <step 1 rows> GROUP BY _entity, <dims>
    s2 = SELECT s._entity, s.<dims>, s._t1, MIN(e._time) AS _t2 FROM s1 AS s
         LEFT JOIN <step 2 events> AS e
           ON e._entity = s._entity AND e._time >= s._t1 [AND e._time < s._t1 + window]
         GROUP BY s._entity, s.<dims>, s._t1
    … up to s_n, then COUNT(_t1) … COUNT(_tn) per <bucket of _t1>, <dims>.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile import blocks, cohorts
from catalog.compile.blocks import alias, column, group_by, subquery
from catalog.compile.datemath import shift
from catalog.compile.numeric import safe_divide
from catalog.compile.result import fail
from catalog.compile.rowsets import leaf_of
from catalog.model import Funnel, Metric, Window
from catalog.query import METRIC_TIME

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Leaf, Planner

PARTS = "__"
"""Joins a funnel's name and the part: `sales_funnel__step_1`, `sales_funnel__rate_2`."""


def compile_funnel(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    """A Tuple of aliased parts (`step_1`, …, `rate_2`, …): the query gets one column per part."""
    spec = metric.spec
    assert isinstance(spec, Funnel)
    steps = [leaf_of(planner.catalog, blocks.use(planner, key), key, label) for key in spec.steps]

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names, steps, spec.entity, spec.window)

    counts = blocks.register(planner, label, ["BIGINT"] * len(steps), build)
    reached = [exp.Coalesce(this=c, expressions=[exp.Literal.number(0)]) for c in counts]
    parts = [alias(r, f"step_{i}") for i, r in enumerate(reached, start=1)]
    parts += [
        alias(safe_divide(reached[i].copy(), reached[i - 1].copy()), f"rate_{i + 1}")
        for i in range(1, len(reached))
    ]
    return exp.Tuple(expressions=parts)


def split(name: str, expr: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """Output columns of one requested metric: itself, or a funnel's parts named `<name>__<part>`.

    A funnel inside another metric's arithmetic (a ratio or derived metric over it) has no single value: E006.
    """
    if _is_parts(expr):
        return [(f"{name}{PARTS}{part.alias}", part.this) for part in expr.expressions]
    if any(_is_parts(node) for node in expr.find_all(exp.Tuple)):
        raise fail(
            "E006",
            f"metric {name} computes with a funnel, which is several columns, not one value",
            "use one of the funnel's steps (an atomic metric) in the arithmetic instead",
        )
    return [(name, expr)]


def _is_parts(expr: exp.Expr) -> bool:
    return isinstance(expr, exp.Tuple) and all(isinstance(e, exp.Alias) for e in expr.expressions)


def _block(
    shape: Slice, names: tuple[str, ...], steps: list[Leaf], entity: str, window: Window | None
) -> exp.Select:
    query, first_rows = cohorts.first_events(shape, steps[0], entity, "funnel step 1", "_t1")
    dimensions = [n for n, _ in shape.dimensions]
    carried = ["_entity", *dimensions, "_t1"]
    for k, step in enumerate(steps[1:], start=2):
        follow, _ = cohorts.events(shape, step, entity, f"funnel step {k}")
        on: list[exp.Expr] = [
            exp.EQ(this=column("_entity", "e"), expression=column("_entity", "s")),
            exp.GTE(this=column("_time", "e"), expression=column(f"_t{k - 1}", "s")),
        ]
        if window is not None:
            on.append(
                exp.LT(
                    this=column("_time", "e"),
                    expression=shift(column("_t1", "s"), first_rows.time_type, window, shape.quirks.name),
                )
            )
        kept = [column(c, "s") for c in carried]
        query = exp.Select(
            expressions=[
                *(alias(c.copy(), c.name) for c in kept),
                alias(exp.Min(this=column("_time", "e")), f"_t{k}"),
            ],
            from_=exp.From(this=subquery(query, "s")),
        )
        query.set("joins", [exp.Join(this=subquery(follow, "e"), side="LEFT", on=exp.and_(*on, copy=False))])
        group_by(query, kept)
        carried.append(f"_t{k}")

    keys: list[exp.Expr] = []
    projection: list[exp.Expr] = []
    if shape.grain is not None:
        bucket = first_rows.bucket(shape, column("_t1", "r"))
        keys.append(bucket)
        projection.append(alias(bucket.copy(), METRIC_TIME))
    for name in dimensions:
        keys.append(column(name, "r"))
        projection.append(alias(column(name, "r"), name))
    projection += [
        alias(exp.Count(this=column(f"_t{k}", "r")), names[k - 1]) for k in range(1, len(steps) + 1)
    ]
    final = exp.Select(expressions=projection, from_=exp.From(this=subquery(query, "r")))
    return group_by(final, keys)
