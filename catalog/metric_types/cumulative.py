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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from catalog.compile import blocks
from catalog.compile.blocks import alias, column, same_key, subquery
from catalog.compile.numeric import average
from catalog.compile.primitives import BASE, Atom, Slice
from catalog.compile.rowsets import row_set
from catalog.compile.trees import qualified
from catalog.metric_types.base import Labels, MetricType, Translate, Words, written
from catalog.model import Catalog, Metric, Spec, Window
from catalog.query import METRIC_TIME
from catalog.sqlexpr import all_of, clone

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Cumulative(Spec):
    metric: str
    window: Window | None

    def references(self) -> tuple[str, ...]:
        return (self.metric,)


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, Name

    class CumulativeDef(MetricBase):
        """Running total of an atomic metric from the start of the range, or over a trailing `window`."""

        type: Literal["cumulative"]
        metric: Name
        window: Name | None = None

    return CumulativeDef


def resolve(r: Resolver, item: Item, d: Any) -> Cumulative | None:
    refs = r.atomic_refs(item, {("metric",): d.metric})
    window = r.window(item, "window", d.window)
    if refs is None or window is False:
        return None
    return Cumulative(refs[0], window if isinstance(window, Window) else None)


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
    atom = Atom.of(planner.catalog, planner.use(spec.metric), spec.metric, label)

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names[0], atom, spec.window, label)

    [value] = planner.block(label, [atom.pad_type().sql()], build)
    return value


def _block(shape: Slice, name: str, atom: Atom, window: Window | None, label: str) -> exp.Select:
    blocks.require_grain(shape, "cumulative", label)
    assert shape.grain is not None
    periods = row_set(shape, atom, sliced=True, time_range="full")
    spine = periods.select(
        alias(periods.bucket(), METRIC_TIME), *(alias(e, n) for n, e in periods.dimensions)
    )
    spine.set("distinct", exp.Distinct())

    rows = row_set(shape, atom, sliced=True, time_range="full" if window is None else "end")
    spec = atom.spec
    value = qualified(spec.expr, BASE) if spec.expr else exp.Literal.number(1)
    facts = rows.select(
        alias(rows.time, "_time"), *(alias(e, n) for n, e in rows.dimensions), alias(value, "_value")
    )

    end = shape.dialect.shift(column(METRIC_TIME, "s"), "date", Window(1, shape.grain))
    on: list[exp.Expr] = [same_key(column(n, "s"), column(n, "f")) for n, _ in shape.dimensions]
    on.append(exp.LT(this=column("_time", "f"), expression=end))
    if window is not None:
        start = shape.dialect.shift(clone(end), "date", window, -1)
        on.append(exp.GTE(this=column("_time", "f"), expression=start))

    fact_value: exp.Expr = column("_value", "f")
    if spec.agg == "count_distinct":
        fact_value = exp.Distinct(expressions=[fact_value])
    keys = [column(METRIC_TIME, "s"), *(column(n, "s") for n, _ in shape.dimensions)]
    query = exp.Select(
        expressions=[
            *(alias(clone(k), k.name) for k in keys),
            alias(_AGGREGATES[spec.agg](fact_value), name),
        ],
        from_=exp.From(this=subquery(spine, "s")),
    )
    query.set("joins", [exp.Join(this=subquery(facts, "f"), on=all_of(*on))])
    return blocks.group_by(query, keys)


def canonical(forms: Canonicalizer, spec: Cumulative) -> Canonical:
    return forms.composite(
        "cumulative",
        parts=(("metric", forms(spec.metric)),),
        params=(("window", str(spec.window) if spec.window else "all time"),),
    )


def qualify(spec: Cumulative) -> Mapping[str, Any]:
    return {"metric": spec.metric}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "metric")


def describe(spec: Cumulative, catalog: Catalog, t: Translate, label: Labels) -> str:
    if spec.window is None:
        return t("cumulative_all", metric=label(spec.metric))
    return t("cumulative_window", metric=label(spec.metric), window=spec.window)


def roles(spec: Cumulative, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_metric"), spec.metric)]


TYPE = MetricType(
    name="cumulative",
    definition=definition,
    spec=Cumulative,
    resolve=resolve,
    compile=compile_cumulative,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_cumulative", "累计指标", "cumulative"),
            (
                "cumulative_all",
                "{metric} 从时间范围起点开始的累计值",
                "running total of {metric} from the start of the range",
            ),
            (
                "cumulative_window",
                "{metric} 在最近 {window} 内的滚动合计",
                "total of {metric} over the trailing {window}",
            ),
            ("role_metric", "基础指标", "metric"),
        ),
        describe=describe,
        roles=roles,
    ),
)
