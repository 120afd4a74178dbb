"""Retention metrics: activity inside the calendar unit `offset` units after the unit of the first event."""

from __future__ import annotations

from catalog.compile import compile_query

from .aarrr_catalog import aarrr_catalog


def sql(metric: str, dialect: str = "duckdb") -> str:
    return compile_query(
        {"metrics": [metric], "grain": "month", "dialect": dialect}, aarrr_catalog(), cache=False
    ).sql


def test_day_7_is_the_eighth_calendar_day_counting_signup_day_as_day_0() -> None:
    text = sql("d7_ret")
    day = 'CAST("f"."_time" AS DATE)'
    assert f'"a"."_time" >= CAST({day} + INTERVAL 7 DAY AS DATE)' in text
    assert f'"a"."_time" < CAST({day} + INTERVAL 8 DAY AS DATE)' in text


def test_week_1_is_the_monday_week_after_the_signup_week() -> None:
    text = sql("w1_ret")
    assert 'DATE_TRUNC(\'WEEK\', "f"."_time")' in text
    assert "INTERVAL 7 DAY" in text and "INTERVAL 14 DAY" in text


def test_month_1_is_the_next_calendar_month() -> None:
    text = sql("m1_ret")
    assert 'DATE_TRUNC(\'MONTH\', "f"."_time")' in text
    assert "INTERVAL 1 MONTH" in text and "INTERVAL 2 MONTH" in text


def test_the_share_is_retained_over_the_cohort_in_floating_point() -> None:
    text = sql("d1_ret")
    assert 'COUNT(DISTINCT "f"."_entity")' in text and 'COUNT(DISTINCT "a"."_entity")' in text
    assert "AS DOUBLE) / NULLIF(" in text


def test_sqlite_truncates_and_shifts_with_date_modifiers() -> None:
    text = sql("w1_ret", "sqlite")
    assert "'weekday 0'" in text and "'+7 days'" in text and "'+14 days'" in text
