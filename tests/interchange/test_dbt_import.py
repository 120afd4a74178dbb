"""`caliber import dbt`: MetricFlow's YAML in, lint-clean Caliber definitions and a coded report out."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from catalog.cli import app
from catalog.interchange.dbt_import import import_dbt_path, import_dbt_texts
from catalog.interchange.dbt_templates import TemplateError, split_templates
from catalog.interchange.report import REASONS
from catalog.lint import lint_paths
from tests.interchange.shop import EXTENDED_DATE, SHOP

ORDERS = """
semantic_model:
  name: orders
  node_relation: {schema_name: dw, alias: fact_orders}
  defaults: {agg_time_dimension: paid_at}
  entities:
    - {name: order, type: primary, expr: order_id}
    - {name: user, type: foreign, expr: user_id}
  dimensions:
    - {name: status, type: categorical}
    - {name: paid_at, type: time, type_params: {time_granularity: day}}
  measures:
    - {name: amount, agg: sum}
    - {name: amount_p50, agg: median, expr: amount}
"""


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", "dbt", *map(str, args)])
    return result.exit_code, result.output


def findings(result) -> set[tuple[str, str, str]]:
    return {(f.code, f.name, f.status) for f in result.report.findings}


def test_every_metricflow_metric_type_becomes_the_caliber_type_of_the_same_meaning():
    metrics = import_dbt_path(SHOP).definitions["metrics"]
    revenue = metrics["revenue"]
    assert (revenue["type"], revenue["source"], revenue["agg"], revenue["expr"]) == (
        "atomic",
        "orders",
        "sum",
        "amount",
    )
    assert metrics["order_value_avg"]["agg"] == "avg"
    assert metrics["gift_orders"]["expr"] == "CAST(is_gift AS INTEGER)"  # sum_boolean, as MetricFlow sums it
    ratio = metrics["revenue_per_order"]
    assert (ratio["type"], ratio["numerator"], ratio["denominator"]) == ("ratio", "revenue", "order_count")
    assert metrics["unpaid_revenue"]["expr"] == "revenue - paid_revenue"  # the alias resolved
    assert metrics["revenue_7d"]["type"] == "cumulative" and metrics["revenue_7d"]["window"] == "7 days"
    assert "window" not in metrics["revenue_running"]
    rate, count = metrics["visit_to_order_7d"], metrics["visit_to_order_7d_count"]
    assert (rate["type"], rate["entity"], rate["window"], rate.get("calculation")) == (
        "conversion",
        "customer",
        "7 days",
        None,
    )
    assert (
        count["calculation"] == "count" and count["base"] == rate["base"] == "visits"
    )  # the simple metric over the measure


def test_each_filter_template_becomes_sql_over_the_metric_s_own_source():
    metrics = import_dbt_path(SHOP).definitions["metrics"]
    assert metrics["paid_revenue"]["filter"] == "status = 'paid'"
    assert metrics["orders_with_customer"]["filter"] == "customer_id IS NOT NULL"
    assert metrics["early_orders"]["filter"] == "CAST(ordered_at AS DATE) < '2024-01-03'"
    assert metrics["paid_gift_orders"]["filter"] == "(status = 'paid') AND (is_gift)"


def test_a_filtered_input_reuses_the_simple_metric_with_the_same_filter():
    metrics = import_dbt_path(SHOP).definitions["metrics"]
    assert metrics["paid_share"]["numerator"] == "paid_revenue"
    assert "paid_revenue_input" not in metrics


def test_dimensions_are_named_as_metricflow_addresses_them():
    dimensions = import_dbt_path(SHOP).definitions["dimensions"]
    assert dimensions["customer__region"] == {
        "source": "customers",
        "expr": "region",
        "label": {"en": "Sales region", "zh": "Sales region"},
    }
    assert dimensions["order__ordered_at"]["type"] == "time"


def test_untranslatable_metrics_are_reported_with_file_and_reason():
    result = import_dbt_path(SHOP)
    assert {
        ("unsupported_agg", "order_value_p90", "skipped"),
        ("offset_window", "revenue_last_week", "skipped"),
        ("filter_outside_source", "north_revenue", "skipped"),
        ("filter_metric", "revenue_of_repeat_buyers", "skipped"),
        ("depends_on_untranslated", "p90_share", "skipped"),
        ("cumulative_all_time", "revenue_running", "partial"),
    } <= findings(result)
    assert all(f.file == "models/metrics.yml" for f in result.report.findings if f.kind == "metric")
    skipped = {
        "order_value_p90",
        "revenue_last_week",
        "north_revenue",
        "revenue_of_repeat_buyers",
        "p90_share",
    }
    assert skipped.isdisjoint(result.definitions["metrics"])
    assert result.report.metric_outcomes() == {"translated": 19, "partial": 1, "skipped": 5}


def test_the_command_writes_definitions_that_pass_lint(tmp_path: Path):
    code, output = run(SHOP, "--out", tmp_path)
    assert code == 0, output
    assert sorted(p.name for p in (tmp_path / "shop").iterdir()) == [
        "dimensions.yaml",
        "metrics.yaml",
        "sources.yaml",
    ]
    result = lint_paths([tmp_path / "shop"])
    assert result.issues == ()
    assert len(result.catalog.metrics) == 20
    assert "offset_window metric revenue_last_week (skipped)" in output
    assert output.rstrip().endswith("metrics 19 translated, 1 partly, 5 not translated")


def test_the_report_as_json_has_counts_and_each_finding(tmp_path: Path):
    code, output = run(SHOP, "--out", tmp_path, "--format", "json", "--namespace", "store")
    report = json.loads(output)
    assert code == 0 and (tmp_path / "store" / "metrics.yaml").exists()
    assert report["metrics"] == {"translated": 19, "partial": 1, "skipped": 5}
    assert {
        "code": "filter_metric",
        "kind": "metric",
        "name": "revenue_of_repeat_buyers",
        "file": "models/metrics.yml",
        "message": "filter on metric 'order_count'",
        "status": "skipped",
    } in report["findings"]


def test_strict_fails_when_anything_was_left_out(tmp_path: Path):
    assert run(SHOP, "--out", tmp_path, "--strict")[0] == 1


def test_existing_files_are_not_overwritten_and_nothing_is_written(tmp_path: Path):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "metrics.yaml").write_text("metrics: {}\n", "utf-8")
    code, output = run(SHOP, "--out", tmp_path)
    assert code == 2 and "pass --force" in output
    assert sorted(p.name for p in (tmp_path / "shop").iterdir()) == ["metrics.yaml"]
    assert run(SHOP, "--out", tmp_path, "--force")[0] == 0


def test_a_missing_path_is_a_usage_error(tmp_path: Path):
    code, output = run(tmp_path / "nope", "--out", tmp_path)
    assert code == 2 and "no such file or folder" in output


def test_bad_yaml_is_a_coded_finding_not_a_traceback():
    result = import_dbt_texts(
        {"broken.yml": "metrics: [\n", "tagged.yml": "metric: !!python/object x"}, "shop"
    )
    assert {(f.code, f.file) for f in result.report.findings} == {
        ("bad_yaml", "broken.yml"),
        ("bad_yaml", "tagged.yml"),
    }


def test_unknown_types_unresolved_references_and_bad_shapes_are_findings():
    metrics = """
metrics:
  - {name: odd, type: weird, type_params: {}}
  - {name: lost, type: simple, type_params: {measure: nowhere}}
  - {name: p50, type: simple, type_params: {measure: amount_p50}}
  - {name: half, type: ratio, type_params: {numerator: lost, denominator: ghost}}
  - {type: simple}
  - {name: bad_filter, type: simple, type_params: {measure: amount}, filter: "{{ Dimension( }}"}
  - {name: grain, type: simple, type_params: {measure: amount},
     filter: "{{ TimeDimension('order__paid_at', 'month') }} = '2024-01-01'"}
  - {name: sneaky, type: simple, type_params: {measure: amount}, filter: "status = (SELECT 1)"}
"""
    result = import_dbt_texts({"orders.yml": ORDERS, "metrics.yml": metrics}, "shop")
    assert findings(result) >= {
        ("unknown_metric_type", "odd", "skipped"),
        ("unresolved_reference", "lost", "skipped"),
        ("unsupported_agg", "p50", "skipped"),
        ("depends_on_untranslated", "half", "skipped"),
        ("invalid_definition", "?", "skipped"),
        ("filter_syntax", "bad_filter", "skipped"),
        ("filter_time_grain", "grain", "skipped"),
        ("expression_not_allowed", "sneaky", "skipped"),
    }
    assert result.definitions["metrics"] == {}


def test_a_cycle_among_derived_metrics_is_reported_once_per_metric():
    metrics = """
metrics:
  - {name: a, type: derived, type_params: {expr: b + 1, metrics: [{name: b}]}}
  - {name: b, type: derived, type_params: {expr: a + 1, metrics: [{name: a}]}}
"""
    result = import_dbt_texts({"orders.yml": ORDERS, "metrics.yml": metrics}, "shop")
    assert ("invalid_definition", "a", "skipped") in findings(result)
    assert result.definitions["metrics"] == {}


def test_metricflow_s_own_manifest_imports_with_its_caveats():
    result = import_dbt_path(EXTENDED_DATE, "extended_date")
    assert findings(result) == {
        ("offset_window", "bookings_last_month", "skipped"),
        ("cumulative_period_agg", "weekly_bookers", "partial"),
        ("cumulative_period_agg", "trailing_3_months_bookings", "partial"),
        # MetricFlow's test tables live in `$source_schema`, a template its test harness fills in.
        ("schema_assumed", "listings_extended_source", "partial"),
        ("schema_assumed", "extended_bookings_source", "partial"),
        ("schema_assumed", "monthly_bookings_source", "partial"),
    }
    metrics = result.definitions["metrics"]
    assert metrics["trailing_3_months_bookings"]["window"] == "3 months"
    assert metrics["bookings_monthly"]["source"] == "monthly_bookings_source"  # from create_metric: true
    # A semantic model named only by `primary_entity` still names its dimensions after it.
    assert "booking_monthly__ds" in result.definitions["dimensions"]


def test_templates_are_read_without_running_jinja():
    sql, found = split_templates(
        "{{ Dimension('listing__user__country', entity_path=['booking']) }} = 'US' "
        "AND {{ Dimension('booking__ds').grain('week') }} > '2024-01-01' AND {{ Entity('user') }} = 1"
    )
    assert sql == "__tpl_0__ = 'US' AND __tpl_1__ > '2024-01-01' AND __tpl_2__ = 1"
    assert [(t.kind, t.path, t.name, t.grain) for t in found] == [
        ("Dimension", ("booking", "listing", "user"), "country", None),
        ("Dimension", ("booking",), "ds", "week"),
        ("Entity", (), "user", None),
    ]


def test_a_template_that_is_not_one_of_metricflow_s_is_refused():
    for text in (
        "{{ __import__('os').system('x') }}",
        "{{ Dimension(name) }}",
        "{{ Dimension('x').date_part('y') }}",
    ):
        try:
            split_templates(text)
        except TemplateError:
            continue
        raise AssertionError(f"{text} was accepted")


def test_the_reason_codes_are_the_ones_docs_interchange_md_lists():
    docs = (Path(__file__).parent.parent.parent / "docs" / "interchange.md").read_text("utf-8")
    table = docs.split("## Reason codes", 1)[1]
    listed = {
        line.split("|")[1].strip().strip("`"): line.split("|", 2)[2].rsplit("|", 1)[0].strip()
        for line in table.splitlines()
        if line.startswith("| `")
    }
    assert listed == REASONS


def test_a_namespace_cannot_lead_the_files_out_of_the_output_folder(tmp_path: Path):
    out = tmp_path / "out"
    code, _ = run(SHOP, "--out", out, "--namespace", "../../escape")
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["escape"]
    assert not (tmp_path / "escape").exists()


def test_a_clash_with_definitions_already_in_the_output_folder_is_reported(tmp_path: Path):
    existing = tmp_path / "finance"
    existing.mkdir()
    (existing / "defs.yaml").write_text(
        """
sources:
  ledger: {table: dw.ledger, columns: {amount: decimal, booked_at: timestamp}, time: booked_at}
metrics:
  revenue:
    type: atomic
    source: ledger
    agg: sum
    expr: amount
    label: {en: Revenue, zh: 收入}
    description: Booked revenue.
    stage: revenue
    owner: finance
""",
        "utf-8",
    )
    code, output = run(SHOP, "--out", tmp_path, "--format", "json")
    report = json.loads(output)
    assert code == 1
    assert any(f["code"] == "lint" and f["name"] == "C001" for f in report["findings"])
    assert all(
        f["file"].startswith(str(tmp_path / "shop")) for f in report["findings"] if f["code"] == "lint"
    )
