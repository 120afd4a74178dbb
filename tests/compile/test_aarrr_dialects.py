"""Every AARRR metric type compiles for every dialect to one statement that sqlglot re-parses."""

from __future__ import annotations

import pytest
import sqlglot
from engines.aarrr.cases import CASES
from sqlglot import exp

from catalog.compile import compile_query
from catalog.compile.dialects import DIALECTS
from catalog.model import Catalog

from .aarrr_catalog import aarrr_catalog

TYPES = ("cumulative", "conversion", "funnel", "retention", "period_over_period")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return aarrr_catalog()


def _types(catalog: Catalog, metrics: list[str]) -> set[str]:
    return {catalog.metrics[catalog.find("metrics", m)[0]].type for m in metrics} & set(TYPES)


def test_the_cases_use_every_type(catalog: Catalog) -> None:
    assert set().union(*(_types(catalog, c.query["metrics"]) for c in CASES)) == set(TYPES)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_every_case_reparses_as_one_query(catalog: Catalog, dialect: str) -> None:
    for case in CASES:
        sql = compile_query({**case.query, "dialect": dialect}, catalog, cache=False).sql
        statements = sqlglot.parse(sql, read=dialect)
        assert len(statements) == 1, f"{case.id}: {sql}"
        assert isinstance(statements[0], exp.Query), f"{case.id}: {sql}"


def test_clickhouse_asks_for_nulls_from_unmatched_left_join_rows(catalog: Catalog) -> None:
    sql = compile_query({"metrics": ["trial_to_paid_7d"], "dialect": "clickhouse"}, catalog).sql
    assert sql.endswith(" SETTINGS join_use_nulls = 1")


@pytest.mark.parametrize("dialect", ["hive", "spark"])
def test_hive_and_spark_shift_timestamps_by_interval_keeping_the_time(catalog: Catalog, dialect: str) -> None:
    sql = compile_query({"metrics": ["trial_to_paid_7d"], "dialect": dialect}, catalog).sql
    assert "INTERVAL" in sql and "DATE_ADD(`f`.`_time`" not in sql


def test_bigquery_shifts_datetimes_with_datetime_add(catalog: Catalog) -> None:
    sql = compile_query({"metrics": ["trial_to_paid_7d"], "dialect": "bigquery"}, catalog).sql
    assert "DATETIME_ADD(" in sql


def test_sqlite_gets_no_quarter_or_week_modifiers(catalog: Catalog) -> None:
    sql = compile_query(
        {"metrics": ["w1_ret", "revenue_growth"], "grain": "quarter", "dialect": "sqlite"}, catalog
    ).sql
    assert "QUARTER'" not in sql.upper() and "WEEK'" not in sql.upper()
    assert "'+7 days'" in sql and "'-3 months'" in sql
