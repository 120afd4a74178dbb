"""Derived metrics: the definition's arithmetic with each metric name replaced by that metric's expression.

Nested derived metrics expand recursively (the catalog has no cycles). Every `/` becomes a guarded float
division, as in ratios, so `gmv / paid_orders` cannot divide integers as integers or by zero.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from catalog.compile.trees import unqualified
from catalog.model import Derived, Metric

if TYPE_CHECKING:
    from catalog.compile.plan import Planner


def compile_derived(planner: Planner, metric: Metric, label: str) -> exp.Expr:
    spec = metric.spec
    assert isinstance(spec, Derived)
    tree = unqualified(spec.expr)  # its `/` already guarded float divisions
    for column in list(tree.find_all(exp.Column)):
        written = f"{column.table}.{column.name}" if column.table else column.name
        replacement = exp.paren(planner.component(spec.refs[written]), copy=False)
        if column is tree:
            return replacement
        column.replace(replacement)
    return tree
