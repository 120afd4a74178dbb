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

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from catalog.compile import cohorts
from catalog.compile.blocks import column
from catalog.compile.numeric import safe_divide
from catalog.compile.primitives import Atom, Slice
from catalog.metric_types.base import Labels, MetricType, Translate, Words, written
from catalog.model import Catalog, Metric, Spec, Window
from catalog.sqlexpr import all_of, clone

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Retention(Spec):
    entity: str
    cohort: str
    activity: str
    offset: Window

    def references(self) -> tuple[str, ...]:
        return (self.cohort, self.activity)


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, Name

    class RetentionDef(MetricBase):
        """Share of a cohort (first `cohort` event at the grain) active again (`activity`) at `offset`."""

        type: Literal["retention"]
        entity: Name
        cohort: Name
        activity: Name
        offset: Name

    return RetentionDef


def resolve(r: Resolver, item: Item, d: Any) -> Retention | None:
    refs = r.atomic_refs(item, {("cohort",): d.cohort, ("activity",): d.activity})
    offset = r.window(item, "offset", d.offset)
    if refs is None or not isinstance(offset, Window) or not r.entity_on(item, d.entity, refs):
        return None
    return Retention(d.entity, refs[0], refs[1], offset)


def compile_retention(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Retention)
    first = Atom.of(planner.catalog, planner.use(spec.cohort), spec.cohort, label)
    activity = Atom.of(planner.catalog, planner.use(spec.activity), spec.activity, label)
    offset = spec.offset

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        cohort, cohort_rows = cohorts.first_events(shape, first, spec.entity, "cohort metric")
        follow, _ = cohorts.events(shape, activity, spec.entity, "activity metric")
        unit = shape.dialect.truncate(column("_time", "f"), cohort_rows.time_type, offset.unit)
        on = all_of(
            exp.EQ(this=column("_entity", "a"), expression=column("_entity", "f")),
            exp.GTE(this=column("_time", "a"), expression=shape.dialect.shift(unit, "date", offset)),
            exp.LT(
                this=column("_time", "a"),
                expression=shape.dialect.shift(clone(unit), "date", Window(offset.count + 1, offset.unit)),
            ),
        )
        return cohorts.cohort_counts(shape, cohort, cohort_rows, follow, on, (names[0], names[1]))

    entities, retained = planner.block(label, ["BIGINT", "BIGINT"], build)
    return safe_divide(exp.Coalesce(this=retained, expressions=[exp.Literal.number(0)]), entities)


def canonical(forms: Canonicalizer, spec: Retention) -> Canonical:
    return forms.composite(
        "retention",
        parts=(("cohort", forms(spec.cohort)), ("activity", forms(spec.activity))),
        params=(
            ("entity", forms.entity(spec.entity, (spec.cohort, spec.activity))),
            ("offset", str(spec.offset)),
        ),
    )


def qualify(spec: Retention) -> Mapping[str, Any]:
    return {"cohort": spec.cohort, "activity": spec.activity}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "cohort", "activity")


def describe(spec: Retention, catalog: Catalog, t: Translate, label: Labels) -> str:
    return t(
        "retention_words",
        entity=spec.entity,
        cohort=label(spec.cohort),
        activity=label(spec.activity),
        offset=spec.offset,
    )


def roles(spec: Retention, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_cohort"), spec.cohort), (t("role_activity"), spec.activity)]


TYPE = MetricType(
    name="retention",
    definition=definition,
    spec=Retention,
    resolve=resolve,
    compile=compile_retention,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_retention", "留存", "retention"),
            (
                "retention_words",
                "以 {cohort} 划分 {entity} 队列，{offset} 后仍有 {activity} 的比例",
                "share of the {entity} cohort of {cohort} doing {activity} again {offset} later",
            ),
            ("role_cohort", "队列事件", "cohort event"),
            ("role_activity", "活跃事件", "activity event"),
        ),
        describe=describe,
        roles=roles,
    ),
)
