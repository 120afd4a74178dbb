"""The service's warehouse connection reads the warehouse's tables and nothing else: no file, no other database,
no setting, no extension; a long query is interrupted; a large result is cut at the row cap and says so."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from app.warehouse import Warehouse, WarehouseError, WarehouseTimeout

MARKER = "CALIBER-SECRET-3b1f"


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A warehouse with `dw.t` (100 rows), a CSV holding the marker, and another DuckDB database."""
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("CREATE SCHEMA dw; CREATE TABLE dw.t AS SELECT range AS i FROM range(100)")
    with duckdb.connect(str(tmp_path / "other.duckdb")) as con:
        con.execute(f"CREATE TABLE secrets AS SELECT '{MARKER}' AS s")
    (tmp_path / "secret.csv").write_text(f"s,n\n{MARKER},1\n", "utf-8")
    return tmp_path


@pytest.fixture
def warehouse(files: Path) -> Iterator[Warehouse]:
    found = Warehouse(files / "warehouse.duckdb", timeout_seconds=0.5, max_rows=10)
    yield found
    found.close()


def test_the_warehouse_tables_can_be_read(warehouse: Warehouse) -> None:
    assert warehouse.run("SELECT count(*) AS n FROM dw.t").rows == [[100]]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('{dir}/secret.csv')",
        "SELECT * FROM read_csv_auto('{dir}/secret.csv')",
        "SELECT * FROM read_text('{dir}/secret.csv')",
        "SELECT * FROM '{dir}/secret.csv'",
        'SELECT * FROM "{dir}/secret.csv"',
        'SELECT * FROM "{dir}/secret"."csv"',
        "SELECT * FROM glob('{dir}/*')",
        "SELECT * FROM sniff_csv('{dir}/secret.csv')",
    ],
)
def test_no_file_can_be_read(warehouse: Warehouse, files: Path, sql: str) -> None:
    with pytest.raises(WarehouseError) as refused:
        warehouse.run(sql.format(dir=files))
    assert MARKER not in str(refused.value)


def test_no_file_can_be_written(warehouse: Warehouse, files: Path) -> None:
    for sql in (
        "COPY dw.t TO '{dir}/out.csv'",
        "COPY (SELECT 1) TO '{dir}/out.csv'",
        "EXPORT DATABASE '{dir}/out'",
    ):
        with pytest.raises(WarehouseError):
            warehouse.run(sql.format(dir=files))
    assert not (files / "out.csv").exists() and not (files / "out").exists()


def test_no_other_database_can_be_attached(warehouse: Warehouse, files: Path) -> None:
    with pytest.raises(WarehouseError):
        warehouse.run(f"ATTACH '{files / 'other.duckdb'}' AS other")
    with pytest.raises(WarehouseError):
        warehouse.run("SELECT * FROM other.secrets")


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET threads = 1",
        "RESET threads",
        "PRAGMA threads = 1",
        "PRAGMA enable_profiling",
        "SET GLOBAL memory_limit = '1GB'",
    ],
)
def test_no_setting_can_be_changed(warehouse: Warehouse, sql: str) -> None:
    with pytest.raises(WarehouseError):
        warehouse.run(sql)


@pytest.mark.parametrize(
    "sql", ["INSTALL httpfs", "LOAD httpfs", "INSTALL spatial", "LOAD '/tmp/x.duckdb_extension'"]
)
def test_no_extension_can_be_installed_or_loaded(warehouse: Warehouse, sql: str) -> None:
    with pytest.raises(WarehouseError):
        warehouse.run(sql)


def test_nothing_can_be_written_to_the_warehouse(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError):
        warehouse.run("CREATE TABLE dw.x (a INT)")


def test_a_long_query_is_interrupted_by_the_timeout(warehouse: Warehouse) -> None:
    began = time.monotonic()
    with pytest.raises(WarehouseTimeout, match=r"longer than 0\.5 s"):
        warehouse.run("SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = -1")
    assert time.monotonic() - began < 10
    assert warehouse.run("SELECT count(*) FROM dw.t").rows == [[100]]  # the connection still serves


def test_a_result_over_the_row_cap_is_truncated_and_says_so(warehouse: Warehouse) -> None:
    result = warehouse.run("SELECT i FROM dw.t ORDER BY i")
    assert result.truncated
    assert result.rows == [[i] for i in range(10)]
    exact = warehouse.run("SELECT i FROM dw.t ORDER BY i LIMIT 10")
    assert not exact.truncated and len(exact.rows) == 10


def test_a_caller_may_ask_for_fewer_rows_never_more(warehouse: Warehouse) -> None:
    assert len(warehouse.run("SELECT i FROM dw.t", max_rows=3).rows) == 3
    assert len(warehouse.run("SELECT i FROM dw.t", max_rows=50).rows) == 10
