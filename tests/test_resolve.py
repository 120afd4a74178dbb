"""References between definitions: resolution rules, what enters the catalog, and the issues on the way."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog import model as m
from catalog.lint import LintResult, lint_texts
from catalog.metric_types.atomic import Atomic
from catalog.metric_types.derived import Derived
from catalog.metric_types.ratio import Ratio

BASE = Path(__file__).parent / "fixtures" / "lint_base"
BASE_FILES = {str(p.relative_to(BASE)): p.read_text("utf-8") for p in sorted(BASE.rglob("*.yaml"))}
META = "label: {en: X, zh: X}, description: x, stage: revenue, owner: finance"


def lint(**files: str) -> LintResult:
    """Lint the valid base catalog plus `files` (keyword `sales__a` is the file `sales/a.yaml`)."""
    return lint_texts({**BASE_FILES, **{k.replace("__", "/") + ".yaml": v for k, v in files.items()}})


def codes(result: LintResult) -> list[tuple[str, int]]:
    return [(i.code, i.location.line) for i in result.issues if not i.code.startswith("C")]


def test_the_base_catalog_resolves_every_metric_type() -> None:
    result = lint()
    assert result.ok and result.issues == ()
    types = {metric.type for metric in result.catalog.metrics.values()}
    assert types == {"atomic", "ratio", "derived", "cumulative", "conversion", "period_over_period"}
    gmv = result.catalog.metrics["finance.gmv"]
    assert gmv.spec == Atomic("common.orders", "sum", "amount", "status = 'paid'", "paid_at")
    assert gmv.dimensions == ("common.channel", "common.order_status")
    assert gmv.location.file == "finance/metrics.yaml" and gmv.location.line == 8


def test_a_bare_name_prefers_the_own_namespace_then_any_namespace() -> None:
    result = lint(
        finance__more=f"""metrics:
  gmv_copy: {{type: ratio, numerator: gmv, denominator: growth.signups, {META}}}
"""
    )
    assert result.catalog.metrics["finance.gmv_copy"].spec == Ratio("finance.gmv", "growth.signups")


def test_derived_metrics_record_how_each_written_name_resolved() -> None:
    spec = lint().catalog.metrics["growth.orders_per_signup"].spec
    assert isinstance(spec, Derived)
    assert dict(spec.refs) == {"ordering_users": "growth.ordering_users", "signups": "growth.signups"}


def test_an_ambiguous_bare_name_must_be_qualified() -> None:
    result = lint(sales__a=f"metrics:\n  t: {{type: atomic, source: targets, agg: count, {META}}}\n")
    assert codes(result) == [("R007", 2)]
    assert "finance.targets, growth.targets" in result.issues[0].message


def test_references_to_a_broken_definition_are_not_reported_again() -> None:
    result = lint(
        sales__a=f"""metrics:
  base: {{type: atomic, source: orders, agg: sum, {META}}}
  on_top: {{type: ratio, numerator: base, denominator: gmv, {META}}}
"""
    )
    assert codes(result) == [("S002", 2)]
    assert "sales.on_top" not in result.catalog.metrics


def test_a_metric_built_on_an_invalid_one_stays_out_of_the_catalog() -> None:
    result = lint(
        sales__a=f"""metrics:
  bad: {{type: atomic, source: orders, agg: sum, expr: nope, {META}}}
  ratio_of_bad: {{type: ratio, numerator: bad, denominator: gmv, {META}}}
"""
    )
    assert codes(result) == [("R005", 2)]
    assert not {"sales.bad", "sales.ratio_of_bad"} & set(result.catalog.metrics)


def test_a_cycle_is_reported_once_and_its_members_stay_out() -> None:
    result = lint(
        sales__a=f"""metrics:
  a: {{type: derived, expr: b + c, {META}}}
  b: {{type: derived, expr: c * 2, {META}}}
  c: {{type: ratio, numerator: a, denominator: gmv, {META}}}
"""
    )
    assert [c for c, _ in codes(result)] == ["R004"]
    assert "sales.a → sales.b → sales.c → sales.a" in result.issues[0].message
    assert not {"sales.a", "sales.b", "sales.c"} & set(result.catalog.metrics)


def test_a_metric_that_refers_to_itself_is_a_cycle() -> None:
    result = lint(sales__a=f"metrics:\n  a: {{type: derived, expr: a + 1, {META}}}\n")
    assert codes(result) == [("R004", 2)]


def test_a_derived_expression_must_use_a_metric() -> None:
    assert codes(lint(sales__a=f"metrics:\n  a: {{type: derived, expr: 1 + 1, {META}}}\n")) == [("R003", 2)]


@pytest.mark.parametrize(
    "spec, code",
    [
        ("type: cumulative, metric: arppu", "R008"),
        ("type: funnel, entity: user, steps: [signups, arppu]", "R008"),
        ("type: retention, entity: user, cohort: signups, activity: gmv_growth, offset: 1 week", "R008"),
        ("type: conversion, entity: lead, base: signups, conversion: ordering_users, window: 7 days", "R006"),
        ("type: funnel, entity: user, steps: [signups, ordering_users], window: 3 fortnights", "S007"),
        ("type: retention, entity: user, cohort: signups, activity: ordering_users, offset: 0 days", "S007"),
        ("type: period_over_period, metric: nothing_here", "R003"),
        ("type: period_over_period, metric: arppu", "R008"),
    ],
)
def test_metric_types_check_what_they_combine(spec: str, code: str) -> None:
    assert [c for c, _ in codes(lint(sales__a=f"metrics:\n  x: {{{spec}, {META}}}\n"))] == [code]


def test_the_time_column_must_be_declared_and_a_date_or_timestamp() -> None:
    result = lint(
        sales__a=f"""metrics:
  a: {{type: atomic, source: orders, agg: count, time: shipped_at, {META}}}
  b: {{type: atomic, source: orders, agg: count, time: status, {META}}}
"""
    )
    assert codes(result) == [("R005", 2), ("S003", 3)]


def test_columns_are_matched_case_insensitively() -> None:
    metric = f"{{type: atomic, source: orders, agg: sum, expr: Amount, time: PAID_AT, {META}}}"
    result = lint(sales__a=f"metrics:\n  a: {metric}\n")
    assert result.ok


def test_star_is_only_the_whole_expr_of_a_count() -> None:
    result = lint(
        sales__a=f"""metrics:
  a: {{type: atomic, source: orders, agg: count, expr: '*', {META}}}
  b: {{type: atomic, source: orders, agg: sum, expr: '*', {META}}}
"""
    )
    assert codes(result) == [("Q003", 3)]


def test_sources_without_columns_are_accepted_with_a_warning_and_expressions_unchecked() -> None:
    result = lint(
        sales__a=f"""sources:
  raw: {{table: dw.raw}}
metrics:
  a: {{type: atomic, source: raw, agg: sum, expr: anything, {META}}}
"""
    )
    assert codes(result) == [("W001", 2)] and result.ok
    assert "sales.a" in result.catalog.metrics


def test_a_deprecated_metric_warns_but_stays_usable() -> None:
    result = lint(
        sales__a=f"metrics:\n  a: {{type: atomic, source: orders, agg: count, status: deprecated, {META}}}\n"
    )
    assert codes(result) == [("W002", 2)] and result.ok and "sales.a" in result.catalog.metrics


def test_listed_dimensions_must_be_reachable_from_every_source_the_metric_reads() -> None:
    result = lint(
        sales__a=f"""metrics:
  per_lead:
    {{type: ratio, numerator: leads_created, denominator: gmv, dimensions: [channel, lead_source], {META}}}
  on_top: {{type: derived, expr: per_lead * 2, {META}}}
"""
    )
    assert codes(result) == [("J002", 3)]
    assert "common.orders and common.leads" in result.issues[0].message
    assert not {"sales.per_lead", "sales.on_top"} & set(result.catalog.metrics)


def test_duplicates_in_a_namespace_are_reported_at_the_second_definition() -> None:
    result = lint(finance__dup=f"metrics:\n  gmv: {{type: atomic, source: orders, agg: count, {META}}}\n")
    assert codes(result) == [("S006", 2)]
    assert "finance/metrics.yaml:" in result.issues[0].message


def test_window_parsing() -> None:
    assert m.Window.parse("14 days") == m.Window(14, "day")
    assert m.Window.parse(" 1 Month ") == m.Window(1, "month")
    assert str(m.Window(1, "week")) == "1 week" and str(m.Window(3, "week")) == "3 weeks"
    assert m.Window.parse("0 days") is None and m.Window.parse("soon") is None


def test_a_metric_with_an_unknown_override_target_takes_its_dependents_out_too() -> None:
    result = lint(
        sales__a=f"""metrics:
  a: {{type: atomic, source: orders, agg: count, overrides: {{metric: nope, reason: why}}, {META}}}
  b: {{type: ratio, numerator: a, denominator: gmv, {META}}}
"""
    )
    assert codes(result) == [("R003", 2)]
    assert not {"sales.a", "sales.b"} & set(result.catalog.metrics)
