"""catalog/compare/canonical.py: what a metric computes, independent of how it was written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from catalog.compare.canonical import Canonicalizer, canonical_form

from .conftest import metric

PAID = "filter: \"status IN ('paid', 'refunded')\""


def test_atomic_form_names_the_physical_table_and_the_default_time(build) -> None:
    catalog = build(finance=[metric("gmv", f"type: atomic, source: orders, agg: sum, expr: Amount, {PAID}")])
    form = canonical_form("finance.gmv", catalog)
    assert (form.kind, form.table, form.agg, form.expr, form.time) == (
        "atomic",
        "dw.fact_orders",
        "sum",
        "amount",
        "created_at",
    )
    assert form.filter == {"status IN ('paid', 'refunded')", "amount IS NOT NULL"}
    assert form.implied == {"amount IS NOT NULL"}
    assert form.describe() == (
        "SUM(amount) FROM dw.fact_orders WHERE amount IS NOT NULL AND "
        "status IN ('paid', 'refunded') BY created_at"
    )


def test_counting_a_primary_key_is_counting_rows(build) -> None:
    on_orders = "type: atomic, source: orders"
    catalog = build(
        a=[
            metric("rows", f"{on_orders}, agg: count"),
            metric("keys", f"{on_orders}, agg: count, expr: order_id"),
            metric("distinct_keys", f"{on_orders}, agg: count_distinct, expr: order_id"),
            metric("users", f"{on_orders}, agg: count_distinct, expr: user_id"),
        ]
    )
    forms = Canonicalizer(catalog)
    assert forms("a.rows") == forms("a.keys") == forms("a.distinct_keys")
    assert forms("a.users").agg == "count_distinct"


def test_ratio_and_derived_become_one_formula_over_atomic_leaves(build) -> None:
    catalog = build(
        f=[
            metric("gmv", f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}"),
            metric("buyers", f"type: atomic, source: orders, agg: count_distinct, expr: user_id, {PAID}"),
            metric("arppu", "type: ratio, numerator: gmv, denominator: buyers"),
            metric("arppu_derived", "type: derived, expr: gmv / buyers"),
        ]
    )
    forms = Canonicalizer(catalog)
    gmv, buyers, ratio = forms("f.gmv"), forms("f.buyers"), forms("f.arppu")
    assert ratio.formula == f"{gmv.placeholder} / {buyers.placeholder}"
    assert ratio.fingerprint == forms("f.arppu_derived").fingerprint
    assert ratio.leaves() == tuple(sorted((gmv, buyers), key=lambda f: f.fingerprint))
    assert [role for role, _ in ratio.parts] == ["numerator", "denominator"]


def test_entities_compare_as_the_columns_they_are_on(build) -> None:
    visits = "type: atomic, source: events, agg: count, filter: \"event_name = 'visit'\""
    buys = "type: atomic, source: events, agg: count, filter: \"event_name = 'buy'\""
    conversion = "type: conversion, base: visits, conversion: buys"
    catalog = build(
        g=[
            metric("visits", visits),
            metric("buys", buys),
            metric("by_user", f"{conversion}, entity: user, window: 7 days"),
            metric("by_member", f"{conversion}, entity: member, window: 7 days"),
            metric("in_14", f"{conversion}, entity: user, window: 14 days"),
        ]
    )
    forms = Canonicalizer(catalog)
    assert forms("g.by_user") == forms("g.by_member")
    assert dict(forms("g.by_user").params)["entity"] == "dw.fact_app_events.user_id"
    assert forms("g.by_user").fingerprint != forms("g.in_14").fingerprint


def test_other_types_keep_their_parameters_and_parts(build) -> None:
    visits = "type: atomic, source: events, agg: count"
    catalog = build(
        g=[
            metric("visits", visits),
            metric("funnel", "type: funnel, entity: user, steps: [visits, visits], window: 3 days"),
            metric(
                "retention", "type: retention, entity: user, cohort: visits, activity: visits, offset: 1 week"
            ),
            metric("pop", "type: period_over_period, metric: visits, compare_to: previous_year"),
            metric("running", "type: cumulative, metric: visits"),
        ]
    )
    forms = Canonicalizer(catalog)
    assert [r for r, _ in forms("g.funnel").parts] == ["step 1", "step 2"]
    assert dict(forms("g.retention").params) == {"entity": "dw.fact_app_events.user_id", "offset": "1 week"}
    assert dict(forms("g.pop").params) == {"compare_to": "previous_year", "calculation": "growth"}
    assert dict(forms("g.running").params) == {"window": "all time"}
    assert forms("g.running").leaves() == (forms("g.visits"),)


def test_fingerprint_is_stable_across_processes(build) -> None:
    catalog = build(finance=[metric("gmv", f"type: atomic, source: orders, agg: sum, expr: amount, {PAID}")])
    here = canonical_form("finance.gmv", catalog).fingerprint
    script = (
        "from catalog.compare.canonical import canonical_form\n"
        "from tests.compare.conftest import SOURCES, metric\n"
        "from tests.compare.test_canonical import PAID\n"
        "from catalog.lint import lint_texts\n"
        "body = 'type: atomic, source: orders, agg: sum, expr: amount, ' + PAID\n"
        "files = {'common/s.yaml': SOURCES, 'finance/m.yaml': 'metrics:\\n' + metric('gmv', body)}\n"
        "print(canonical_form('finance.gmv', lint_texts(files).catalog).fingerprint)\n"
    )
    there = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.strip()
    assert len(here) == 64 and there == here
