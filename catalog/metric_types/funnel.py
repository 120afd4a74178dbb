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

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from sqlglot import exp

from catalog.compile import cohorts
from catalog.compile.blocks import alias, column, group_by, subquery
from catalog.compile.numeric import safe_divide
from catalog.compile.primitives import Atom, Slice
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
class Funnel(Spec):
    entity: str
    steps: tuple[str, ...]
    window: Window | None

    def references(self) -> tuple[str, ...]:
        return self.steps


@cache
def definition() -> type[MetricBase]:
    from pydantic import Field

    from catalog.schema import MetricBase, Name

    class FunnelDef(MetricBase):
        """Ordered steps (atomic metrics over event sources) done by the same entity within `window`."""

        type: Literal["funnel"]
        entity: Name
        steps: Annotated[list[Name], Field(min_length=2, max_length=20)]
        window: Name | None = None

    return FunnelDef


def resolve(r: Resolver, item: Item, d: Any) -> Funnel | None:
    refs = r.atomic_refs(item, {("steps", i): step for i, step in enumerate(d.steps)})
    window = r.window(item, "window", d.window)
    if refs is None or window is False or not r.entity_on(item, d.entity, refs):
        return None
    return Funnel(d.entity, tuple(refs), window if isinstance(window, Window) else None)


def compile_funnel(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    """A Tuple of aliased parts (`step_1`, …, `rate_2`, …): the query gets one column per part
    (`catalog.compile.combine.columns_of`)."""
    spec = metric.spec
    assert isinstance(spec, Funnel)
    steps = [Atom.of(planner.catalog, planner.use(key), key, label) for key in spec.steps]

    def build(shape: Slice, names: tuple[str, ...]) -> exp.Select:
        return _block(shape, names, steps, spec.entity, spec.window)

    counts = planner.block(label, ["BIGINT"] * len(steps), build)
    reached = [exp.Coalesce(this=c, expressions=[exp.Literal.number(0)]) for c in counts]
    parts = [alias(r, f"step_{i}") for i, r in enumerate(reached, start=1)]
    parts += [
        alias(safe_divide(clone(reached[i]), clone(reached[i - 1])), f"rate_{i + 1}")
        for i in range(1, len(reached))
    ]
    return exp.Tuple(expressions=parts)


def _block(
    shape: Slice, names: tuple[str, ...], steps: list[Atom], entity: str, window: Window | None
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
                    expression=shape.dialect.shift(column("_t1", "s"), first_rows.time_type, window),
                )
            )
        kept = [column(c, "s") for c in carried]
        query = exp.Select(
            expressions=[
                *(alias(clone(c), c.name) for c in kept),
                alias(exp.Min(this=column("_time", "e")), f"_t{k}"),
            ],
            from_=exp.From(this=subquery(query, "s")),
        )
        query.set("joins", [exp.Join(this=subquery(follow, "e"), side="LEFT", on=all_of(*on))])
        group_by(query, kept)
        carried.append(f"_t{k}")

    keys: list[exp.Expr] = []
    projection: list[exp.Expr] = []
    if shape.grain is not None:
        bucket = first_rows.bucket(column("_t1", "r"))
        keys.append(bucket)
        projection.append(alias(clone(bucket), METRIC_TIME))
    for name in dimensions:
        keys.append(column(name, "r"))
        projection.append(alias(column(name, "r"), name))
    projection += [
        alias(exp.Count(this=column(f"_t{k}", "r")), names[k - 1]) for k in range(1, len(steps) + 1)
    ]
    final = exp.Select(expressions=projection, from_=exp.From(this=subquery(query, "r")))
    return group_by(final, keys)


def canonical(forms: Canonicalizer, spec: Funnel) -> Canonical:
    return forms.composite(
        "funnel",
        parts=tuple((f"step {i}", forms(step)) for i, step in enumerate(spec.steps, 1)),
        params=(
            ("entity", forms.entity(spec.entity, spec.steps)),
            ("window", str(spec.window) if spec.window else "none"),
        ),
    )


def qualify(spec: Funnel) -> Mapping[str, Any]:
    return {"steps": list(spec.steps)}


def names(definition: Mapping[str, Any]) -> list[str]:
    return written(definition, "steps")


def describe(spec: Funnel, catalog: Catalog, t: Translate, label: Labels) -> str:
    window = t("funnel_window", window=spec.window) if spec.window else ""
    steps = " → ".join(label(step) for step in spec.steps)
    return f"{t('funnel_words', entity=spec.entity, window=window)}: {steps}"


def roles(spec: Funnel, t: Translate) -> list[tuple[str, str]]:
    return [(t("role_step", n=i), key) for i, key in enumerate(spec.steps, start=1)]


TYPE = MetricType(
    name="funnel",
    definition=definition,
    spec=Funnel,
    resolve=resolve,
    compile=compile_funnel,
    canonical=canonical,
    qualify=qualify,
    names=names,
    words=Words(
        strings=(
            ("type_funnel", "漏斗", "funnel"),
            (
                "funnel_words",
                "同一 {entity} 依次完成以下步骤{window}",
                "the same {entity} doing these steps in order{window}",
            ),
            ("funnel_window", "（{window} 内）", " (within {window})"),
            ("role_step", "第 {n} 步", "step {n}"),
        ),
        describe=describe,
        roles=roles,
    ),
)
