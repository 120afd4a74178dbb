"""Every matrix query compiles for every supported dialect to exactly one statement that sqlglot re-parses."""

from __future__ import annotations

import pytest
import sqlglot
from engines.cases import CASES
from sqlglot import exp

from catalog.compile import CompileError, compile_query
from catalog.compile.dialects import DIALECTS, resolve_dialect
from catalog.model import Catalog

REQUIRED = {
    "duckdb",
    "sqlite",
    "postgres",
    "mysql",
    "hive",
    "spark",
    "trino",
    "clickhouse",
    "bigquery",
    "snowflake",
    "starrocks",
    "doris",
}


def test_the_required_dialects_are_supported() -> None:
    assert set(DIALECTS) >= REQUIRED


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_case_reparses_as_one_query(catalog: Catalog, dialect: str) -> None:
    for case in CASES:
        sql = compile_query({**case.query, "dialect": dialect}, catalog).sql
        statements = sqlglot.parse(sql, read=dialect)
        assert len(statements) == 1, f"{case.id}: {sql}"
        assert isinstance(statements[0], exp.Query), f"{case.id}: {sql}"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mariadb", "mysql"), ("PostgreSQL", "postgres"), ("presto", "trino"), ("BigQuery", "bigquery")],
)
def test_aliases_and_case_are_accepted(name: str, expected: str) -> None:
    assert resolve_dialect(name).name == expected


def test_an_unknown_dialect_suggests_close_names() -> None:
    with pytest.raises(CompileError) as caught:
        resolve_dialect("postgress")
    assert caught.value.issues[0].code == "E004"
    assert "'postgres'" in caught.value.issues[0].hint


def test_a_registered_sqlglot_dialect_without_quirks_is_refused() -> None:
    # Oracle is a sqlglot dialect, but no one has checked its week or its NULL padding: not offered.
    with pytest.raises(CompileError, match="E004"):
        resolve_dialect("oracle")


# How each engine is told "first day of the week, Monday" — reviewed like code.
WEEK = {
    "duckdb": 'CAST(DATE_TRUNC(\'WEEK\', "t0"."paid_at") AS DATE)',
    "postgres": 'CAST(DATE_TRUNC(\'WEEK\', "t0"."paid_at") AS DATE)',
    "trino": 'CAST(DATE_TRUNC(\'WEEK\', "t0"."paid_at") AS DATE)',
    "spark": "CAST(DATE_TRUNC('WEEK', `t0`.`paid_at`) AS DATE)",
    "starrocks": "CAST(DATE_TRUNC('WEEK', `t0`.`paid_at`) AS DATE)",
    "doris": "CAST(DATE_TRUNC(`t0`.`paid_at`, 'WEEK') AS DATE)",
    "sqlite": "DATE(\"t0\".\"paid_at\", 'weekday 0', '-6 days')",
    "mysql": "DATE_SUB(CAST(`t0`.`paid_at` AS DATE), INTERVAL (WEEKDAY(`t0`.`paid_at`)) DAY)",
    "hive": "CAST(DATE_SUB(CAST(`t0`.`paid_at` AS DATE), PMOD(DATEDIFF(CAST(`t0`.`paid_at` AS DATE), "
    "'1900-01-01'), 7)) AS DATE)",
    "bigquery": "DATE_TRUNC(CAST(`t0`.`paid_at` AS DATE), ISOWEEK)",
    "clickhouse": 'CAST(toMonday("t0"."paid_at") AS Nullable(DATE))',
    "snowflake": 'CAST(DATEADD(DAY, 1 - DAYOFWEEKISO("t0"."paid_at"), CAST("t0"."paid_at" AS DATE)) AS DATE)',
}


@pytest.mark.parametrize("dialect", sorted(WEEK))
def test_weeks_start_on_monday_in_every_dialect(catalog: Catalog, dialect: str) -> None:
    sql = compile_query({"metrics": ["gmv"], "grain": "week", "dialect": dialect}, catalog).sql
    assert f"SELECT {WEEK[dialect]} AS " in sql
