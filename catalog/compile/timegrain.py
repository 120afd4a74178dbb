"""Truncating a metric's time column to the grain, with the same meaning on every engine.

The result is the first day of the period as a DATE. Weeks start on Monday (ISO 8601), quarters in January,
April, July and October. Engines disagree on how to say this — SQLite has no DATE_TRUNC, MySQL emulation via
`WEEK()` breaks at year boundaries, BigQuery's `WEEK` starts on Sunday, Hive's `TRUNC` knows no weeks — so
each dialect picks a truncation function in `catalog.compile.dialects`; the functions live here.

    >>> standard(exp.column("paid_at"), "timestamp", "month").sql("postgres")
    "CAST(DATE_TRUNC('MONTH', paid_at) AS DATE)"
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from catalog.model import Grain
from catalog.sqlexpr import clone

Truncate = Callable[[exp.Expr, str, Grain], exp.Expr]
"""(time column expression, its declared type `date`/`timestamp`, grain) → first day of the period."""


def _date(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, exp.DataType.Type.DATE, copy=False)


def _func(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def standard(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
    """`DATE_TRUNC` where the engine's own week already starts on Monday (DuckDB, PostgreSQL, Trino, Spark…).

    DATE columns use `DateTrunc` and TIMESTAMP columns `TimestampTrunc`: several dialects spell the two
    differently (Spark `TRUNC` vs `DATE_TRUNC`, BigQuery `DATE_TRUNC` vs `TIMESTAMP_TRUNC`).
    """
    if grain == "day":
        return _date(column)
    node = exp.DateTrunc if column_type == "date" else exp.TimestampTrunc
    return _date(node(this=column, unit=exp.Var(this=grain.upper())))


def with_week(week: Callable[[exp.Expr], exp.Expr]) -> Truncate:
    """`standard`, except weeks, which this engine needs spelled out to start on Monday."""

    def truncate(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
        return week(column) if grain == "week" else standard(column, column_type, grain)

    return truncate


def bigquery(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
    """BigQuery: truncate the DATE (TIMESTAMP_TRUNC refuses DATETIME columns); its WEEK starts on Sunday,
    ISOWEEK on Monday."""
    if grain == "day":
        return _date(column)
    unit = "ISOWEEK" if grain == "week" else grain.upper()
    return exp.DateTrunc(this=_date(column), unit=exp.Var(this=unit))


def clickhouse_week(column: exp.Expr) -> exp.Expr:
    return _date(_func("toMonday", column))


def snowflake_week(column: exp.Expr) -> exp.Expr:
    # DATE_TRUNC('WEEK') follows the session's WEEK_START; DAYOFWEEKISO is Monday = 1 whatever it is.
    back = exp.Sub(this=exp.Literal.number(1), expression=_func("DAYOFWEEKISO", column))
    return _date(exp.DateAdd(this=_date(column), expression=back, unit=exp.Var(this="DAY")))


def sqlite(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
    """SQLite has no DATE_TRUNC: `DATE(x, modifiers…)` on ISO text gives ISO text `YYYY-MM-DD`."""
    modifiers: list[exp.Expr]
    if grain == "day":
        modifiers = []
    elif grain == "week":
        # 'weekday 0' moves forward to Sunday (or stays on it); six days back is that week's Monday.
        modifiers = [exp.Literal.string("weekday 0"), exp.Literal.string("-6 days")]
    elif grain == "month":
        modifiers = [exp.Literal.string("start of month")]
    elif grain == "year":
        modifiers = [exp.Literal.string("start of year")]
    else:
        month = exp.cast(
            _func("STRFTIME", exp.Literal.string("%m"), clone(column)), exp.DataType.Type.INT, copy=False
        )
        back = exp.Mod(
            this=exp.paren(exp.Sub(this=month, expression=exp.Literal.number(1))),
            expression=exp.Literal.number(3),
        )
        shift = exp.DPipe(
            this=exp.DPipe(this=exp.Literal.string("-"), expression=exp.paren(back)),
            expression=exp.Literal.string(" months"),
        )
        modifiers = [exp.Literal.string("start of month"), shift]
    return _func("DATE", column, *modifiers)


def mysql(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
    """MySQL/MariaDB: calendar arithmetic instead of sqlglot's `WEEK()`/`STR_TO_DATE` emulation.

    `WEEK(x, 1)` numbers the days before the first Monday of January as week 0, which `STR_TO_DATE` cannot
    turn back into a date; `WEEKDAY()` (Monday = 0) has no such edge.
    """
    day = _date(column)
    if grain == "day":
        return day
    if grain == "week":
        return exp.DateSub(this=day, expression=_func("WEEKDAY", clone(column)), unit=exp.Var(this="DAY"))
    first_of_year = _func("MAKEDATE", _func("YEAR", clone(column)), exp.Literal.number(1))
    if grain == "year":
        return first_of_year
    months = (
        exp.Sub(this=_func("MONTH", clone(column)), expression=exp.Literal.number(1))
        if grain == "month"
        else exp.Mul(
            this=exp.paren(exp.Sub(this=_func("QUARTER", clone(column)), expression=exp.Literal.number(1))),
            expression=exp.Literal.number(3),
        )
    )
    return exp.DateAdd(this=first_of_year, expression=months, unit=exp.Var(this="MONTH"))


def hive(column: exp.Expr, column_type: str, grain: Grain) -> exp.Expr:
    """Hive: `TRUNC(x, 'MONTH'|'QUARTER'|'YEAR')`; weeks by day arithmetic from a Monday (1900-01-01)."""
    day = _date(column)
    if grain == "day":
        return day
    if grain == "week":
        offset = _func(
            "PMOD", _func("DATEDIFF", clone(day), exp.Literal.string("1900-01-01")), exp.Literal.number(7)
        )
        return _date(_func("DATE_SUB", day, offset))
    return _date(_func("TRUNC", day, exp.Literal.string(grain.upper())))
