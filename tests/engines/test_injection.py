"""Hostile filter values stay literals on every engine: the SQL is one SELECT and finds the right rows."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from catalog.compile import compile_query

from .conftest import Engine
from .dataset import HOSTILE_CHANNEL, HOSTILE_CITY, KEYWORD_CHANNEL

pytestmark = pytest.mark.engines


def _run(engine: Engine, query: dict[str, object]) -> list[tuple[object, ...]]:
    sql = compile_query({**query, "dialect": engine.name}, engine.catalog).sql
    statements = sqlglot.parse(sql, read=engine.name)
    assert len(statements) == 1 and isinstance(statements[0], exp.Query), sql
    return [
        tuple(float(v) if isinstance(v, int | float) or type(v).__name__ == "Decimal" else v for v in row)
        for row in engine.execute(sql)
    ]


def test_quotes_backslashes_and_comments_in_a_value(engine: Engine) -> None:
    rows = _run(
        engine,
        {
            "metrics": ["paid_orders", "gmv"],
            "dimensions": ["city", "channel"],
            "filters": [{"dimension": "city", "op": "=", "values": [HOSTILE_CITY]}],
        },
    )
    assert rows == [(HOSTILE_CITY, None, 2.0, 1999.0)]


def test_sql_in_an_in_list(engine: Engine) -> None:
    rows = _run(
        engine,
        {
            "metrics": ["paid_orders"],
            "dimensions": ["channel"],
            "filters": [
                {
                    "dimension": "channel",
                    "op": "in",
                    "values": [HOSTILE_CHANNEL, KEYWORD_CHANNEL, "x'; DELETE FROM dim_users; --"],
                }
            ],
        },
    )
    assert rows == [(HOSTILE_CHANNEL, 1.0)]


def test_a_keyword_value_and_unicode_through_where_text(engine: Engine) -> None:
    where = f"channel = '{KEYWORD_CHANNEL}' OR city = '{HOSTILE_CITY.replace(chr(39), chr(39) * 2)}'"
    rows = _run(engine, {"metrics": ["orders_created"], "dimensions": ["channel"], "where": where})
    assert sorted(rows, key=str) == sorted([(KEYWORD_CHANNEL, 1.0), (None, 2.0)], key=str)


def test_like_pattern_with_sql_inside(engine: Engine) -> None:
    rows = _run(
        engine,
        {
            "metrics": ["paid_orders"],
            "dimensions": ["city"],
            "filters": [{"dimension": "city", "op": "like", "values": ["%DROP TABLE%"]}],
        },
    )
    assert rows == [(HOSTILE_CITY, 2.0)]


def test_the_tables_survive(engine: Engine) -> None:
    assert engine.execute(f"SELECT COUNT(*) FROM {engine.schema}.dim_users")[0][0] > 100
