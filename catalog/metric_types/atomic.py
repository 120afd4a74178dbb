"""Atomic metrics: one aggregation over one source, `agg(expr)` over the rows that pass `filter`.

Every other type is computed from atomic metrics, so the pipeline's machinery is built around them: the
compiler aggregates each as a *leaf* column of its source's subquery (`catalog.compile.atomic`), and the
compare stage reduces every canonical form to atomic ones (`Canonicalizer.atomic`). This module holds what
is the type's own.

    >>> Atomic("shop.orders", "sum", "amount", "status = 'paid'", None).references()
    ()
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from catalog.metric_types.base import Labels, MetricType, Translate, Words
from catalog.model import TIME_TYPES, Catalog, Metric, Spec

if TYPE_CHECKING:
    from sqlglot import exp

    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Atomic(Spec):
    source: str
    agg: str
    expr: str | None
    filter: str | None
    time: str | None
    """The metric's own time column (lower case); None: its source's."""


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import AggField, MetricBase, Name, SqlText

    class AtomicDef(MetricBase):
        """One aggregation over one source: `agg(expr)` over the rows that pass `filter`."""

        type: Literal["atomic"]
        source: Name
        agg: AggField
        expr: SqlText | None = None
        filter: SqlText | None = None
        time: Name | None = None

    return AtomicDef


def resolve(r: Resolver, item: Item, d: Any) -> Atomic | None:
    source_key = r.ref(item, ("source",), "sources", d.source)
    source = r.sources.get(source_key) if source_key else None
    if source is None:
        return None
    ok = True
    if d.expr is None and d.agg.value != "count":
        r.report(
            item,
            (),
            "S002",
            f"metric {item.key!r} aggregates with {d.agg.value} but has no `expr`",
            "add `expr:` naming the column (or expression) to aggregate",
        )
        ok = False
    if d.expr is not None:
        ok &= r.sql(item, "expr", d.expr, source, star=d.agg.value == "count")
    if d.filter is not None:
        ok &= r.sql(item, "filter", d.filter, source)
    time = (d.time or "").lower() or None
    if time is not None and source.columns is not None:
        ok &= r.check_column(item, ("time",), time, dict(source.columns), source.key, TIME_TYPES)
    if not ok:
        return None
    return Atomic(source_key or "", d.agg.value, d.expr, d.filter, time)


def compile_atomic(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    return planner.leaf(metric, label)


def canonical(forms: Canonicalizer, spec: Atomic) -> Canonical:
    return forms.atomic(spec)


def qualify(spec: Atomic) -> Mapping[str, Any]:
    return {"source": spec.source}


def names(definition: Mapping[str, Any]) -> list[str]:
    return []


def describe(spec: Atomic, catalog: Catalog, t: Translate, label: Labels) -> str:
    source = catalog.sources.get(spec.source)
    table = source.table if source else "?"
    what = t("rows_of", source=spec.source.rsplit(".", 1)[-1], table=table)
    words = t(f"agg_{spec.agg}", what=what, expr=spec.expr or "*")
    if spec.filter:
        words += t("where", filter=spec.filter)
    time = spec.time or (source.time if source else None)
    if time:
        words += t("on_time", time=time)
    return words


def roles(spec: Atomic, t: Translate) -> list[tuple[str, str]]:
    return []


TYPE = MetricType(
    name="atomic",
    definition=definition,
    spec=Atomic,
    resolve=resolve,
    compile=compile_atomic,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_atomic", "原子指标", "atomic"),
            # aggregations, as a phrase "<agg> of X"
            ("agg_count", "{what}的行数", "number of rows of {what}"),
            ("agg_count_distinct", "{what}中不同 {expr} 的个数", "number of distinct {expr} in {what}"),
            ("agg_sum", "{what}中 {expr} 的合计", "sum of {expr} over {what}"),
            ("agg_avg", "{what}中 {expr} 的平均值", "average of {expr} over {what}"),
            ("agg_min", "{what}中 {expr} 的最小值", "minimum of {expr} over {what}"),
            ("agg_max", "{what}中 {expr} 的最大值", "maximum of {expr} over {what}"),
            ("rows_of", "{source}（表 {table}）", "{source} (table {table})"),
            ("where", "，仅统计满足 {filter} 的行", ", only rows where {filter}"),
            ("on_time", "，按时间列 {time} 归属到时间段", ", placed in time by {time}"),
        ),
        describe=describe,
        roles=roles,
    ),
)
