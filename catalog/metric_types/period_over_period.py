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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from catalog.compile import atomic, blocks
from catalog.compile.blocks import alias, column, same_key, subquery
from catalog.compile.datemath import shift_moment
from catalog.compile.numeric import safe_divide
from catalog.compile.primitives import Atom, Leaf, Slice
from catalog.metric_types.base import Labels, MetricType, Translate, Words, written
from catalog.model import Catalog, Metric, Spec, Window
from catalog.query import METRIC_TIME, TimeRange
from catalog.sqlexpr import all_of, clone

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class PeriodOverPeriod(Spec):
    metric: str
    compare_to: str
    calculation: str

    def references(self) -> tuple[str, ...]:
        return (self.metric,)


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, Name

    class PeriodOverPeriodDef(MetricBase):
        """A metric against the previous period or the same period a year earlier."""

        type: Literal["period_over_period"]
        metric: Name
        compare_to: Literal["previous_period", "previous_year"] = "previous_period"
        calculation: Literal["difference", "ratio", "growth", "previous"] = "growth"

    return PeriodOverPeriodDef


def resolve(r: Resolver, item: Item, d: Any) -> PeriodOverPeriod | None:
    refs = r.atomic_refs(item, {("metric",): d.metric})
    return PeriodOverPeriod(refs[0], d.compare_to, d.calculation) if refs else None


def compile_period_over_period(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, PeriodOverPeriod)
    base = Atom.of(planner.catalog, planner.use(spec.metric), spec.metric, label)
    # The metric aggregated alone, as column `_v` of both periods' subqueries.
    leaf = Leaf(base.label, base.spec, base.source, base.time, label, "_v")

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names, leaf, spec.compare_to, label)

    value_type = leaf.pad_type().sql()
    current, previous = planner.block(label, [value_type, value_type], build)
    match spec.calculation:
        case "difference":
            return exp.Sub(this=current, expression=previous)
        case "ratio":
            return safe_divide(current, previous)
        case "growth":
            change = exp.paren(exp.Sub(this=current, expression=clone(previous)), copy=False)
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
            expression=shape.dialect.shift(column(METRIC_TIME, "c"), "date", back, -1),
        )
    )
    keys = [column(METRIC_TIME, "c"), *(column(n, "c") for n in dimensions)]
    query = exp.Select(
        expressions=[
            *(alias(clone(k), k.name) for k in keys),
            alias(column(leaf.column, "c"), names[0]),
            alias(column(leaf.column, "p"), names[1]),
        ],
        from_=exp.From(this=subquery(current, "c")),
    )
    query.set("joins", [exp.Join(this=subquery(previous, "p"), side="LEFT", on=all_of(*on))])
    return query


def canonical(forms: Canonicalizer, spec: PeriodOverPeriod) -> Canonical:
    return forms.composite(
        "period_over_period",
        parts=(("metric", forms(spec.metric)),),
        params=(("compare_to", spec.compare_to), ("calculation", spec.calculation)),
    )


def qualify(spec: PeriodOverPeriod) -> Mapping[str, Any]:
    return {"metric": spec.metric}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "metric")


def describe(spec: PeriodOverPeriod, catalog: Catalog, t: Translate, label: Labels) -> str:
    return t(f"pop_{spec.calculation}", metric=label(spec.metric), compare=t(f"pop_{spec.compare_to}"))


def roles(spec: PeriodOverPeriod, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_metric"), spec.metric)]


TYPE = MetricType(
    name="period_over_period",
    definition=definition,
    spec=PeriodOverPeriod,
    resolve=resolve,
    compile=compile_period_over_period,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_period_over_period", "同环比", "period over period"),
            ("pop_previous_period", "上一周期", "the previous period"),
            ("pop_previous_year", "去年同期", "the same period a year earlier"),
            ("pop_growth", "{metric} 相对{compare}的增长率", "growth of {metric} against {compare}"),
            ("pop_difference", "{metric} 与{compare}之差", "{metric} minus its value in {compare}"),
            ("pop_ratio", "{metric} 与{compare}之比", "{metric} divided by its value in {compare}"),
            ("pop_previous", "{metric} 在{compare}的值", "{metric} in {compare}"),
            ("role_metric", "基础指标", "metric"),
        ),
        describe=describe,
        roles=roles,
    ),
)
