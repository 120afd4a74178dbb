"""The engine matrix: the same seeded rows in DuckDB, SQLite, PostgreSQL and MariaDB.

PostgreSQL (127.0.0.1:5432, user postgres, database `test`) and MariaDB (127.0.0.1:3306, root, database
`test`) must be running: a missing server fails the tests, it never skips them. Each run loads its own
schema (PostgreSQL) or database (MariaDB) named `caliber_t_<random>` and drops it at the end, so parallel runs
do not collide. The test catalog's tables are re-pointed at that schema.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from catalog.demo_data import Table, create_table_sql, engine_rows
from catalog.lint import lint_paths
from catalog.model import Catalog

from .dataset import dataset

FIXTURE = Path(__file__).parent.parent / "fixtures" / "compile"
ENGINES = ("duckdb", "sqlite", "postgres", "mysql")


@dataclass
class Engine:
    name: str
    """The sqlglot dialect the compiler targets."""
    schema: str
    catalog: Catalog
    execute: Callable[[str], list[tuple[Any, ...]]]


def test_catalog(schema: str) -> Catalog:
    """The compiler test catalog with every table moved to `schema`."""
    result = lint_paths([FIXTURE])
    assert result.ok, [str(i) for i in result.errors]
    catalog = result.catalog
    sources = {key: replace(source, table=f"{schema}.{source.table.split('.', 1)[1]}")
               for key, source in catalog.sources.items()}
    return Catalog(sources=sources, dimensions=catalog.dimensions, metrics=catalog.metrics)


def _load(cursor: Any, tables: dict[str, Table], schema: str, engine: str, marker: str) -> None:
    for short, table in tables.items():
        moved = replace(table, name=f"{schema}.{short}")
        cursor.execute(create_table_sql(moved, engine))
        placeholders = ", ".join([marker] * len(table.columns))
        cursor.executemany(f"INSERT INTO {schema}.{short} VALUES ({placeholders})",
                           list(engine_rows(moved, engine)))


def _duckdb() -> Iterator[Engine]:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("CREATE SCHEMA dw")
    _load(con, dataset(), "dw", "duckdb", "?")
    yield Engine("duckdb", "dw", test_catalog("dw"), lambda sql: con.execute(sql).fetchall())
    con.close()


def _sqlite() -> Iterator[Engine]:
    con = sqlite3.connect(":memory:")
    con.execute("ATTACH DATABASE ':memory:' AS dw")
    _load(con.cursor(), dataset(), "dw", "sqlite", "?")
    yield Engine("sqlite", "dw", test_catalog("dw"), lambda sql: con.execute(sql).fetchall())
    con.close()


def _postgres() -> Iterator[Engine]:
    import psycopg

    try:
        con = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True)
    except psycopg.OperationalError as err:
        pytest.fail(f"PostgreSQL is not reachable at 127.0.0.1:5432 (start it, e.g. `.ci/run`): {err}")
    schema = f"caliber_t_{secrets.token_hex(4)}"
    con.execute(f"CREATE SCHEMA {schema}")
    try:
        with con.cursor() as cur:
            _load(cur, dataset(), schema, "postgres", "%s")

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cur:
                cur.execute(sql)  # no parameters: psycopg leaves % alone
                return cur.fetchall()

        yield Engine("postgres", schema, test_catalog(schema), run)
    finally:
        con.execute(f"DROP SCHEMA {schema} CASCADE")
        con.close()


def _mariadb() -> Iterator[Engine]:
    import pymysql

    try:
        con = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", database="test",
                              charset="utf8mb4", autocommit=True)
    except pymysql.err.OperationalError as err:
        pytest.fail(f"MariaDB is not reachable at 127.0.0.1:3306 (start it, e.g. `.ci/run`): {err}")
    schema = f"caliber_t_{secrets.token_hex(4)}"
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {schema} CHARACTER SET utf8mb4")
    try:
        with con.cursor() as cur:
            _load(cur, dataset(), schema, "mysql", "%s")

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())

        yield Engine("mysql", schema, test_catalog(schema), run)
    finally:
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE {schema}")
        con.close()


_STARTERS = {"duckdb": _duckdb, "sqlite": _sqlite, "postgres": _postgres, "mysql": _mariadb}


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each of the four engines, loaded once per session."""
    yield from _STARTERS[request.param]()
