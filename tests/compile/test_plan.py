"""Planning: requested metrics become atomic leaves plus one expression each over those leaves."""

from __future__ import annotations

from dataclasses import replace

from sqlglot import exp

from catalog.compile import compile_query
from catalog.compile.plan import Planner
from catalog.model import Catalog, Metric


def test_a_leaf_shared_by_several_metrics_is_aggregated_once(catalog: Catalog) -> None:
    planner = Planner(catalog, None)
    for name in ("aov", "paid_orders", "net_aov"):
        planner.output(name, None)
    assert list(planner.leaves) == ["shop.gmv", "shop.paid_orders", "shop.refund_amount"]


def test_ratio_is_a_guarded_float_division(catalog: Catalog) -> None:
    output = Planner(catalog, None).output("aov", None)
    assert output.expr.sql() == 'CAST("_l0" AS DOUBLE) / NULLIF(COALESCE("_l1", 0), 0)'


def test_counts_of_nothing_read_as_zero_sums_stay_null(catalog: Catalog) -> None:
    planner = Planner(catalog, None)
    assert planner.output("paid_orders", None).expr.sql() == 'COALESCE("_l0", 0)'
    assert planner.output("gmv", None).expr.sql() == '"_l1"'


def test_nested_derived_metrics_expand_to_leaves(catalog: Catalog) -> None:
    output = Planner(catalog, None).output("net_aov", None)
    assert output.expr.sql() == 'CAST((("_l0") - ("_l1")) AS DOUBLE) / NULLIF((COALESCE("_l2", 0)), 0)'


def test_each_metric_is_compiled_by_its_own_type(catalog: Catalog) -> None:
    asked: list[str] = []

    def half(planner: Planner, metric: Metric, label: str) -> exp.Expr:
        asked.append(label)
        return exp.Div(this=planner.component("shop.gmv"), expression=exp.Literal.number(2))

    aov = catalog.metrics["shop.aov"]
    halved = replace(aov, kind=replace(aov.kind, compile=half))
    changed = Catalog(catalog.sources, catalog.dimensions, {**catalog.metrics, "shop.aov": halved})
    assert Planner(changed, None).output("aov", None).expr.sql() == '"_l0" / 2'
    assert asked == ["shop.aov"]


def test_result_lists_columns_metrics_used_and_warnings(catalog: Catalog) -> None:
    compiled = compile_query(
        {"metrics": ["net_aov", "old_gmv"], "dimensions": ["channel"], "grain": "month"}, catalog
    )
    assert compiled.columns == ("metric_time", "channel", "net_aov", "old_gmv")
    assert compiled.metrics == (
        "shop.net_aov",
        "shop.old_gmv",
        "shop.net_revenue",
        "shop.gmv",
        "shop.refund_amount",
        "shop.paid_orders",
    )
    assert compiled.warnings == ("metric shop.old_gmv is deprecated",)


def test_pinned_versions_come_from_the_pins_callback(catalog: Catalog) -> None:
    asked: list[tuple[str, int]] = []
    gmv = catalog.metrics["shop.gmv"]
    old = replace(gmv, spec=replace(gmv.spec, expr="coupon_amount"))

    def pins(key: str, version: int):  # type: ignore[no-untyped-def]
        asked.append((key, version))
        return old

    compiled = compile_query({"metrics": ["gmv@2", "gmv"], "dialect": "postgres"}, catalog, pins)
    assert asked == [("shop.gmv", 2)]
    assert compiled.metrics == ("shop.gmv@2", "shop.gmv")
    assert compiled.columns == ("shop__gmv__v2", "shop__gmv")  # the same name twice: both qualified
    assert 'SUM("t0"."coupon_amount")' in compiled.sql and 'SUM("t0"."amount")' in compiled.sql


def test_colliding_names_are_qualified(catalog: Catalog) -> None:
    extra = replace(catalog.dimensions["common.channel"], key="shop.channel", namespace="shop")
    both = Catalog(
        sources=catalog.sources,
        dimensions={**catalog.dimensions, "shop.channel": extra},
        metrics=catalog.metrics,
    )
    compiled = compile_query({"metrics": ["gmv"], "dimensions": ["common.channel", "shop.channel"]}, both)
    assert compiled.columns == ("common__channel", "shop__channel", "gmv")
