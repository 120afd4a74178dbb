"""A metric type written for the tests: another metric times a constant factor (`scaled`).

It is the worked example of docs/metric-types.md: one module, registered with one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from sqlglot import exp

from catalog.metric_types.base import Labels, MetricType, Translate, Words, written
from catalog.model import Catalog, Metric, Spec

if TYPE_CHECKING:
    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item


@dataclass(frozen=True, slots=True)
class Scaled(Spec):
    metric: str
    factor: float

    def references(self) -> tuple[str, ...]:
        return (self.metric,)


@cache
def definition() -> type[MetricBase]:
    from pydantic import Field

    from catalog.schema import MetricBase, Name

    class ScaledDef(MetricBase):
        """`metric × factor`, e.g. an amount in cents shown in yuan."""

        type: Literal["scaled"]
        metric: Name
        factor: float = Field(strict=False)

    return ScaledDef


def resolve(r: Resolver, item: Item, d: Any) -> Scaled | None:
    refs = r.metric_refs(item, {("metric",): d.metric})
    return Scaled(refs[0], d.factor) if refs else None


def compile_scaled(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Scaled)
    value = exp.paren(planner.component(spec.metric), copy=False)
    return exp.Mul(this=value, expression=exp.Literal.number(spec.factor))


def canonical(forms: Canonicalizer, spec: Scaled) -> Canonical:
    return forms.composite(
        "scaled", parts=(("metric", forms(spec.metric)),), params=(("factor", str(spec.factor)),)
    )


def qualify(spec: Scaled) -> Mapping[str, Any]:
    return {"metric": spec.metric}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "metric")


def describe(spec: Scaled, catalog: Catalog, t: Translate, label: Labels) -> str:
    return t("scaled_words", metric=label(spec.metric), factor=spec.factor)


def roles(spec: Scaled, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_scaled"), spec.metric)]


TYPE = MetricType(
    name="scaled",
    definition=definition,
    spec=Scaled,
    resolve=resolve,
    compile=compile_scaled,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_scaled", "倍数指标", "scaled"),
            ("scaled_words", "{metric} 乘以 {factor}", "{metric} times {factor}"),
            ("role_scaled", "被乘指标", "metric"),
        ),
        describe=describe,
        roles=roles,
    ),
)
