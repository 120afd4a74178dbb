"""Ratio metrics: `numerator / denominator`, in floating point, NULL when the denominator is 0 (`numeric`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile.numeric import safe_divide
from catalog.model import Metric, Ratio

if TYPE_CHECKING:
    from catalog.compile.plan import Planner


def compile_ratio(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Ratio)
    return safe_divide(planner.component(spec.numerator), planner.component(spec.denominator))
