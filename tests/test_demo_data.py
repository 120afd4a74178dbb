"""The demo warehouse: deterministic, shaped like the standard sources, loadable into DuckDB and SQLite."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from catalog import schema
from catalog.demo_data import (
    END,
    START,
    Table,
    create_table_sql,
    ddl_type,
    engine_rows,
    generate,
    write_duckdb,
)
from catalog.load import load_file
from catalog.metric_types.registry import file_definition

SOURCES_FILE = Path(__file__).resolve().parents[1] / "metric_defs" / "common" / "sources.yaml"

PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "decimal": Decimal,
    "float": float,
    "boolean": bool,
    "date": date,
    "timestamp": datetime,
}


@pytest.fixture(scope="module")
def tables() -> dict[str, Table]:
    return generate(rows=3_000, seed=7)


def _sources() -> dict[str, schema.SourceDef]:
    doc, issues = load_file(SOURCES_FILE)
    assert doc is not None and not issues
    return file_definition().model_validate(doc.data).sources  # type: ignore[attr-defined, no-any-return]


def test_same_seed_same_rows_and_other_seed_other_rows() -> None:
    first, again, other = generate(1_000, seed=3), generate(1_000, seed=3), generate(1_000, seed=4)
    assert first == again
    assert {name: t.rows for name, t in first.items()} != {name: t.rows for name, t in other.items()}


def test_rows_sets_the_scale(tables: dict[str, Table]) -> None:
    assert len(tables["dw.dim_users"].rows) == 300
    assert len(tables["dw.fact_orders"].rows) == 750
    assert len(tables["dw.fact_app_events"].rows) == 3_000
    assert 1_200 <= len(tables["dw.fact_lessons"].rows) <= 1_500


def test_every_source_has_a_table_with_exactly_its_declared_columns(tables: dict[str, Table]) -> None:
    sources = _sources()
    assert {s.table for s in sources.values()} == set(tables)
    for name, source in sources.items():
        assert source.columns is not None, name
        declared = tuple((col, kind.value) for col, kind in source.columns.items())
        assert tables[source.table].columns == declared, name


def test_values_have_the_python_type_of_their_column_and_lie_in_the_data_window(
    tables: dict[str, Table],
) -> None:
    for table in tables.values():
        for row in table.rows:
            assert len(row) == len(table.columns)
            for value, (column, kind) in zip(row, table.columns, strict=True):
                where = (table.name, column, value)
                if value is None:
                    continue
                assert type(value) is PYTHON_TYPES[kind], where  # exact: a bool is no integer here
                moment: Any = value
                if kind == "date":
                    assert START.date() <= moment < END.date(), where
                elif kind == "timestamp":
                    assert START <= moment < END and moment.microsecond == 0, where


def test_primary_keys_are_unique(tables: dict[str, Table]) -> None:
    for source in _sources().values():
        table = tables[source.table]
        for entity in source.entities.values():
            if entity.primary:
                position = [c for c, _ in table.columns].index(entity.column)
                keys = [row[position] for row in table.rows]
                assert len(keys) == len(set(keys)), source.table


def _column(table: Table, name: str) -> list[Any]:
    position = [c for c, _ in table.columns].index(name)
    return [row[position] for row in table.rows]


def test_the_data_has_the_awkward_cases_metrics_must_handle(tables: dict[str, Table]) -> None:
    users, orders = tables["dw.dim_users"], tables["dw.fact_orders"]
    channels = _column(users, "channel")
    assert 0.01 < channels.count(None) / len(channels) < 0.06
    assert {"北京", "上海", "广州", "深圳", "成都", "杭州"} <= set(_column(users, "city"))
    assert {"paid", "refunded", "cancelled", "pending"} == set(_column(orders, "status"))
    assert Decimal(0) in _column(orders, "amount")
    assert {"trial", "regular"} == set(_column(tables["dw.fact_lessons"], "lesson_type"))
    leads = tables["dw.fact_leads"]
    reached, trial, signed = (_column(leads, c) for c in ("reached_at", "trial_at", "signed_at"))
    assert any(r is not None and t is None for r, t in zip(reached, trial, strict=True))  # dropped out
    assert any(t is None and s is not None for t, s in zip(trial, signed, strict=True))  # skipped trial


def test_write_duckdb_round_trips_counts_and_types(tables: dict[str, Table], tmp_path: Path) -> None:
    path = str(tmp_path / "demo.duckdb")
    write_duckdb(tables, path)
    write_duckdb(tables, path)  # rewriting replaces, never appends
    con = duckdb.connect(path, read_only=True)
    try:
        for table in tables.values():
            count = con.execute(f"SELECT COUNT(*) FROM {table.name}").fetchone()
            assert count == (len(table.rows),), table.name
            described = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table.name}").fetchall()]
            assert described == [(c, ddl_type(k, "duckdb")) for c, k in table.columns]
        orders = tables["dw.fact_orders"]
        total = con.execute("SELECT SUM(amount) FROM dw.fact_orders").fetchone()
        assert total == (sum(_column(orders, "amount")),)
        assert con.execute("SELECT COUNT(*) FROM dw.dim_users WHERE city = '北京'").fetchone() == (
            _column(tables["dw.dim_users"], "city").count("北京"),
        )
    finally:
        con.close()


@pytest.mark.parametrize(
    ("column_type", "engine", "expected"),
    [
        ("timestamp", "duckdb", "TIMESTAMP"),
        ("decimal", "duckdb", "DECIMAL(12,2)"),
        ("timestamp", "sqlite", "TEXT"),
        ("boolean", "sqlite", "INTEGER"),
        ("date", "sqlite", "TEXT"),
        ("timestamp", "postgres", "TIMESTAMP"),
        ("decimal", "postgres", "NUMERIC(12,2)"),
        ("timestamp", "mysql", "DATETIME"),
        ("string", "mysql", "VARCHAR(255)"),
        ("timestamp", "spark", "TIMESTAMP"),
        ("string", "spark", "STRING"),
        ("timestamp", "clickhouse", "Nullable(DateTime64(6))"),
        ("integer", "clickhouse", "Nullable(Int64)"),
    ],
)
def test_ddl_type(column_type: str, engine: str, expected: str) -> None:
    assert ddl_type(column_type, engine) == expected


def test_ddl_type_covers_every_language_type_and_refuses_the_unknown() -> None:
    for engine in ("duckdb", "sqlite", "postgres", "mysql", "spark", "clickhouse"):
        for kind in schema.ColumnType:
            assert ddl_type(kind.value, engine)
    with pytest.raises(ValueError, match="oracle"):
        ddl_type("string", "oracle")


def test_sqlite_rows_use_iso_text_and_integer_booleans(tables: dict[str, Table]) -> None:
    con = sqlite3.connect(":memory:")
    con.execute("ATTACH DATABASE ':memory:' AS dw")
    for table in tables.values():
        con.execute(create_table_sql(table, "sqlite"))
        marks = ", ".join("?" * len(table.columns))
        con.executemany(f"INSERT INTO {table.name} VALUES ({marks})", engine_rows(table, "sqlite"))
    row = con.execute("SELECT signup_at, signup_date FROM dw.dim_users ORDER BY user_id LIMIT 1").fetchone()
    first = tables["dw.dim_users"].rows[0]
    assert row == (first[1].strftime("%Y-%m-%d %H:%M:%S"), first[2].isoformat())
    attended = con.execute("SELECT COUNT(*) FROM dw.fact_lessons WHERE attended = 1").fetchone()
    assert attended == (sum(_column(tables["dw.fact_lessons"], "attended")),)
