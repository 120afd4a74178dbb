"""Test data: CSV files typed by the sources' declarations, SQL files of CREATE TABLE and INSERT only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.golden.data import (
    CsvData,
    GoldenError,
    SqlData,
    parse_value,
    read_csv,
    resolve_data,
    sql_statements,
)

DECLARED = {
    "order_id": "integer",
    "paid_at": "timestamp",
    "amount": "decimal",
    "paid": "boolean",
    "day": "date",
}


def error_of(call: object, *args: object) -> GoldenError:
    with pytest.raises(GoldenError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


def test_csv_cells_take_the_declared_types_and_empty_cells_are_null(tmp_path: Path) -> None:
    path = tmp_path / "dw.orders.csv"
    path.write_text("order_id,paid_at,amount,paid\n1,2024-01-05 10:05:00,12.50,true\n2,,,false\n\n", "utf-8")
    assert read_csv(path, "dw.orders", DECLARED) == [
        (1, datetime(2024, 1, 5, 10, 5), Decimal("12.50"), True, None),
        (2, None, None, False, None),
    ]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("7", "integer", 7),
        ("1.5", "float", 1.5),
        ("2024-02-29", "date", date(2024, 2, 29)),
        ("2024-02-29", "timestamp", datetime(2024, 2, 29)),
        ("FALSE", "boolean", False),
        ("1", "boolean", True),
        (" 北京 ", "string", "北京"),
    ],
)
def test_values_parse_per_type(text: str, kind: str, value: object) -> None:
    assert parse_value(text, kind) == value


def test_a_bad_value_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "dw.orders.csv"
    path.write_text("order_id,amount\n1,1.0\n2,lots\n", "utf-8")
    error = error_of(read_csv, path, "dw.orders", DECLARED)
    assert (error.issue.code, error.issue.location.line) == ("T001", 3)
    assert "amount 'lots' is not a decimal" in error.issue.message


def test_an_undeclared_column_is_t002(tmp_path: Path) -> None:
    path = tmp_path / "dw.orders.csv"
    path.write_text("order_id,colour\n1,red\n", "utf-8")
    error = error_of(read_csv, path, "dw.orders", DECLARED)
    assert error.issue.code == "T002" and "'colour'" in error.issue.message


def test_a_row_with_too_few_cells_is_t001(tmp_path: Path) -> None:
    path = tmp_path / "dw.orders.csv"
    path.write_text("order_id,amount\n1\n", "utf-8")
    assert error_of(read_csv, path, "dw.orders", DECLARED).issue.code == "T001"


def test_data_resolves_to_a_folder_of_csv_files_a_sql_file_or_a_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "defs" / "finance"
    data = tmp_path / "defs" / "_data"
    folder.mkdir(parents=True)
    data.mkdir()
    (data / "dw.orders.csv").write_text("order_id\n1\n", "utf-8")
    (data / "rows.sql").write_text("", "utf-8")
    root = tmp_path / "defs"
    assert resolve_data("../_data", folder, root) == (CsvData("dw.orders", data / "dw.orders.csv"),)
    assert resolve_data("../_data/rows.sql", folder, root) == SqlData(data / "rows.sql")
    assert resolve_data({"dw.x": "../_data/dw.orders.csv"}, folder, root) == (
        CsvData("dw.x", data / "dw.orders.csv"),
    )


@pytest.mark.parametrize("name", ["../../outside", "/etc", "../_nothing", "../_data/rows.txt"])
def test_data_outside_the_tested_folder_or_missing_is_t001(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "defs" / "finance"
    folder.mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "defs" / "_data").mkdir()
    (tmp_path / "defs" / "_data" / "rows.txt").write_text("x", "utf-8")
    error = error_of(resolve_data, name, folder, tmp_path / "defs")
    assert error.issue.code == "T001"


def test_sql_data_allows_create_table_and_insert_values_on_source_tables(tmp_path: Path) -> None:
    path = tmp_path / "rows.sql"
    path.write_text(
        "CREATE TABLE dw.orders (order_id BIGINT, paid_at TIMESTAMP);\n"
        "INSERT INTO dw.orders VALUES (1, '2024-01-05 10:00:00'), (-2, CAST('2024-01-06' AS TIMESTAMP));\n",
        "utf-8",
    )
    assert [s.key for s in sql_statements(path, {"dw.orders"})] == ["create", "insert"]


@pytest.mark.parametrize(
    ("sql", "code", "line"),
    [
        ("CREATE TABLE dw.orders (a INT);\nDROP TABLE dw.users;", "T003", 2),
        ("CREATE TABLE dw.orders AS SELECT * FROM dw.users;", "T003", 1),
        ("INSERT INTO dw.orders SELECT * FROM read_csv('/etc/passwd');", "T003", 1),
        ("INSERT INTO dw.orders VALUES ((SELECT 1));", "T003", 1),
        ("INSERT INTO dw.orders VALUES (pg_read_file('/etc/passwd'));", "T003", 1),
        ("COPY dw.orders FROM '/etc/passwd';", "T003", 1),
        ("\n\nCREATE TABLE dw.secrets (a INT);", "T002", 3),
        ("CREATE TABLE dw.orders (a INT", "T001", 1),
    ],
)
def test_anything_else_in_sql_data_is_refused(tmp_path: Path, sql: str, code: str, line: int) -> None:
    path = tmp_path / "rows.sql"
    path.write_text(sql, "utf-8")
    error = error_of(sql_statements, path, {"dw.orders", "dw.users"})
    assert (error.issue.code, error.issue.location.line) == (code, line)
