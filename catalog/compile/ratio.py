"""Ratio metrics: `numerator / denominator`, in floating point, NULL when the denominator is 0.

`CAST(n AS DOUBLE)` renders as each engine's 8-byte float (REAL on SQLite, DOUBLE PRECISION on PostgreSQL,
FLOAT64 on BigQuery, Float64 on ClickHouse); without it SQLite and PostgreSQL divide integers as integers.
MariaDB accepts `CAST(… AS DOUBLE)` from 10.4, MySQL from 8.0.17.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile.trees import safe_divide
from catalog.model import Metric, Ratio

if TYPE_CHECKING:
    from catalog.compile.plan import Planner


def compile_ratio(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Ratio)
    return safe_divide(planner.component(spec.numerator), planner.component(spec.denominator))
