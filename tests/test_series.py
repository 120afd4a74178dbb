"""A metric's default series (`catalog.series`): by month, or its total when it has no time column."""

from __future__ import annotations

from catalog.compile import compile_query
from catalog.lint import lint_texts
from catalog.series import series_query

META = "label: {en: X, zh: 叉}, description: d, stage: revenue, owner: t"
FILES = {
    "shop/a.yaml": f"""
sources:
  orders: {{table: dw.orders, time: at, columns: {{v: integer, at: timestamp}}}}
  targets: {{table: dw.targets, columns: {{v: integer}}}}
metrics:
  sales: {{type: atomic, source: orders, agg: sum, expr: v, {META}}}
  target: {{type: atomic, source: targets, agg: sum, expr: v, {META}}}
  attainment: {{type: ratio, numerator: sales, denominator: target, {META}}}
""",
}


def test_a_metric_with_a_time_column_is_shown_by_month_newest_first_when_asked() -> None:
    catalog = lint_texts(FILES).catalog
    query = series_query(catalog, catalog.metrics["shop.sales"], newest=12)
    assert (query.grain, query.order_by, query.limit, query.dialect) == (
        "month",
        ["-metric_time"],
        12,
        "duckdb",
    )
    assert compile_query(query, catalog).columns == ("metric_time", "sales")


def test_a_metric_without_a_time_column_anywhere_below_it_is_shown_as_its_total() -> None:
    catalog = lint_texts(FILES).catalog
    for key in ("shop.target", "shop.attainment"):
        query = series_query(catalog, catalog.metrics[key], dialect="hive")
        assert (query.grain, query.order_by, query.limit, query.dialect) == (None, [], None, "hive")
        assert compile_query(query, catalog).columns == (key.split(".")[1],)


def test_a_past_version_is_asked_by_its_label_and_judged_by_its_own_definition() -> None:
    catalog = lint_texts(FILES).catalog
    # As if version 1 of `target` had read the orders (which have a time column).
    version_1 = catalog.metrics["shop.sales"]
    query = series_query(catalog, version_1, "shop.target@1")
    assert query.metrics == ["shop.target@1"] and query.grain == "month"
