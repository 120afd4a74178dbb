"""Laying out compiled SQL changes only whitespace between tokens, in every dialect the compiler targets."""

from __future__ import annotations

import pytest
from sqlglot.dialects.dialect import Dialect

from app.web.sql_layout import readable_sql
from catalog.compile import MetricQuery, compile_query
from catalog.compile.dialects import DIALECTS
from catalog.lint import lint_paths
from catalog.model import Catalog
from tests.web.conftest import FIXTURE

QUERIES = [
    MetricQuery(metrics=["growth.paying_rate"], grain="month"),
    MetricQuery(
        metrics=["sales.average_order_value", "growth.signups"], dimensions=["channel"], grain="week"
    ),
    MetricQuery(metrics=["sales.gmv"], dimensions=["order_status", "city"], order_by=["-gmv"], limit=10),
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return lint_paths([FIXTURE]).catalog


def tokens(sql: str, dialect: str) -> list[tuple[str, str]]:
    return [(t.token_type.name, t.text) for t in Dialect.get_or_raise(dialect).tokenize(sql)]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_every_token_is_kept_and_only_whitespace_changes(catalog: Catalog, dialect: str) -> None:
    for query in QUERIES:
        sql = compile_query(query.model_copy(update={"dialect": dialect}), catalog).sql
        laid_out = readable_sql(sql, dialect)
        assert tokens(laid_out, dialect) == tokens(sql, dialect)
        assert "".join(laid_out.split()) == "".join(sql.split())
        assert laid_out.count("\n") >= 3


def test_string_literals_are_never_broken() -> None:
    sql = "SELECT a FROM t WHERE b IN ('x, FROM y', 'SELECT (z)')"
    assert readable_sql(sql, "postgres") == "SELECT\n  a\nFROM t\nWHERE b IN ('x, FROM y', 'SELECT (z)')"


def test_text_that_does_not_tokenize_is_returned_as_it_is() -> None:
    assert readable_sql("SELECT 'unterminated", "duckdb") == "SELECT 'unterminated"
