"""A definition with each reference written as the qualified key it resolved to, for the semantic hash.

Inside namespace `shop`, `numerator: gmv` and `numerator: shop.gmv` name the same metric, so rewriting one as
the other must not read as a caliber change; pointing the numerator at another metric must. The resolved
catalog already holds every reference as a qualified key, so the definition takes its references from there.

    >>> aov = {"type": "ratio", "numerator": "gmv", "denominator": "paid_orders"}
    >>> qualified_definition("metric", "shop.aov", aov, catalog)                   # doctest: +SKIP
    {'type': 'ratio', 'numerator': 'shop.gmv', 'denominator': 'shop.paid_orders'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from catalog import model as m
from catalog.sqlexpr import DEFINITION_DIALECT, parse_expression
from catalog.store.records import Kind


def qualified_definition(
    kind: Kind,
    key: str,
    definition: Mapping[str, Any],
    catalog: m.Catalog,
) -> Mapping[str, Any]:
    """`definition` with its references qualified; unchanged when `key` is not in the catalog."""
    if kind == "dimension" and key in catalog.dimensions:
        return {**definition, "source": catalog.dimensions[key].source}
    metric = catalog.metrics.get(key) if kind == "metric" else None
    if metric is None:
        return definition
    resolved = dict(definition)
    if "dimensions" in definition:
        resolved["dimensions"] = list(metric.dimensions)
    spec = metric.spec
    match spec:
        case m.Atomic():
            resolved["source"] = spec.source
        case m.Ratio():
            resolved.update(numerator=spec.numerator, denominator=spec.denominator)
        case m.Derived():
            resolved["expr"] = _qualified_expr(spec)
        case m.Cumulative() | m.PeriodOverPeriod():
            resolved["metric"] = spec.metric
        case m.Conversion():
            resolved.update(base=spec.base, conversion=spec.conversion)
        case m.Funnel():
            resolved["steps"] = list(spec.steps)
        case m.Retention():
            resolved.update(cohort=spec.cohort, activity=spec.activity)
    return resolved


def _qualified_expr(spec: m.Derived) -> str:
    """The derived `expr` with every metric name written as `namespace.name`."""
    parsed, _ = parse_expression(spec.expr, "`expr`")
    if parsed is None:  # resolved derived metrics parsed cleanly; keep the text if that ever changes
        return spec.expr
    tree = parsed.tree.copy()  # the parse is cached and shared
    for column in list(tree.find_all(exp.Column)):
        written = f"{column.table}.{column.name}" if column.table else column.name
        namespace, _, name = spec.refs.get(written, written).rpartition(".")
        qualified = exp.column(name, table=namespace or None)
        if column is tree:
            tree = qualified
        else:
            column.replace(qualified)
    return tree.sql(dialect=DEFINITION_DIALECT, comments=False)
