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
from catalog.sqlexpr import all_of

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Conversion(Spec):
    entity: str
    base: str
    conversion: str
    window: Window
    calculation: str

    def references(self) -> tuple[str, ...]:
        return (self.base, self.conversion)


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, Name

    class ConversionDef(MetricBase):
        """Entities that did `base` and then `conversion` within `window`, per cohort of the base event."""

        type: Literal["conversion"]
        entity: Name
        base: Name
        conversion: Name
        window: Name
        calculation: Literal["rate", "count"] = "rate"

    return ConversionDef


def resolve(r: Resolver, item: Item, d: Any) -> Conversion | None:
    refs = r.atomic_refs(item, {("base",): d.base, ("conversion",): d.conversion})
    window = r.window(item, "window", d.window)
    if refs is None or not isinstance(window, Window) or not r.entity_on(item, d.entity, refs):
        return None
    return Conversion(d.entity, refs[0], refs[1], window, d.calculation)


def compile_conversion(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Conversion)
    base = Atom.of(planner.catalog, planner.use(spec.base), spec.base, label)
    converting = Atom.of(planner.catalog, planner.use(spec.conversion), spec.conversion, label)

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        cohort, cohort_rows = cohorts.first_events(shape, base, spec.entity, "base metric")
        follow, _ = cohorts.events(shape, converting, spec.entity, "conversion metric")
        # Fresh `f._time` columns: building one is several times cheaper than copying one.
        on = all_of(
            exp.EQ(this=column("_entity", "a"), expression=column("_entity", "f")),
            exp.GTE(this=column("_time", "a"), expression=column("_time", "f")),
            exp.LT(
                this=column("_time", "a"),
                expression=shape.dialect.shift(column("_time", "f"), cohort_rows.time_type, spec.window),
            ),
        )
        return cohorts.cohort_counts(shape, cohort, cohort_rows, follow, on, (names[0], names[1]))

    entities, converted = planner.block(label, ["BIGINT", "BIGINT"], build)
    converted_count = exp.Coalesce(this=converted, expressions=[exp.Literal.number(0)])
    if spec.calculation == "count":
        return converted_count
    return safe_divide(converted_count, entities)


def canonical(forms: Canonicalizer, spec: Conversion) -> Canonical:
    return forms.composite(
        "conversion",
        parts=(("base", forms(spec.base)), ("conversion", forms(spec.conversion))),
        params=(
            ("entity", forms.entity(spec.entity, (spec.base, spec.conversion))),
            ("window", str(spec.window)),
            ("calculation", spec.calculation),
        ),
    )


def qualify(spec: Conversion) -> Mapping[str, Any]:
    return {"base": spec.base, "conversion": spec.conversion}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "base", "conversion")


def describe(spec: Conversion, catalog: Catalog, t: Translate, label: Labels) -> str:
    return t(
        f"conversion_{spec.calculation}",
        entity=spec.entity,
        base=label(spec.base),
        conversion=label(spec.conversion),
        window=spec.window,
    )


def roles(spec: Conversion, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_base"), spec.base), (t("role_conversion"), spec.conversion)]


TYPE = MetricType(
    name="conversion",
    definition=definition,
    spec=Conversion,
    resolve=resolve,
    compile=compile_conversion,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_conversion", "转化指标", "conversion"),
            (
                "conversion_rate",
                "完成 {base} 的 {entity} 中，在 {window} 内又完成 {conversion} 的比例",
                "share of {entity}s doing {base} who then do {conversion} within {window}",
            ),
            (
                "conversion_count",
                "完成 {base} 后在 {window} 内又完成 {conversion} 的 {entity} 数",
                "number of {entity}s doing {base} who then do {conversion} within {window}",
            ),
            ("role_base", "起始事件", "base event"),
            ("role_conversion", "转化事件", "conversion event"),
        ),
        describe=describe,
        roles=roles,
    ),
)
