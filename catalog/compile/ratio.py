"""Ratio metrics: `numerator / denominator`, in floating point, NULL when the denominator is 0.

`CAST(n AS DOUBLE)` renders as each engine's 8-byte float (REAL on SQLite, DOUBLE PRECISION on PostgreSQL,
FLOAT64 on BigQuery, Float64 on ClickHouse); without it SQLite and PostgreSQL divide integers as integers.
MariaDB accepts `CAST(… AS DOUBLE)` from 10.4, MySQL from 8.0.17.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.model import Metric, Ratio

if TYPE_CHECKING:
    from catalog.compile.plan import Planner


def safe_divide(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """`CAST(n AS DOUBLE) / NULLIF(d, 0)`: float division; x/0 and 0/0 give NULL."""
    return exp.Div(
        this=exp.cast(numerator, exp.DataType.Type.DOUBLE, copy=False),
        expression=exp.Nullif(this=denominator, expression=exp.Literal.number(0)),
    )


def compile_ratio(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Ratio)
    return safe_divide(planner.component(spec.numerator), planner.component(spec.denominator))
