"""A read-only warehouse connection cannot write, on every engine; reflection reads names and type families."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

from catalog.connect import ConnectError, open_warehouse
from catalog.demo_data import ddl_type

from .scratch import WAREHOUSES, scratch

pytestmark = pytest.mark.engines

LANGUAGE_TYPES = ("string", "integer", "decimal", "float", "boolean", "date", "timestamp")


def create_typed(engine: str) -> object:
    def setup(connection: object, schema: str) -> None:
        columns = ", ".join(f"c_{t} {ddl_type(t, engine)}" for t in LANGUAGE_TYPES)
        connection.execute(f"CREATE TABLE {schema}.typed ({columns})")  # type: ignore[attr-defined]

    return setup


@pytest.mark.parametrize("engine", WAREHOUSES)
def test_reflection_gives_each_demo_ddl_type_its_own_family(engine: str, tmp_path: Path) -> None:
    with (
        scratch(engine, tmp_path, create_typed(engine)) as (url, schema),  # type: ignore[arg-type]
        open_warehouse(url) as connection,
    ):
        columns = connection.columns(f"{schema}.typed")
        missing = connection.columns(f"{schema}.nothing_here")
    assert columns is not None and missing is None
    families = {name: column.family for name, column in columns.items()}
    # MySQL's BOOLEAN is TINYINT(1): an integer to the warehouse, still accepted for a boolean column.
    boolean = "integer" if engine == "mysql" else "boolean"
    assert families == {f"c_{t}": (boolean if t == "boolean" else t) for t in LANGUAGE_TYPES}


@pytest.mark.parametrize("engine", WAREHOUSES)
def test_a_read_only_connection_cannot_create_or_change_anything(engine: str, tmp_path: Path) -> None:
    with (
        scratch(engine, tmp_path, create_typed(engine)) as (url, schema),  # type: ignore[arg-type]
        open_warehouse(url, read_only=True) as connection,
    ):
        for statement in (
            f"CREATE TABLE {schema}.intruder (a INTEGER)",
            f"INSERT INTO {schema}.typed (c_string) VALUES ('x')",
            f"DROP TABLE {schema}.typed",
        ):
            with pytest.raises(Exception, match=r"(?i)read.?only"):
                connection.execute(statement)
        assert connection.columns(f"{schema}.typed") is not None


def test_sqlite_reflects_unqualified_tables_and_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE orders (order_id INTEGER, paid_at DATETIME, amount NUMERIC, note TEXT)")
    with open_warehouse(f"sqlite:///{path}") as connection:
        columns = connection.columns("orders")
        assert columns is not None
        assert {n: c.family for n, c in columns.items()} == {
            "order_id": "integer",
            "paid_at": "timestamp",
            "amount": "decimal",
            "note": "string",
        }
        with pytest.raises(DBAPIError, match="readonly"):
            connection.execute("DELETE FROM orders")


def test_a_missing_duckdb_file_is_not_created_by_a_read_only_open(tmp_path: Path) -> None:
    with (
        pytest.raises(ConnectError, match="cannot open the DuckDB file"),
        open_warehouse(f"duckdb:///{tmp_path / 'none.duckdb'}"),
    ):
        pass
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("engine", WAREHOUSES)
def test_a_percent_sign_in_sql_reaches_the_engine_as_written(engine: str, tmp_path: Path) -> None:
    with (
        scratch(engine, tmp_path, create_typed(engine)) as (url, _schema),  # type: ignore[arg-type]
        open_warehouse(url) as connection,
    ):
        assert connection.execute("SELECT 'a%' AS p, 'abc' LIKE 'a%' AS m, 7 % 4 AS r") in (
            [("a%", True, 3)],
            [("a%", 1, 3)],
        )
