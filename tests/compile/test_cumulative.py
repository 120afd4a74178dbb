"""Cumulative metrics: recomputed over the rows up to each period's end, never summed from period values."""

from __future__ import annotations

import pytest

from catalog.compile import CompileError, compile_query

from .aarrr_catalog import aarrr_catalog


def sql(metrics: list[str], **query: object) -> str:
    return compile_query({"metrics": metrics, "dialect": "duckdb", **query}, aarrr_catalog(), cache=False).sql


def test_a_cumulative_metric_needs_a_grain() -> None:
    with pytest.raises(CompileError) as caught:
        sql(["revenue_running"])
    assert caught.value.issues[0].code == "E007"
    assert "revenue_running is cumulative, which needs a time grain" in caught.value.issues[0].message


def test_a_distinct_count_is_counted_again_over_the_joined_rows() -> None:
    text = sql(["buyers_running"], grain="month")
    assert 'COUNT(DISTINCT "f"."_value")' in text
    assert "SUM(" not in text


def test_a_running_total_has_no_lower_bound_but_a_trailing_window_does() -> None:
    running, trailing = sql(["revenue_running"], grain="month"), sql(["buyers_2m"], grain="month")
    assert '"f"."_time" < ' in running and '"f"."_time" >= ' not in running
    assert '"f"."_time" >= ' in trailing and "INTERVAL (-2) MONTH" in trailing


def test_a_trailing_window_reads_rows_before_the_range_start() -> None:
    text = sql(["buyers_2m"], grain="month", time_range={"start": "2024-02-01", "end": "2025-01-01"})
    # the periods (spine) are limited to the range, the rows feeding them only by its end
    assert text.count("'2024-02-01") == 1
    assert text.count("'2025-01-01") == 2


def test_dimensions_match_null_to_null() -> None:
    text = sql(["revenue_running"], grain="month", dimensions=["city"])
    assert '"s"."city" IS NULL AND "f"."city" IS NULL' in text


def test_it_combines_with_an_atomic_metric_by_union_all() -> None:
    compiled = compile_query({"metrics": ["revenue", "revenue_running"], "grain": "month"}, aarrr_catalog())
    assert compiled.columns == ("metric_time", "revenue", "revenue_running")
    assert "UNION ALL" in compiled.sql
    assert compiled.metrics == ("app.revenue", "app.revenue_running")
