"""Tables loaded into DuckDB, SQLite, PostgreSQL and MariaDB, with a catalog pointed at them.

PostgreSQL and MariaDB must be running (127.0.0.1:5432 user postgres, 127.0.0.1:3306 root, database `test`):
a missing server fails the tests, never skips them. Each load goes into a schema (an attached database on
SQLite, a database on MariaDB) named `caliber_t_<random>`, dropped at the end, so parallel runs do not
collide; the catalog's source tables are re-pointed at it.

    with STARTERS["postgres"](tables, catalog) as engine:
        engine.execute(compile_query(query, engine.catalog).sql)
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pytest

from catalog.demo_data import Table, create_table_sql, engine_rows
from catalog.model import Catalog

ENGINES = ("duckdb", "sqlite", "postgres", "mysql")


@dataclass
class Engine:
    name: str
    """The sqlglot dialect the compiler targets."""
    schema: str
    """Where the tables were loaded (the catalog's sources point there)."""
    catalog: Catalog
    execute: Callable[[str], list[tuple[Any, ...]]]


def _short(name: str) -> str:
    return name.split(".", 1)[1]


def _repoint(catalog: Catalog, schema: str) -> Catalog:
    sources = {
        key: replace(source, table=f"{schema}.{_short(source.table)}")
        for key, source in catalog.sources.items()
    }
    return Catalog(sources=sources, dimensions=catalog.dimensions, metrics=catalog.metrics)


def _load(cursor: Any, tables: Mapping[str, Table], schema: str, engine: str, marker: str) -> None:
    for table in tables.values():
        moved = replace(table, name=f"{schema}.{_short(table.name)}")
        cursor.execute(create_table_sql(moved, engine))
        placeholders = ", ".join([marker] * len(table.columns))
        rows = list(engine_rows(moved, engine))
        cursor.executemany(f"INSERT INTO {moved.name} VALUES ({placeholders})", rows)


def _schema() -> str:
    return f"caliber_t_{secrets.token_hex(4)}"


@contextmanager
def _duckdb(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
    import duckdb

    con, schema = duckdb.connect(":memory:"), _schema()
    con.execute(f"CREATE SCHEMA {schema}")
    _load(con, tables, schema, "duckdb", "?")
    yield Engine("duckdb", schema, _repoint(catalog, schema), lambda sql: con.execute(sql).fetchall())
    con.close()


@contextmanager
def _sqlite(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
    con, schema = sqlite3.connect(":memory:"), _schema()
    con.execute(f"ATTACH DATABASE ':memory:' AS {schema}")
    _load(con.cursor(), tables, schema, "sqlite", "?")
    yield Engine("sqlite", schema, _repoint(catalog, schema), lambda sql: con.execute(sql).fetchall())
    con.close()


@contextmanager
def _postgres(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
    import psycopg

    try:
        con = psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", autocommit=True)
    except psycopg.OperationalError as err:
        pytest.fail(f"PostgreSQL is not reachable at 127.0.0.1:5432 (start it, e.g. `.ci/run`): {err}")
    schema = _schema()
    con.execute(f"CREATE SCHEMA {schema}")
    try:
        with con.cursor() as cur:
            _load(cur, tables, schema, "postgres", "%s")

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()

        yield Engine("postgres", schema, _repoint(catalog, schema), run)
    finally:
        con.execute(f"DROP SCHEMA {schema} CASCADE")
        con.close()


@contextmanager
def _mariadb(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
    import pymysql

    try:
        con = pymysql.connect(
            host="127.0.0.1",
            port=3306,
            user="root",
            password="",
            database="test",
            charset="utf8mb4",
            autocommit=True,
        )
    except pymysql.err.OperationalError as err:
        pytest.fail(f"MariaDB is not reachable at 127.0.0.1:3306 (start it, e.g. `.ci/run`): {err}")
    schema = _schema()
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {schema} CHARACTER SET utf8mb4")
    try:
        with con.cursor() as cur:
            _load(cur, tables, schema, "mysql", "%s")

        def run(sql: str) -> list[tuple[Any, ...]]:
            with con.cursor() as cur:
                cur.execute(sql)
                return list(cur.fetchall())

        yield Engine("mysql", schema, _repoint(catalog, schema), run)
    finally:
        with con.cursor() as cur:
            cur.execute(f"DROP DATABASE {schema}")
        con.close()


Starter = Callable[[Mapping[str, Table], Catalog], AbstractContextManager[Engine]]
STARTERS: dict[str, Starter] = {
    "duckdb": _duckdb,
    "sqlite": _sqlite,
    "postgres": _postgres,
    "mysql": _mariadb,
}
