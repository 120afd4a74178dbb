"""Retention metrics: the share of a cohort active again at an offset after its first event.

Cohort: each entity's first `cohort` event in the time range (`catalog.compile.cohorts`), bucketed at the
query's grain. Retained at offset `N units`: the entity has an `activity` event inside the calendar unit that
starts N units after the unit of its first event — `7 days` is the 8th calendar day counting the first as
day 0, `1 week` the (Monday-based) week after, `1 month` the calendar month after. The result is retained /
cohort size as a float; a cohort whose offset lies beyond the data reads 0 (nothing seen yet).

    … LEFT JOIN (<activity events>) AS a
      ON a._entity = f._entity
     AND a._time >= <unit of f._time> + N units AND a._time < <unit of f._time> + (N + 1) units

Renewal rates fit here: cohort = first paid order, activity = renewal order, offset = the renewal period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile import blocks, cohorts
from catalog.compile.blocks import column
from catalog.compile.datemath import shift
from catalog.compile.numeric import safe_divide
from catalog.compile.rowsets import leaf_of
from catalog.model import Metric, Retention, Window

if TYPE_CHECKING:
    from catalog.compile.atomic import Slice
    from catalog.compile.plan import Planner


def compile_retention(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Retention)
    first = leaf_of(planner.catalog, blocks.use(planner, spec.cohort), spec.cohort, label)
    activity = leaf_of(planner.catalog, blocks.use(planner, spec.activity), spec.activity, label)
    offset = spec.offset

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        cohort, cohort_rows = cohorts.first_events(shape, first, spec.entity, "cohort metric")
        follow, _ = cohorts.events(shape, activity, spec.entity, "activity metric")
        unit = shape.quirks.truncate(column("_time", "f"), cohort_rows.time_type, offset.unit)
        dialect = shape.quirks.name
        on = exp.and_(
            exp.EQ(this=column("_entity", "a"), expression=column("_entity", "f")),
            exp.GTE(this=column("_time", "a"), expression=shift(unit, "date", offset, dialect)),
            exp.LT(
                this=column("_time", "a"),
                expression=shift(unit.copy(), "date", Window(offset.count + 1, offset.unit), dialect),
            ),
            copy=False,
        )
        return cohorts.cohort_counts(shape, cohort, cohort_rows, follow, on, (names[0], names[1]))

    entities, retained = blocks.register(planner, label, ["BIGINT", "BIGINT"], build)
    return safe_divide(exp.Coalesce(this=retained, expressions=[exp.Literal.number(0)]), entities)
