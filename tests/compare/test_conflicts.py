"""catalog/compare/conflicts.py: same name or label with another caliber, one caliber twice, standards win."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.compare.conflicts import (
    Finding,
    find_conflicts,
    findings_for,
    findings_of_metric,
    normalise_label,
)
from catalog.lint import lint_paths

from .conftest import metric

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "conflicts"
LIBRARY = Path(__file__).resolve().parents[2] / "metric_defs"
PAID = "filter: \"status IN ('paid', 'refunded')\""
BUYERS = f"type: atomic, source: orders, agg: count_distinct, expr: user_id, {PAID}"
ALL_BUYERS = "type: atomic, source: orders, agg: count_distinct, expr: user_id"


Row = tuple[str, frozenset[str], tuple[tuple[str, str, str | None, str | None], ...]]


def _summary(findings: list[Finding]) -> set[Row]:
    return {
        (
            f.kind,
            frozenset((f.left, f.right)),
            tuple((d.part, d.aspect, d.left, d.right) for d in f.differences),
        )
        for f in findings
    }


# -- the team-level fixture: each deliberate conflict is found and explained ---------------------------------
@pytest.fixture(scope="module")
def fixture_findings() -> list[Finding]:
    result = lint_paths([FIXTURE])
    assert not [i for i in result.errors if not i.code.startswith("C")]
    return find_conflicts(result.catalog)


def test_marketing_active_users_count_app_opens_not_lessons(fixture_findings: list[Finding]) -> None:
    assert (
        "standard_override_missing",
        frozenset({"growth.active_users", "marketing.active_users"}),
        (
            ("", "source table", "dw.fact_lessons", "dw.fact_app_events"),
            ("", "filter", "attended", None),
            ("", "filter", None, "event_name = 'app_open'"),
            ("", "time column", "scheduled_at", "event_time"),
        ),
    ) in _summary(fixture_findings)


def test_ops_paying_users_count_every_order_on_creation_time(fixture_findings: list[Finding]) -> None:
    assert (
        "standard_override_missing",
        frozenset({"finance.paying_users", "ops.paying_users"}),
        (
            ("", "filter", "status IN ('paid', 'refunded')", None),
            ("", "time column", "paid_at", "created_at"),
        ),
    ) in _summary(fixture_findings)


def test_bi_gmv_is_on_order_creation_time(fixture_findings: list[Finding]) -> None:
    found = next(f for f in fixture_findings if f.right == "bi.gmv")
    assert (found.kind, found.left, found.reasons) == (
        "standard_override_missing",
        "finance.gmv",
        ("name", "label_en", "label_zh"),
    )
    assert [(d.aspect, d.left, d.right) for d in found.differences] == [
        ("time column", "paid_at", "created_at")
    ]
    assert "time column `paid_at` vs `created_at`" in found.message
    assert "时间字段" in found.message_zh
    assert "overrides: {metric: finance.gmv" in found.hint


def test_ops_refund_rate_is_count_weighted(fixture_findings: list[Finding]) -> None:
    assert (
        "conflict",
        frozenset({"finance.refund_rate", "ops.refund_rate"}),
        (
            ("numerator", "aggregation", "sum", "count"),
            ("numerator", "expression", "amount", "*"),
            ("denominator", "aggregation", "sum", "count"),
            ("denominator", "expression", "amount", "*"),
        ),
    ) in _summary(fixture_findings)


def test_active_learners_differ_by_name_and_by_label(fixture_findings: list[Finding]) -> None:
    summary = _summary(fixture_findings)
    assert (
        "conflict",
        frozenset({"ops.active_learners", "teaching.active_learners"}),
        (("", "filter", None, "attended"),),
    ) in summary
    by_label = next(
        f
        for f in fixture_findings
        if {f.left, f.right} == {"bi.learners_in_class", "teaching.active_learners"}
    )
    assert (by_label.kind, by_label.reasons) == ("conflict", ("label_en", "label_zh"))


def test_duplicates_are_found_with_a_hint_to_reuse(fixture_findings: list[Finding]) -> None:
    duplicates = {(f.left, f.right): f for f in fixture_findings if f.kind == "duplicate"}
    assert set(duplicates) == {
        ("finance.gmv", "bi.paid_amount"),
        ("growth.app_opens", "marketing.app_launches"),
        ("growth.active_users", "bi.learners_in_class"),
    }
    assert (
        duplicates[("finance.gmv", "bi.paid_amount")].hint
        == "reuse finance.gmv instead of defining the same caliber again"
    )
    assert all(not f.differences for f in duplicates.values())


def test_a_declared_override_is_not_a_conflict(fixture_findings: list[Finding]) -> None:
    assert not [f for f in fixture_findings if "bi.arppu" in (f.left, f.right)]
    assert len(fixture_findings) == 10


def test_the_standard_library_is_clean() -> None:
    result = lint_paths([LIBRARY])
    assert result.catalog.metrics
    assert find_conflicts(result.catalog) == []


# -- rules ---------------------------------------------------------------------------------------------------
def test_labels_compare_after_width_case_and_space_folding(build) -> None:
    assert normalise_label("Ｐａｙｉｎｇ  Users") == normalise_label("paying users") == "payingusers"
    assert normalise_label("付费 用户数") == normalise_label("付费用户数")
    catalog = build(
        a=[metric("buyers", BUYERS, en="Paying users")],
        b=[metric("customers", ALL_BUYERS, en="ＰＡＹＩＮＧ　ＵＳＥＲＳ")],
    )
    assert [(f.kind, f.reasons) for f in find_conflicts(catalog)] == [("conflict", ("label_en",))]


def test_chinese_labels_alone_make_a_conflict(build) -> None:
    catalog = build(
        a=[metric("buyers", BUYERS, zh="付费用户数")], b=[metric("customers", ALL_BUYERS, zh="付费 用户数")]
    )
    assert [(f.kind, f.reasons) for f in find_conflicts(catalog)] == [("conflict", ("label_zh",))]


def test_same_label_in_one_namespace_is_not_a_team_conflict(build) -> None:
    catalog = build(a=[metric("buyers", BUYERS, en="Buyers"), metric("all_buyers", ALL_BUYERS, en="Buyers")])
    assert find_conflicts(catalog) == []


def test_a_standard_binds_its_own_namespace_too(build) -> None:
    catalog = build(
        a=[
            metric("buyers", BUYERS, en="Buyers", extra=", standard: true"),
            metric("all_buyers", ALL_BUYERS, en="Buyers"),
        ]
    )
    assert [(f.kind, f.left, f.right) for f in find_conflicts(catalog)] == [
        ("standard_override_missing", "a.buyers", "a.all_buyers")
    ]


def test_a_valid_override_settles_the_pair(build) -> None:
    override = ", overrides: {metric: a.buyers, reason: ops counts every order}"
    catalog = build(
        a=[metric("buyers", BUYERS, extra=", standard: true")],
        b=[metric("buyers", ALL_BUYERS, extra=override)],
    )
    assert find_conflicts(catalog) == []


def test_overriding_a_metric_that_is_not_standard_is_invalid(build) -> None:
    override = ", overrides: {metric: a.buyers, reason: ops counts every order}"
    catalog = build(a=[metric("buyers", BUYERS)], b=[metric("buyers", ALL_BUYERS, extra=override)])
    assert [(f.kind, f.left, f.right) for f in find_conflicts(catalog)] == [
        ("conflict", "a.buyers", "b.buyers"),
        ("override_invalid", "a.buyers", "b.buyers"),
    ]


def test_two_standards_that_differ_conflict(build) -> None:
    catalog = build(
        a=[metric("buyers", BUYERS, extra=", standard: true")],
        b=[metric("buyers", ALL_BUYERS, extra=", standard: true")],
    )
    assert [f.kind for f in find_conflicts(catalog)] == ["conflict"]


def test_same_name_same_caliber_is_a_duplicate_once(build) -> None:
    catalog = build(a=[metric("buyers", BUYERS)], b=[metric("buyers", BUYERS)])
    assert [(f.kind, f.reasons) for f in find_conflicts(catalog)] == [
        ("duplicate", ("name", "label_en", "label_zh", "same caliber"))
    ]


def test_deprecated_metrics_are_not_reported_as_duplicates(build) -> None:
    catalog = build(
        a=[metric("buyers", BUYERS), metric("old_buyers", BUYERS, extra=", status: deprecated")],
        b=[metric("buyers", BUYERS, extra=", status: deprecated")],
    )
    assert find_conflicts(catalog) == []


def test_each_member_is_compared_with_one_anchor_not_with_every_other(build) -> None:
    namespaces = {
        f"team{i:03}": [metric("buyers", f'{ALL_BUYERS}, filter: "order_id > {i}"')] for i in range(120)
    }
    findings = find_conflicts(build(**namespaces))
    assert len(findings) == 119
    assert {f.left for f in findings} == {"team000.buyers"}


def test_findings_of_one_metric_and_json(build) -> None:
    catalog = build(a=[metric("buyers", BUYERS)], b=[metric("buyers", ALL_BUYERS)], c=[metric("gmv", BUYERS)])
    every = findings_for(catalog)
    assert [f.kind for f in findings_of_metric(catalog, "b.buyers")] == ["conflict"]
    assert findings_of_metric(catalog, "c.gmv", every) == [f for f in every if f.kind == "duplicate"]
    doc = json.loads(json.dumps([f.as_dict() for f in every], ensure_ascii=False))
    assert doc[0]["left_location"] == {"file": "a/m.yaml", "line": 2, "col": 3}
    assert doc[0]["differences"] == [
        {"aspect": "filter", "part": "", "right": None, "left": "status IN ('paid', 'refunded')"}
    ]
