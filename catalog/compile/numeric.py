"""Averages and divisions with the same answer on every engine: both computed in 8-byte floating point.

Engines disagree on exact arithmetic. MySQL and MariaDB give `AVG` of integers, and `/`, a DECIMAL with only
4 more decimals (`div_precision_increment`), so 5/3 is 1.6667; PostgreSQL and SQLite divide integers as
integers (5/3 is 1); Redshift's `AVG` of integers is an integer; x/0 is an error on PostgreSQL, infinity on
DuckDB and NULL on MySQL. So the operand is cast to DOUBLE first on every dialect — the one rule, here —
which each engine renders as its own 8-byte float (REAL on SQLite, DOUBLE PRECISION on PostgreSQL, FLOAT64
on BigQuery, Float64 on ClickHouse), and a zero divisor gives NULL. MariaDB accepts `CAST(… AS DOUBLE)` from
10.4, MySQL from 8.0.17.

    >>> safe_divide(exp.column("a"), exp.column("b")).sql("postgres")
    'CAST(a AS DOUBLE PRECISION) / NULLIF(b, 0)'
    >>> average(exp.column("pages")).sql("mysql")
    'AVG(CAST(pages AS DOUBLE))'
"""

from __future__ import annotations

from sqlglot import exp


def as_float(value: exp.Expr) -> exp.Expr:
    """`CAST(value AS DOUBLE)`, the engine's 8-byte float."""
    return exp.cast(value, exp.DataType.Type.DOUBLE, copy=False)


def safe_divide(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """`CAST(n AS DOUBLE) / NULLIF(d, 0)`: float division; x/0 and 0/0 give NULL."""
    return exp.Div(
        this=as_float(numerator),
        expression=exp.Nullif(this=denominator, expression=exp.Literal.number(0)),
    )


def average(value: exp.Expr) -> exp.Expr:
    """`AVG(CAST(value AS DOUBLE))`."""
    return exp.Avg(this=as_float(value))


def float_divisions(tree: exp.Expr) -> exp.Expr:
    """`tree` with every `/` made a `safe_divide` (the root too: use the returned tree)."""
    for div in list(tree.find_all(exp.Div)):
        guarded = safe_divide(div.this, div.expression)
        if div is tree:
            return guarded
        div.replace(guarded)
    return tree
