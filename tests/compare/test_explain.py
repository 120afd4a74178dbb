"""catalog/compare/explain.py: what differs, as data and as a sentence in English and Chinese."""

from __future__ import annotations

from catalog.compare.canonical import Canonicalizer
from catalog.compare.explain import Difference, differences

from .conftest import metric

PAID = "filter: \"status IN ('paid', 'refunded')\""


def _diff(build, left: str, right: str, **base: list[str]) -> list[Difference]:
    catalog = build(a=[metric("m", left), *base.get("a", [])], b=[metric("m", right)])
    forms = Canonicalizer(catalog)
    return differences(forms("a.m"), forms("b.m"), {forms(k).fingerprint: k for k in catalog.metrics})


def test_equivalent_forms_have_no_difference(build) -> None:
    same = f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}"
    assert _diff(build, same, same) == []


def test_atomic_aspects(build) -> None:
    found = _diff(
        build,
        f"type: atomic, source: orders, agg: sum, expr: amount, time: paid_at, {PAID}",
        "type: atomic, source: events, agg: count_distinct, expr: user_id, filter: \"event_name = 'buy'\"",
    )
    assert [(d.aspect, d.left, d.right) for d in found] == [
        ("source table", "dw.fact_orders", "dw.fact_app_events"),
        ("aggregation", "sum", "count_distinct"),
        ("expression", "amount", "user_id"),
        ("filter", "status IN ('paid', 'refunded')", None),
        ("filter", None, "event_name = 'buy'"),
        ("time column", "paid_at", "event_time"),
    ]


def test_implied_not_null_terms_are_not_reported_as_filters(build) -> None:
    found = _diff(
        build,
        "type: atomic, source: orders, agg: sum, expr: amount",
        "type: atomic, source: orders, agg: max, expr: amount",
    )
    assert [(d.aspect, d.left, d.right) for d in found] == [("aggregation", "sum", "max")]


def test_formulas_are_compared_part_by_part(build) -> None:
    helpers = [
        metric("gmv", f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}"),
        metric("buyers", f"type: atomic, source: orders, agg: count_distinct, expr: user_id, {PAID}"),
        metric("orders_paid", f"type: atomic, source: orders, agg: count, {PAID}"),
    ]
    found = _diff(
        build,
        "type: ratio, numerator: gmv, denominator: buyers",
        "type: ratio, numerator: a.gmv, denominator: a.orders_paid",
        a=helpers,
    )
    assert [(d.part, d.aspect, d.left, d.right) for d in found] == [
        ("denominator", "aggregation", "count_distinct", "count"),
        ("denominator", "expression", "user_id", "*"),
    ]
    assert found[0].sentence_zh("a.m", "b.m") == "分母：聚合方式 `count_distinct` 对 `count`"


def test_a_different_formula_shape_is_reported_with_metric_names(build) -> None:
    helpers = [
        metric("gmv", f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}"),
        metric("buyers", f"type: atomic, source: orders, agg: count_distinct, expr: user_id, {PAID}"),
    ]
    found = _diff(build, "type: derived, expr: gmv * 100", "type: derived, expr: a.gmv / a.buyers", a=helpers)
    assert [(d.aspect, d.left, d.right) for d in found] == [("formula", "100 * a.gmv", "a.gmv / a.buyers")]


def test_type_and_parameter_differences(build) -> None:
    helpers = [metric("gmv", f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}")]
    found = _diff(
        build,
        "type: cumulative, metric: gmv, window: 7 days",
        "type: cumulative, metric: a.gmv, window: 30 days",
        a=helpers,
    )
    assert [(d.aspect, d.left, d.right) for d in found] == [("window", "7 days", "30 days")]
    found = _diff(
        build, "type: cumulative, metric: gmv", "type: period_over_period, metric: a.gmv", a=helpers
    )
    assert [d.aspect for d in found] == ["type"]


def test_sentences() -> None:
    only_left = Difference("filter", "status = 'paid'", None)
    assert only_left.sentence("a.m", "b.m") == "filter `status = 'paid'` only in a.m"
    assert only_left.sentence_zh("a.m", "b.m") == "过滤条件`status = 'paid'`仅见于 a.m"
    changed = Difference("time column", "paid_at", "created_at", "step 2 > numerator")
    assert changed.sentence("a.m", "b.m") == "step 2 > numerator: time column `paid_at` vs `created_at`"
    assert changed.sentence_zh("a.m", "b.m") == "第2步 > 分子：时间字段 `paid_at` 对 `created_at`"
    assert changed.as_dict() == {
        "aspect": "time column",
        "part": "step 2 > numerator",
        "left": "paid_at",
        "right": "created_at",
    }
