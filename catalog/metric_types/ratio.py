"""Ratio metrics: `numerator / denominator`, in floating point, NULL when the denominator is 0.

`CAST(n AS DOUBLE)` renders as each engine's 8-byte float (REAL on SQLite, DOUBLE PRECISION on PostgreSQL,
FLOAT64 on BigQuery, Float64 on ClickHouse); without it SQLite and PostgreSQL divide integers as integers.
MariaDB accepts `CAST(… AS DOUBLE)` from 10.4, MySQL from 8.0.17.

    >>> Ratio("shop.gmv", "shop.paid_orders").references()
    ('shop.gmv', 'shop.paid_orders')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from catalog.compile.numeric import safe_divide
from catalog.metric_types.base import Labels, MetricType, Translate, Words, written
from catalog.model import Catalog, Metric, Spec

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Ratio(Spec):
    numerator: str
    denominator: str

    def references(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator)


@cache
def definition() -> type[MetricBase]:
    from catalog.schema import MetricBase, Name

    class RatioDef(MetricBase):
        """`numerator / denominator`, both metrics, computed in floating point with division by zero as NULL."""

        type: Literal["ratio"]
        numerator: Name
        denominator: Name

    return RatioDef


def resolve(r: Resolver, item: Item, d: Any) -> Ratio | None:
    refs = r.metric_refs(item, {("numerator",): d.numerator, ("denominator",): d.denominator})
    return Ratio(*refs) if refs else None


def compile_ratio(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Ratio)
    return safe_divide(planner.component(spec.numerator), planner.component(spec.denominator))


def canonical(forms: Canonicalizer, spec: Ratio) -> Canonical:
    num, den = forms(spec.numerator), forms(spec.denominator)
    parts = (("numerator", num), ("denominator", den))
    if num.formula is None and den.formula is None:
        # Two leaves: the text the formula pipeline renders for them, without running it.
        return forms.formula(f"{num.placeholder} / {den.placeholder}", parts)
    return forms.formula(exp.Div(this=forms.inline(num), expression=forms.inline(den)), parts)


def qualify(spec: Ratio) -> Mapping[str, Any]:
    return {"numerator": spec.numerator, "denominator": spec.denominator}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "numerator", "denominator")


def describe(spec: Ratio, catalog: Catalog, t: Translate, label: Labels) -> str:
    return t("ratio_words", numerator=label(spec.numerator), denominator=label(spec.denominator))


def roles(spec: Ratio, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_numerator"), spec.numerator), (t("role_denominator"), spec.denominator)]


TYPE = MetricType(
    name="ratio",
    definition=definition,
    spec=Ratio,
    resolve=resolve,
    compile=compile_ratio,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_ratio", "比率", "ratio"),
            (
                "ratio_words",
                "{numerator} 除以 {denominator}（分母为 0 时为空）",
                "{numerator} divided by {denominator} (empty when the denominator is 0)",
            ),
            ("role_numerator", "分子", "numerator"),
            ("role_denominator", "分母", "denominator"),
        ),
        describe=describe,
        roles=roles,
    ),
)
