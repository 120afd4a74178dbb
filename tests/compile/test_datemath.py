"""Shifting dates and timestamps: days or months, clamped to the month's end on every engine."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

import pytest
from sqlglot import exp

from catalog.compile.datemath import base_units, shift_moment
from catalog.compile.dialects import resolve_dialect
from catalog.model import Window


@pytest.mark.parametrize(
    ("window", "sign", "expected"),
    [
        (Window(3, "day"), 1, (3, "day")),
        (Window(2, "week"), -1, (-14, "day")),
        (Window(1, "quarter"), 1, (3, "month")),
        (Window(2, "year"), -1, (-24, "month")),
    ],
)
def test_every_duration_is_days_or_months(window: Window, sign: int, expected: tuple[int, str]) -> None:
    assert base_units(window, sign) == expected


@pytest.mark.parametrize(
    ("value", "window", "sign", "expected"),
    [
        (date(2024, 3, 31), Window(1, "month"), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), Window(1, "year"), -1, date(2023, 2, 28)),
        (datetime(2024, 1, 31, 10, 30), Window(1, "month"), 1, datetime(2024, 2, 29, 10, 30)),
        (date(2024, 1, 1), Window(52, "week"), -1, date(2023, 1, 2)),
    ],
)
def test_python_bounds_clamp_like_the_sql(value: date, window: Window, sign: int, expected: date) -> None:
    assert shift_moment(value, window, sign) == expected


@pytest.mark.parametrize(
    ("value", "kind", "window", "sign", "expected"),
    [
        ("2024-03-31", "date", Window(1, "month"), -1, "2024-02-29"),
        ("2024-01-31", "date", Window(1, "quarter"), 1, "2024-04-30"),
        ("2024-02-29", "date", Window(1, "year"), -1, "2023-02-28"),
        ("2024-01-31 10:30:00", "timestamp", Window(1, "month"), 1, "2024-02-29 10:30:00"),
        ("2024-01-01 10:30:00", "timestamp", Window(2, "week"), 1, "2024-01-15 10:30:00"),
        ("2024-05-15", "date", Window(1, "month"), 1, "2024-06-15"),
    ],
)
def test_sqlite_months_are_clamped_instead_of_rolling_over(
    value: str, kind: str, window: Window, sign: int, expected: str
) -> None:
    sql = "SELECT " + resolve_dialect("sqlite").shift(exp.Literal.string(value), kind, window, sign).sql(
        "sqlite"
    )
    assert sqlite3.connect(":memory:").execute(sql).fetchone() == (expected,)


def test_hive_keeps_the_time_of_a_timestamp() -> None:
    assert (
        resolve_dialect("hive").shift(exp.column("t"), "timestamp", Window(3, "month"), -1).sql("hive")
        == "(t - INTERVAL '3' MONTH)"
    )
    assert (
        resolve_dialect("hive").shift(exp.column("d"), "date", Window(3, "day")).sql("hive")
        == "CAST(DATE_ADD(d, 3) AS DATE)"
    )
