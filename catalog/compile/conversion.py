"""Conversion metrics: entities that did a base event and then a conversion event within a window.

Cohort: each entity's first base event in the time range (`catalog.compile.cohorts`), bucketed at the query's
grain. Converted: the entity has a conversion event at a time `c` with `first base ≤ c < first base + window`
(half-open, like time ranges: a conversion exactly 14 days after a `14 days` window opened does not count).
`rate` is converted / cohort size as a float; `count` is the number converted. A cohort with no conversion
gives 0, never a missing row.

    SELECT <bucket of f._time> AS metric_time, f.<dims>,
           COUNT(DISTINCT f._entity) AS _b0, COUNT(DISTINCT a._entity) AS _b1
    FROM (<first base event per entity>) AS f
    LEFT JOIN (<conversion events>) AS a
      ON a._entity = f._entity AND a._time >= f._time AND a._time < f._time + <window>
    GROUP BY <bucket>, f.<dims>
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile import blocks, cohorts
from catalog.compile.blocks import column
from catalog.compile.datemath import shift
from catalog.compile.numeric import safe_divide
from catalog.compile.rowsets import leaf_of
from catalog.compile.trees import all_of
from catalog.model import Conversion, Metric

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Planner


def compile_conversion(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Conversion)
    base = leaf_of(planner.catalog, blocks.use(planner, spec.base), spec.base, label)
    converting = leaf_of(planner.catalog, blocks.use(planner, spec.conversion), spec.conversion, label)

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        cohort, cohort_rows = cohorts.first_events(shape, base, spec.entity, "base metric")
        follow, _ = cohorts.events(shape, converting, spec.entity, "conversion metric")
        # Fresh `f._time` columns: building one is several times cheaper than copying one.
        on = all_of(
            exp.EQ(this=column("_entity", "a"), expression=column("_entity", "f")),
            exp.GTE(this=column("_time", "a"), expression=column("_time", "f")),
            exp.LT(
                this=column("_time", "a"),
                expression=shift(column("_time", "f"), cohort_rows.time_type, spec.window, shape.quirks.name),
            ),
        )
        return cohorts.cohort_counts(shape, cohort, cohort_rows, follow, on, (names[0], names[1]))

    entities, converted = blocks.register(planner, label, ["BIGINT", "BIGINT"], build)
    converted_count = exp.Coalesce(this=converted, expressions=[exp.Literal.number(0)])
    if spec.calculation == "count":
        return converted_count
    return safe_divide(converted_count, entities)
