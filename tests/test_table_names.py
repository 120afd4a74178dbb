"""A source's `table:` names a warehouse table, never a file, a table function or the warehouse's own catalog.

DuckDB reads `FROM "data"."json"` as the file `data.json` and resolves a bare `pg_settings` to its settings
view, so lint accepts only plain `[catalog.]schema.table` names outside the system schemas (S008).
"""

from __future__ import annotations

import pytest

from catalog.lint import lint_texts
from catalog.table_names import table_problem

GOOD = [
    "dw.fact_orders",
    "DW.Fact_Orders",
    "warehouse.dw.fact_orders",
    "_stage.t1",
    "mart.orders_2024",
    "main.orders",
]

BAD = [
    "/tmp/x.csv",
    "data.json",
    "dw.events.parquet",
    "dw.events.csv.gz",
    "read_csv('x')",
    "'s3://bucket/x.parquet'",
    "s3://bucket/x.parquet",
    "https://example.com/x.csv",
    "~/x.csv",
    "information_schema.tables",
    "INFORMATION_SCHEMA.TABLES",
    "pg_catalog.pg_settings",
    "system.pg_catalog.pg_settings",
    "system.main.orders",
    "mysql.user",
    "performance_schema.threads",
    "sys.objects",
    "pg_toast.pg_toast_2619",
    "main.duckdb_settings",
    "main.duckdb_tables",
    "main.sqlite_master",
    "main.pragma_database_list",
    "pg_settings",
    "orders",
    "a.b.c.d",
    '"dw"."orders"',
    "`dw`.`orders`",
    "[dw].[orders]",
    '"dw.orders"',
    "dw..orders",
    ".dw.orders",
    "dw.orders.",
    "dw.1orders",
    "dw.or-ders",
    "dw.orders; DROP TABLE x",
    "dw.orders --",
    "dw. orders",
    "dw.ördérs",
    "dw.orders\n",
]


@pytest.mark.parametrize("table", GOOD)
def test_a_plain_schema_qualified_name_is_a_table(table: str) -> None:
    assert table_problem(table) is None


@pytest.mark.parametrize("table", BAD)
def test_anything_else_is_not_a_table(table: str) -> None:
    found = table_problem(table)
    assert found is not None
    assert found.message and found.hint


def test_a_file_path_is_not_a_table_and_lint_says_where() -> None:
    text = "sources:\n  leak:\n    table: /tmp/x.csv\n    columns: {a: string}\n"
    result = lint_texts({"files/leak.yaml": text})
    assert [(i.code, i.location.file, i.location.line) for i in result.errors] == [
        ("S008", "files/leak.yaml", 3)
    ]
    assert result.errors[0].location.col == text.splitlines()[2].index("table") + 1
    assert "/tmp/x.csv" in result.errors[0].message
    assert "schema" in result.errors[0].hint
    assert "files.leak" not in result.catalog.sources


@pytest.mark.parametrize(
    "table", ["data.json", "read_csv('x')", "information_schema.tables", "pg_catalog.pg_settings", "a.b.c.d"]
)
def test_lint_refuses_each_kind_of_non_table_with_the_same_code(table: str) -> None:
    text = f'sources:\n  leak:\n    table: "{table}"\n    columns: {{a: string}}\n'
    result = lint_texts({"files/leak.yaml": text})
    assert [i.code for i in result.errors] == ["S008"]


def test_a_metric_on_a_refused_source_does_not_reach_the_catalog() -> None:
    text = (
        "sources:\n  leak: {table: /tmp/x.csv, columns: {a: string}}\n"
        "metrics:\n  rows:\n    type: atomic\n    source: leak\n    agg: count\n"
        "    label: {en: Rows, zh: 行数}\n    description: Rows.\n    stage: revenue\n    owner: x\n"
    )
    result = lint_texts({"files/leak.yaml": text})
    assert "S008" in {i.code for i in result.errors}
    assert result.catalog.metrics == {}


def test_an_allow_list_of_schemas_refuses_the_others() -> None:
    allowed = frozenset({"dw", "wh.mart"})
    assert table_problem("dw.orders", allowed) is None
    assert table_problem("wh.mart.orders", allowed) is None
    for outside in ("sales.orders", "other.dw.orders", "mart.orders", "DW.orders"):
        found = table_problem(outside, allowed)
        assert found is not None and "dw, wh.mart" in found.hint, outside


def test_lint_applies_the_allow_list_when_given() -> None:
    text = "sources:\n  orders: {table: sales.orders, columns: {a: string}}\n"
    assert lint_texts({"x/a.yaml": text}).errors == ()
    refused = lint_texts({"x/a.yaml": text}, allowed_schemas=frozenset({"dw"})).errors
    assert [(i.code, i.location.line) for i in refused] == [("S008", 2)]
