"""Shifting a date or timestamp by a duration, with the same meaning on every engine.

The AARRR metric types compare times with shifted times: a conversion within `14 days` of the base event, a
trailing `3 months` window, the same period a year earlier. Every duration is first reduced to days or
months (a week is 7 days, a quarter 3 months, a year 12 months), the two units every engine can add. Month
arithmetic clamps to the end of the month (2024-03-31 minus one month is 2024-02-29) as PostgreSQL, MySQL,
DuckDB and the others do; SQLite, which rolls over to 2024-03-02, is corrected here.

Engines whose `DATE_ADD` silently drops the time of a timestamp (Hive, Spark) add an INTERVAL instead;
BigQuery's timestamps are DATETIME, which `DATETIME_ADD` shifts. Each engine's profile
(`catalog.compile.dialects`) names the adder it uses, and `DialectProfile.shift` moves a value by a `Window`.

    >>> sqlite(exp.column("paid_at"), "timestamp", *base_units(Window(14, "day"))).sql("sqlite")
    "DATETIME(paid_at, '+14 days')"
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Literal

from sqlglot import exp

from catalog.model import Window
from catalog.sqlexpr import clone

Unit = Literal["day", "month"]
Adder = Callable[[exp.Expr, str, int, Unit], exp.Expr]
"""(value, its type `date`/`timestamp`, signed count, unit) → the shifted value, of the same type."""

_IN_BASE_UNITS: dict[str, tuple[int, Unit]] = {
    "day": (1, "day"),
    "week": (7, "day"),
    "month": (1, "month"),
    "quarter": (3, "month"),
    "year": (12, "month"),
}


def base_units(window: Window, sign: int = 1) -> tuple[int, Unit]:
    """`Window(2, "week")` → `(14, "day")`; `Window(1, "year")` → `(12, "month")`; `sign=-1` shifts back."""
    factor, unit = _IN_BASE_UNITS[window.unit]
    return sign * window.count * factor, unit


def shift_moment(value: date | datetime, window: Window, sign: int = 1) -> date | datetime:
    """The same shift on a Python value (a time-range bound), clamped to the end of the month like the SQL."""
    count, unit = base_units(window, sign)
    if unit == "day":
        return value + timedelta(days=count)
    month_index = value.year * 12 + value.month - 1 + count
    year, month = divmod(month_index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def standard(value: exp.Expr, value_type: str, count: int, unit: Unit) -> exp.Expr:
    """sqlglot's `DateAdd`, which every other engine renders to its own DATE_ADD/DATEADD/`+ INTERVAL`."""
    added = exp.DateAdd(this=value, expression=exp.Literal.number(count), unit=exp.Var(this=unit.upper()))
    # PostgreSQL and DuckDB turn DATE + INTERVAL into a timestamp; keep the type so keys compare as dates.
    return exp.cast(added, exp.DataType.Type.DATE) if value_type == "date" else added


def interval(value: exp.Expr, value_type: str, count: int, unit: Unit) -> exp.Expr:
    """Hive and Spark: `DATE_ADD`/`ADD_MONTHS` return a DATE, so timestamps take `± INTERVAL 'n' UNIT`."""
    if value_type == "date":
        return standard(value, value_type, count, unit)
    step = exp.Interval(this=exp.Literal.string(str(abs(count))), unit=exp.Var(this=unit.upper()))
    node = exp.Add if count >= 0 else exp.Sub
    return exp.paren(node(this=value, expression=step))


def bigquery(value: exp.Expr, value_type: str, count: int, unit: Unit) -> exp.Expr:
    """BigQuery: DATE_ADD takes DATEs only; the timestamps of our sources are DATETIME."""
    if value_type == "date":
        return standard(value, value_type, count, unit)
    return exp.DatetimeAdd(this=value, expression=exp.Literal.number(count), unit=exp.Var(this=unit.upper()))


def sqlite(value: exp.Expr, value_type: str, count: int, unit: Unit) -> exp.Expr:
    """SQLite: `DATE`/`DATETIME(x, '+n days')` on ISO text; months clamped to the end of the month.

    SQLite normalises 2024-01-31 +1 month to 2024-03-02. When the day of the month changed, the result
    overshot into the next month by exactly that many days; stepping back that many days lands on the
    last day of the intended month and keeps the time of day.
    """
    function = "DATE" if value_type == "date" else "DATETIME"
    modifier = exp.Literal.string(f"{count:+d} {unit}s")
    moved = exp.Anonymous(this=function, expressions=[value, modifier])
    if unit == "day":
        return moved
    day_of = exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string("%d"), clone(moved)])
    same_day = exp.EQ(
        this=clone(day_of),
        expression=exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string("%d"), clone(value)]),
    )
    back = exp.DPipe(
        this=exp.DPipe(this=exp.Literal.string("-"), expression=exp.cast(day_of, exp.DataType.Type.INT)),
        expression=exp.Literal.string(" days"),
    )
    clamped = exp.Anonymous(this=function, expressions=[clone(moved), back])
    return exp.Case(ifs=[exp.If(this=same_day, true=moved)], default=clamped)
