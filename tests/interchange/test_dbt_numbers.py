"""Metrics imported from the hand-written dbt project compile and give hand-computed rows on DuckDB."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from bench.rows import same_rows
from catalog.compile import compile_query
from catalog.interchange.dbt_import import import_dbt_path
from catalog.interchange.files import write_files
from catalog.lint import lint_paths
from catalog.model import Catalog
from tests.interchange.shop import SHOP, warehouse

con = pytest.fixture(scope="module")(warehouse)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    out = tmp_path_factory.mktemp("shop")
    # dbt-duckdb builds models into `main`, where the fixture's tables are.
    write_files(out, import_dbt_path(SHOP, schema="main").files())
    result = lint_paths([out / "shop"])
    assert result.errors == ()
    return result.catalog


def rows(con: duckdb.DuckDBPyConnection, catalog: Catalog, **query: Any) -> list[tuple[Any, ...]]:
    return con.execute(compile_query(query, catalog, cache=False).sql).fetchall()


def check(actual: list[tuple[Any, ...]], expected: list[tuple[Any, ...]]) -> None:
    outcome = same_rows(actual, expected)
    assert outcome.ok, outcome.detail


def test_simple_metrics_with_every_aggregation_and_filter_template_give_the_totals(con, catalog):
    metrics = [
        "revenue",
        "order_count",
        "gift_orders",
        "buyers",
        "order_value_avg",
        "order_value_max",
        "order_value_min",
        "paid_revenue",
        "orders_with_customer",
        "early_orders",
        "paid_gift_orders",
    ]
    check(rows(con, catalog, metrics=metrics), [(270, 5, 2, 3, 54.0, 100, 20, 150, 4, 2, 2)])


def test_ratio_and_derived_metrics_give_the_totals(con, catalog):
    check(
        rows(con, catalog, metrics=["revenue_per_order", "paid_share", "unpaid_revenue"]),
        [(54.0, 150 / 270, 120)],
    )


def test_a_joined_dimension_slices_by_the_entity_the_dbt_model_declares(con, catalog):
    check(
        rows(con, catalog, metrics=["revenue", "order_count", "buyers"], dimensions=["customer__region"]),
        [("north", 220, 3, 2), ("south", 30, 1, 1), (None, 20, 1, 0)],
    )


def test_a_filtered_ratio_input_keeps_its_filter_inside_the_numerator(con, catalog):
    check(
        rows(con, catalog, metrics=["revenue", "paid_share"], dimensions=["order__status"]),
        [("paid", 150, 1.0), ("refunded", 50, None), ("open", 70, None)],
    )


def test_a_query_filter_on_an_imported_dimension(con, catalog):
    check(
        rows(
            con,
            catalog,
            metrics=["revenue"],
            dimensions=["order__status"],
            where="customer__region = 'north'",
        ),
        [("paid", 100), ("refunded", 50), ("open", 70)],
    )


def test_cumulative_metrics_by_day(con, catalog):
    days = [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 4), date(2024, 1, 9)]
    check(
        rows(con, catalog, metrics=["revenue_7d", "revenue_running"], grain="day"),
        list(zip(days, [100, 150, 180, 120], [100, 150, 180, 270], strict=True)),
    )


def test_conversion_rate_and_count_by_first_visit_month(con, catalog):
    # c1 first visits 12-31 09:00 and orders 01-01; c2 visits 01-01, orders 01-04; c3 visits 01-02 12:00
    # and orders 01-09 18:00, six hours after its 7-day window closed.
    check(
        rows(con, catalog, metrics=["visit_to_order_7d", "visit_to_order_7d_count"], grain="month"),
        [(date(2023, 12, 1), 1.0, 1), (date(2024, 1, 1), 0.5, 1)],
    )


def test_metrics_of_the_other_semantic_models(con, catalog):
    check(
        rows(con, catalog, metrics=["customers"], dimensions=["customer__region"]),
        [("north", 2), ("south", 1)],
    )
    check(rows(con, catalog, metrics=["visits"], dimensions=["visit__channel"]), [("ads", 2), ("seo", 2)])


def test_tables_come_from_node_relation_or_the_ref_d_model_name():
    result = import_dbt_path(SHOP)
    tables = {name: source["table"] for name, source in result.definitions["sources"].items()}
    # A ref()'d model has no schema in the YAML: it goes into --schema (default analytics), reported.
    assert tables == {
        "customers": "analytics.customers",
        "orders": "main.orders",
        "visits": "analytics.visits",
    }
    assumed = {f.name for f in result.report.findings if f.code == "schema_assumed"}
    assert assumed == {"customers", "visits"}
    in_main = import_dbt_path(SHOP, schema="main").definitions["sources"]
    assert {name: source["table"] for name, source in in_main.items()}["customers"] == "main.customers"
