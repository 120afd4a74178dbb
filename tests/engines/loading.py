"""Tables loaded into each engine of the matrix, with a catalog pointed at them.

PostgreSQL and MariaDB must be running (127.0.0.1:5432 user postgres, 127.0.0.1:3306 root, database `test`);
Spark runs in local mode in a JVM that `pyspark` starts (Java 17), and ClickHouse in-process through
`chdb`: a missing server or package fails the tests, never skips them. Each load goes into a schema (an
attached database on SQLite, a database on MariaDB, Spark and ClickHouse) named `caliber_t_<random>`, dropped
at the end, so parallel runs do not collide; the catalog's source tables are re-pointed at it.

Spark starts once per test run (its JVM start-up dominates) and loads each set of tables once: the `spark`
and `hive-on-spark` engines (which compiles with the `hive` dialect) share the session and the databases,
which go with the session's temporary warehouse when the run ends.

    with STARTERS["postgres"](tables, catalog) as engine:
        engine.execute(compile_query(query, engine.catalog).sql)
"""

from __future__ import annotations

import atexit
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

from catalog.compile import compile_query
from catalog.demo_data import Table, create_table_sql, ddl_type, engine_rows
from catalog.model import Catalog

ENGINES = ("duckdb", "sqlite", "postgres", "mysql", "spark", "clickhouse", "hive-on-spark")


@dataclass
class Engine:
    name: str
    """The sqlglot dialect the compiler targets."""
    schema: str
    """Where the tables were loaded (the catalog's sources point there)."""
    catalog: Catalog
    execute: Callable[[str], list[tuple[Any, ...]]]
    host: str = ""
    """The engine that runs the SQL, when it is not `name` itself (`spark` for the `hive` dialect); the
    hand-written references are spelled for it."""

    def __post_init__(self) -> None:
        self.host = self.host or self.name


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


@cache
def _spark_session() -> Any:
    """The one Spark session of the test run: local, UTC, one shuffle partition, no UI, tables under a
    temporary warehouse directory removed at exit."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:
        pytest.fail(f"pyspark is not installed (`pip install -e '.[dev]'`, or `.ci/run`): {err}")
    warehouse = tempfile.mkdtemp(prefix="caliber-spark-")
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("caliber-engine-tests")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            # Tuned for a few thousand rows in a short-lived JVM, none of which changes results: re-planning
            # between stages, generated Java per query and the C2 JIT cost more than they save here, and one
            # GC thread suits two cores.
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.codegen.wholeStage", "false")
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .config("spark.sql.warehouse.dir", warehouse)
            .getOrCreate()
        )
    except Exception as err:  # the JVM did not start: Java missing or broken
        pytest.fail(f"Spark did not start (Java 17 is needed; `.ci/run` installs it): {err}")
    session.sparkContext.setLogLevel("ERROR")

    def stop() -> None:
        session.stop()
        shutil.rmtree(warehouse, ignore_errors=True)

    atexit.register(stop)
    return session


def _spark_value(value: Any) -> Any:
    # pyspark reads a naive datetime in the Python process's local zone; pinned to UTC it is the wall-clock
    # time the UTC session shows.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return value


_SPARK_LOADS: dict[int, tuple[Mapping[str, Table], str]] = {}


def _spark_database(tables: Mapping[str, Table]) -> str:
    """The Spark database holding `tables`, loaded on first use and kept until the session stops: the spark
    and hive-on-spark engines read the same rows. The entry holds `tables`, so its id cannot be reused."""
    found = _SPARK_LOADS.get(id(tables))
    if found is not None and found[0] is tables:
        return found[1]
    spark, schema = _spark_session(), _schema()
    spark.sql(f"CREATE DATABASE {schema}")
    for table in tables.values():
        moved = replace(table, name=f"{schema}.{_short(table.name)}")
        spark.sql(create_table_sql(moved, "spark"))
        columns = ", ".join(f"{name} {ddl_type(kind, 'spark')}" for name, kind in table.columns)
        rows = [tuple(_spark_value(v) for v in row) for row in table.rows]
        spark.createDataFrame(rows, columns).write.insertInto(moved.name)
        # Held in memory: every query would otherwise open and decode the Parquet files again.
        spark.sql(f"CACHE TABLE {moved.name}")
    _SPARK_LOADS[id(tables)] = (tables, schema)
    return schema


def _spark_loader(dialect: str) -> Starter:
    @contextmanager
    def start(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
        spark, schema = _spark_session(), _spark_database(tables)

        def run(sql: str) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in spark.sql(sql).collect()]

        yield Engine(dialect, schema, _repoint(catalog, schema), run, host="spark")

    return start


@cache
def _clickhouse_connection() -> Any:
    """The in-process ClickHouse (chdb) of the test run, in UTC."""
    try:
        from chdb import dbapi
    except ImportError as err:
        pytest.fail(f"chdb is not installed (`pip install -e '.[dev]'`, or `.ci/run`): {err}")
    con = dbapi.connect()
    cur = con.cursor()
    cur.execute("SET session_timezone = 'UTC'")
    cur.close()
    atexit.register(con.close)
    return con


@contextmanager
def _clickhouse(tables: Mapping[str, Table], catalog: Catalog, plain: bool = False) -> Iterator[Engine]:
    con, schema = _clickhouse_connection(), _schema()
    cur = con.cursor()
    cur.execute(f"CREATE DATABASE {schema}")
    try:
        if plain:
            for table in tables.values():
                nullable = [any(row[i] is None for row in table.rows) for i in range(len(table.columns))]
                columns = ", ".join(
                    f"{name} {ddl if null else ddl.removeprefix('Nullable(').removesuffix(')')}"
                    for (name, kind), null in zip(table.columns, nullable, strict=True)
                    for ddl in [ddl_type(kind, "clickhouse")]
                )
                cur.execute(f"CREATE TABLE {schema}.{_short(table.name)} ({columns}) ENGINE = Memory")
                marks = ", ".join(["%s"] * len(table.columns))
                cur.executemany(f"INSERT INTO {schema}.{_short(table.name)} VALUES ({marks})", table.rows)
        else:
            _load(cur, tables, schema, "clickhouse", "%s")

        def run(sql: str) -> list[tuple[Any, ...]]:
            cur.execute(sql)
            return list(cur.fetchall())

        yield Engine("clickhouse", schema, _repoint(catalog, schema), run)
    finally:
        cur.execute(f"DROP DATABASE {schema}")
        cur.close()


@contextmanager
def clickhouse_plain(tables: Mapping[str, Table], catalog: Catalog) -> Iterator[Engine]:
    """ClickHouse with a column declared Nullable only where the rows hold a NULL, as ClickHouse schemas
    usually are: an unmatched LEFT JOIN then fills the other columns with 0, '' or 1970-01-01, not NULL,
    unless the query sets join_use_nulls."""
    with _clickhouse(tables, catalog, plain=True) as engine:
        yield engine


def proven_on_host(engine: Engine, query: Mapping[str, Any], sql: str) -> bool:
    """Whether `sql`, compiled for a dialect that runs on another engine (hive on Spark), is word for word
    the host dialect's own SQL for `query` — which the host's run of the same test executes."""
    if engine.host == engine.name:
        return False
    return compile_query({**query, "dialect": engine.host}, engine.catalog, cache=False).sql == sql


Starter = Callable[[Mapping[str, Table], Catalog], AbstractContextManager[Engine]]
STARTERS: dict[str, Starter] = {
    "duckdb": _duckdb,
    "sqlite": _sqlite,
    "postgres": _postgres,
    "mysql": _mariadb,
    "spark": _spark_loader("spark"),
    "clickhouse": _clickhouse,
    "hive-on-spark": _spark_loader("hive"),
}
